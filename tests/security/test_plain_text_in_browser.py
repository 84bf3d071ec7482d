"""In a real browser: text passed through :func:`components.shared.text.plain` shows exactly as typed and fetches
nothing, in every kind of Streamlit element that reads markdown (and in an ``unsafe_allow_html`` block); the same
text rendered raw fetches the image (the control, proving the test would see a fetch)."""

from __future__ import annotations

import http.server
import socket
import textwrap
import threading
import time

import pytest

from tests.browser_support import running_app

pytestmark = pytest.mark.browser


def _port() -> int:
    for port in range(8900, 8950):  # this work's port range on shared machines; any free port elsewhere
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Tracker(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        _Tracker.hits.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def tracker():  # type: ignore[no-untyped-def]
    _Tracker.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", _port()), _Tracker)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


SCRIPT = """
import streamlit as st
from components.shared.text import plain, show_text

T = "{tracker}"
hostile = "Ann ![pixel](" + T + "/escaped.png) <img src='" + T + "/escaped-html.png'> $x$ [a](" + T + "/l) R&D"
st.markdown("Name: " + plain(hostile))
st.caption(plain(hostile))
st.info(plain(hostile))
with st.expander(plain("label ![p](" + T + "/escaped-label.png)")):
    st.write("inside")
st.markdown("<div class='x'>" + plain(hostile + "\\n\\n![p](" + T + "/escaped-block.png)") + "</div>",
            unsafe_allow_html=True)
show_text(st, "line one\\n![p](" + T + "/escaped-note.png)\\nline three")
st.markdown("control ![pixel](" + T + "/control.png)")
st.markdown("END-MARKER")
"""


def test_plain_text_renders_as_typed_and_fetches_nothing_while_raw_markdown_would(chromium_path, browser, tracker,
                                                                                  tmp_path):
    script = tmp_path / "page.py"
    script.write_text(textwrap.dedent(SCRIPT).replace("{tracker}", tracker))
    with running_app({}, tmp_path / "streamlit.log", port=_port(), script=str(script)) as url:
        page = browser.new_page()
        try:
            page.goto(url)
            page.get_by_text("END-MARKER").wait_for(timeout=30_000)
            deadline = time.monotonic() + 10
            while "/control.png" not in _Tracker.hits and time.monotonic() < deadline:
                time.sleep(0.2)
            text = page.inner_text("body")
        finally:
            page.close()
    assert "/control.png" in _Tracker.hits, "the control image was never fetched: the test cannot see fetches"
    assert [h for h in _Tracker.hits if "escaped" in h or h == "/l"] == []
    assert f"Ann ![pixel]({tracker}/escaped.png) <img src='{tracker}/escaped-html.png'> $x$" in text
    assert "R&D" in text and "&#" not in text
    assert f"label ![p]({tracker}/escaped-label.png)" in text
    assert "line one" in text and "line three" in text
