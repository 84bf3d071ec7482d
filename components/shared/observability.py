"""Per-run log context and page latency for operations (novamind_core/observability; docs/deployment.md).

:func:`bind_run_log_context` gives every log line of this script run a fresh ``request_id`` and the browser
session's ``session_id`` (a digest of Streamlit's session id, not a credential). :func:`observe_page` times the page
script and adds it to this process's page-latency histogram, which ``python -m novamind_core metrics`` serves.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from novamind_core.observability.logs import bind, new_request_id, session_log_id
from novamind_core.observability.metrics import PageLatencyRecorder


@st.cache_resource(show_spinner=False)
def _recorder(metrics_dir: str) -> PageLatencyRecorder:
    """One recorder per app process and metrics directory."""
    return PageLatencyRecorder(Path(metrics_dir))


def bind_run_log_context() -> None:
    """A new request id for this run, and this browser session's log id."""
    session = ""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        session = ctx.session_id if ctx is not None else ""
    except Exception:  # outside a Streamlit run (AppTest, bare mode): no session id
        session = ""
    bind(request_id=new_request_id(), session_id=session_log_id(session) if session else None)


@contextmanager
def observe_page(title: str, metrics_dir: Path | str) -> Iterator[None]:
    """Time the page script in the block (however it ends: a rerun or stop still counts as a run)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        _recorder(str(metrics_dir)).observe(title, time.perf_counter() - started)
