"""A load client that speaks Streamlit's browser protocol over ``/_stcore/stream`` (no browser needed).

A browser session is a websocket carrying protobuf ``BackMsg``s (client to server) and ``ForwardMsg``s (server to
client). Each script run starts with the client's ``rerun_script`` message, whose ``ClientState`` holds the page
asked for (``page_script_hash``) and the values of every mounted widget (``widget_states``; a button click is a
one-shot ``trigger_value``); the server answers ``new_session``, the run's ``delta``s (each new element carries its
widget id and label), ``navigation`` (the pages and the current page's hash) and ends the run with
``script_finished``. A run that ends in ``st.switch_page`` or ``st.rerun`` finishes "early for rerun" and the next
run follows without a client message.

:class:`StreamlitSession` keeps the widget values the way the browser does (only for widgets drawn in the last run),
finds widgets by label in the received deltas (widget ids differ per session and page, so messages are built from
them, never replayed as bytes) and times each step until its final ``script_finished``.
An ``exception`` element, or an error alert, in a run counts as an error.

Custom components are iframes whose JavaScript sends a value as soon as a new instance mounts; with
``mount_components=True`` the session does the same (a ``json_value`` rerun for each component id it has not seen),
which reproduces the browser's extra reruns (docs/load.md, "sign-in diagnosis"). The sign-in page no longer draws
one (the read-all-cookies component is gone), so the browser's first visit is one run and so is ``open``.

:func:`clinician_visit` is the benchmark's scenario: sign in with the form, caseload, open a chart, one simulation.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import ssl
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin, Subprotocol

STEP_TIMEOUT_S = 300.0
"""No step waits longer than this for its ``script_finished`` (bounded loops)."""
MAX_CHAINED_RUNS = 8
"""A step follows at most this many runs that finish early for a rerun (``switch_page``, ``st.rerun``)."""

T = TypeVar("T")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coroutine)``, also from a thread whose event loop is already running (Playwright's sync API keeps
    one running for the whole test session): then the coroutine runs to completion on a fresh loop in its own thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()



@dataclass(frozen=True)
class Widget:
    """A widget drawn in the last run: its protobuf kind (``button``, ``selectbox``...), label and id."""

    kind: str
    label: str
    widget_id: str
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class StepResult:
    """One timed step of a session: seconds from the first BackMsg to the last ``script_finished``."""

    step: str
    seconds: float
    errors: tuple[str, ...] = ()


@dataclass
class _Run:
    widgets: list[Widget] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # warning/info alerts, to say why a step could not go on
    element_kinds: set[str] = field(default_factory=set)


class StepFailed(RuntimeError):
    """A step could not be carried out (a widget it needs was not drawn); the message says which."""


class StreamlitSession:
    """One browser-like session against ``base_url`` (``http://host:port``)."""

    def __init__(self, base_url: str, *, mount_components: bool = False, verify_tls: bool = True,
                 cookie: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.mount_components = mount_components
        self.verify_tls = verify_tls  # False: accept a self-signed certificate (the loopback proxy, deploy/)
        self.cookie = cookie  # a Cookie header for the handshake (the proxy's sticky-session cookie)
        self.pages: dict[str, str] = {}  # url pathname -> page script hash
        self.page_hash = ""
        self.last = _Run()
        self.sent_backmsgs = 0
        self._states: dict[str, tuple[str, object]] = {}
        self._mounted_components: set[str] = set()
        self._ws: ClientConnection | None = None

    async def __aenter__(self) -> StreamlitSession:
        ws_url = "ws" + self.base_url[len("http"):] + "/_stcore/stream"  # https:// -> wss://
        tls: dict[str, ssl.SSLContext] = {}
        if ws_url.startswith("wss://") and not self.verify_tls:
            tls["ssl"] = ssl.create_default_context()
            tls["ssl"].check_hostname = False
            tls["ssl"].verify_mode = ssl.CERT_NONE
        self._ws = await connect(ws_url, subprotocols=[Subprotocol("streamlit")], origin=Origin(self.base_url),
                                 max_size=None, open_timeout=60, ping_interval=None, **tls,
                                 additional_headers={"Cookie": self.cookie} if self.cookie else None)
        return self

    @property
    def response_headers(self) -> dict[str, str]:
        """The websocket handshake's response headers (a proxy's ``X-Upstream``, ``Set-Cookie``), lower-case names."""
        if self._ws is None or self._ws.response is None:
            return {}
        return {name.lower(): value for name, value in self._ws.response.headers.raw_items()}

    async def __aexit__(self, *exc: object) -> None:
        if self._ws is not None:
            await self._ws.close()

    # -- finding widgets ------------------------------------------------------------------------------------------
    def widget(self, kind: str, label: str) -> Widget:
        """The widget of ``kind`` whose label starts with ``label`` in the last run (StepFailed if absent)."""
        for w in self.last.widgets:
            if w.kind == kind and w.label.startswith(label):
                return w
        drawn = sorted({f"{w.kind}:{w.label}" for w in self.last.widgets})
        raise StepFailed(f"no {kind} labelled {label!r} on page {self.page_hash[:8]}; drawn: {drawn[:12]}")

    def has_widget(self, kind: str, label: str) -> bool:
        return any(w.kind == kind and w.label.startswith(label) for w in self.last.widgets)

    # -- running the script ---------------------------------------------------------------------------------------
    def set_value(self, widget: Widget, value_field: str, value: object) -> None:
        """Remember a widget's new value (sent with every later rerun while the widget stays drawn)."""
        self._states[widget.widget_id] = (value_field, value)

    async def rerun(self, *, trigger: Widget | None = None, page: str | None = None) -> _Run:
        """Send one ``rerun_script`` (with a one-shot click on ``trigger``) and read until the run chain ends."""
        if page is not None:
            self.page_hash = self.pages[page]
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = ""
        state.page_script_hash = self.page_hash
        state.context_info.timezone = "UTC"
        state.context_info.locale = "en-GB"
        state.context_info.url = self.base_url + "/"
        for widget_id, (value_field, value) in self._states.items():
            ws = state.widget_states.widgets.add()
            ws.id = widget_id
            setattr(ws, value_field, value)
        if trigger is not None:
            ws = state.widget_states.widgets.add()
            ws.id = trigger.widget_id
            ws.trigger_value = True
        return await self._send_and_wait(msg)

    async def _send_and_wait(self, msg: BackMsg) -> _Run:
        assert self._ws is not None
        await self._ws.send(msg.SerializeToString())
        self.sent_backmsgs += 1
        run = _Run()
        deadline = time.monotonic() + STEP_TIMEOUT_S
        finished_runs = 0
        while finished_runs < MAX_CHAINED_RUNS:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise StepFailed(f"no script_finished within {STEP_TIMEOUT_S:.0f} s")
            raw = await asyncio.wait_for(self._ws.recv(), timeout=remaining)
            fwd = ForwardMsg()
            fwd.ParseFromString(raw if isinstance(raw, bytes) else raw.encode())
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                run = _Run()
            elif kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in fwd.navigation.app_pages}
                if fwd.navigation.page_script_hash:
                    self.page_hash = fwd.navigation.page_script_hash
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                self._read_element(fwd, run)
                if self.mount_components and run.components and run.components[-1] not in self._mounted_components:
                    await self._component_mounted(run.components[-1])
            elif kind == "script_finished":
                finished_runs += 1
                if fwd.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    break
        self._finish_run(run)
        return run

    async def _component_mounted(self, component_id: str) -> None:
        """As the browser does the moment a new component instance mounts: rerun with its value (mid-run)."""
        assert self._ws is not None
        self._mounted_components.add(component_id)
        self._states[component_id] = ("json_value", "{}")
        msg = BackMsg()
        msg.rerun_script.page_script_hash = self.page_hash
        msg.rerun_script.context_info.url = self.base_url + "/"
        for widget_id, (value_field, value) in self._states.items():
            ws = msg.rerun_script.widget_states.widgets.add()
            ws.id = widget_id
            setattr(ws, value_field, value)
        await self._ws.send(msg.SerializeToString())
        self.sent_backmsgs += 1

    def _read_element(self, fwd: ForwardMsg, run: _Run) -> None:
        element = fwd.delta.new_element
        kind = element.WhichOneof("type") or ""
        run.element_kinds.add(kind)
        proto = getattr(element, kind, None)
        if kind == "exception":
            run.errors.append(f"exception: {element.exception.type}: {element.exception.message[:200]}")
        elif kind == "alert" and element.alert.format == element.alert.ERROR:
            run.errors.append(f"error alert: {element.alert.body[:200]}")
        elif kind == "alert":
            run.notices.append(element.alert.body[:200])
        elif kind == "component_instance":
            run.components.append(element.component_instance.id)
        elif proto is not None and hasattr(proto, "id") and getattr(proto, "id", ""):
            options = tuple(getattr(proto, "options", ()) or ())
            run.widgets.append(Widget(kind, getattr(proto, "label", ""), proto.id,
                                      options if all(isinstance(o, str) for o in options) else ()))

    def _finish_run(self, run: _Run) -> None:
        """Keep values only for widgets drawn in this run (the browser forgets unmounted widgets)."""
        drawn = {w.widget_id for w in run.widgets} | set(run.components)
        self._states = {k: v for k, v in self._states.items() if k in drawn}
        self.last = run


async def _timed(session: StreamlitSession, name: str, steps: list[StepResult], coro_factory) -> _Run:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    try:
        run = await coro_factory()
    except (StepFailed, TimeoutError, OSError) as exc:
        steps.append(StepResult(name, time.perf_counter() - t0, (f"{type(exc).__name__}: {exc}",)))
        raise
    steps.append(StepResult(name, time.perf_counter() - t0, tuple(run.errors)))
    return run


async def clinician_visit(base_url: str, username: str, password: str, *, simulate: bool = True,
                          mount_components: bool = False, verify_tls: bool = True,
                          cookie: str | None = None,
                          chart_gate: Callable[[], Awaitable[None]] | None = None) -> list[StepResult]:
    """Open the app, sign in with the form, see the caseload, open the first patient's chart, run one simulation.

    Steps: ``open`` (first run, sign-in form drawn), ``sign_in`` (form submitted to the caseload drawn),
    ``chart`` (patient chosen and "Open chart" clicked, to the patient page drawn), ``simulation`` (simulation page
    opened, the default plan added and "Run simulation" clicked). A step that cannot go on ends the visit.
    ``verify_tls=False`` accepts a self-signed certificate (``https://`` URLs speak ``wss://``); ``cookie`` is sent
    with the handshake (a sticky-session cookie pins the visit to one replica behind the proxy). ``chart_gate`` is
    awaited between the caseload and "Open chart" (untimed): N signed-in sessions then open their charts at once.
    """
    steps: list[StepResult] = []
    try:
        async with StreamlitSession(base_url, mount_components=mount_components, verify_tls=verify_tls,
                                    cookie=cookie) as s:
            await _timed(s, "open", steps, s.rerun)  # one run: no component mounts on the sign-in page any more
            user, pw = s.widget("text_input", "Username"), s.widget("text_input", "Password")
            s.set_value(user, "string_value", username)
            s.set_value(pw, "string_value", password)

            async def sign_in() -> _Run:
                run = await s.rerun(trigger=s.widget("button", "Sign in"))
                if not s.has_widget("selectbox", "Open a patient"):
                    still = "the sign-in form is drawn again" if s.has_widget("button", "Sign in") else "no caseload"
                    raise StepFailed(f"sign-in did not reach the caseload ({still}; page {s.page_hash[:8]}; "
                                     f"elements {sorted(run.element_kinds)}; notices {run.notices[:3]})")
                return run

            await _timed(s, "sign_in", steps, sign_in)
            if chart_gate is not None:
                await chart_gate()

            async def chart() -> _Run:
                chooser = s.widget("selectbox", "Open a patient")
                if not chooser.options:
                    raise StepFailed("the caseload lists no patients")
                s.set_value(chooser, "string_value", chooser.options[0])
                await s.rerun()
                run = await s.rerun(trigger=s.widget("button", "Open chart"))
                if s.has_widget("selectbox", "Open a patient"):
                    raise StepFailed("Open chart stayed on the caseload")
                return run

            await _timed(s, "chart", steps, chart)
            if simulate:
                async def simulation() -> _Run:
                    await s.rerun(page="simulation")
                    await s.rerun(trigger=s.widget("button", "Add to comparison"))
                    return await s.rerun(trigger=s.widget("button", "Run simulation"))

                await _timed(s, "simulation", steps, simulation)
    except (StepFailed, TimeoutError, OSError) as exc:
        if not steps or not steps[-1].errors:
            steps.append(StepResult("connect", 0.0, (f"{type(exc).__name__}: {exc}",)))
    return steps
