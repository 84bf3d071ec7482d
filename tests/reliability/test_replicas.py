"""Two app replicas behind nginx (TLS, cookie-sticky sessions) on one PostgreSQL: ``deploy/run_replicas.py``.

Sessions speak Streamlit's websocket protocol over ``wss://`` through the proxy (``benchmarks/load_client.py``); the
proxy names the replica that answered in an ``X-Upstream`` header and pins a browser to it with its ``nm_lb``
cookie. Needs nginx, openssl and PostgreSQL (``NOVAMIND_TEST_DATABASE_URL``); skips with the reason otherwise.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.load_client import run_async
from tests.conftest import PG_ENV

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def _port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port_run(count: int) -> int:
    """The first of ``count`` consecutive free loopback ports (replicas listen on consecutive ports)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            first = s.getsockname()[1]
        if first + count < 65536 and all(_port_is_free(first + i) for i in range(count)):
            return first
    raise RuntimeError(f"no {count} consecutive free ports")


@pytest.fixture(scope="module")
def replicas() -> Iterator:  # type: ignore[type-arg]
    if not os.environ.get(PG_ENV):
        pytest.skip(f"replicas share PostgreSQL: set {PG_ENV}")
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        pytest.skip("nginx is not installed (Debian: apt-get install nginx-light)")
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed (it makes the proxy's local certificate)")
    from benchmarks import bench_load
    from deploy.run_replicas import ReplicaPlan, ReplicaSet

    with tempfile.TemporaryDirectory() as tmp_name, bench_load.database("postgresql") as url:
        tmp = Path(tmp_name)
        env = bench_load.seeded_environment(tmp / "keys", url)
        first = _free_port_run(4)  # two replicas, then the proxy's HTTPS and HTTP ports
        plan = ReplicaPlan(2, first, first + 2, first + 3, runtime_dir=tmp / "runtime")
        with ReplicaSet(plan, env, worker_console=True) as running:
            yield running


async def _handshake(url: str, cookie: str | None) -> tuple[str, str | None]:
    """One websocket opened through the proxy: (the replica that answered, the sticky cookie it set, if any)."""
    from benchmarks.load_client import StreamlitSession

    async with StreamlitSession(url, verify_tls=False, cookie=cookie) as s:
        headers = s.response_headers
    set_cookie = headers.get("set-cookie", "")
    new_cookie = set_cookie.split(";", 1)[0] if set_cookie.startswith("nm_lb=") else None
    return headers.get("x-upstream", ""), new_cookie


def _browsers_on_each_replica(url: str) -> dict[str, str]:
    """A sticky cookie per replica (upstream address -> ``nm_lb=...``): new browsers until both replicas are seen."""
    found: dict[str, str] = {}
    for _ in range(40):
        upstream, cookie = run_async(_handshake(url, None))
        assert cookie is not None, "the proxy set no sticky cookie on a new browser's websocket"
        found.setdefault(upstream, cookie)
        if len(found) == 2:
            return found
    raise AssertionError(f"40 new browsers all landed on {sorted(found)}: the proxy does not spread sessions")


def _visit(url: str, cookie: str):  # type: ignore[no-untyped-def]
    from benchmarks.load_client import clinician_visit
    from tests.app import ui_cohort as ui

    return clinician_visit(url, ui.CLINICIAN, ui.PASSWORDS[ui.CLINICIAN], simulate=False, verify_tls=False,
                           cookie=cookie)


def test_two_sessions_land_on_different_replicas_stay_there_across_reconnects_and_reach_a_chart(replicas) -> None:
    url = replicas.plan.proxy_url
    browsers = _browsers_on_each_replica(url)
    for upstream, cookie in browsers.items():
        for _ in range(3):
            again, new_cookie = run_async(_handshake(url, cookie))
            assert again == upstream, f"a reconnect with {cookie} moved from {upstream} to {again}"
            assert new_cookie is None, "the proxy replaced an existing sticky cookie"

    async def both() -> list:
        return await asyncio.gather(*(_visit(url, cookie) for cookie in browsers.values()))

    for steps in run_async(both()):
        assert [s.step for s in steps] == ["open", "sign_in", "chart"], steps
        assert [e for s in steps for e in s.errors] == [], steps


def test_stopping_one_replica_leaves_the_other_replicas_open_session_and_new_visits_working(replicas) -> None:
    from benchmarks.load_client import StreamlitSession
    from tests.app import ui_cohort as ui

    url = replicas.plan.proxy_url
    browsers = _browsers_on_each_replica(url)
    port_of = {f"127.0.0.1:{port}": f"replica-{i + 1}" for i, port in enumerate(replicas.plan.app_ports)}
    stopped_upstream, survivor_upstream = sorted(browsers)

    async def held_session_across_the_stop() -> tuple[list[str], bool]:
        async with StreamlitSession(url, verify_tls=False, cookie=browsers[survivor_upstream]) as s:
            assert s.response_headers["x-upstream"] == survivor_upstream
            await s.rerun()
            await s.rerun()
            s.set_value(s.widget("text_input", "Username"), "string_value", ui.CLINICIAN)
            s.set_value(s.widget("text_input", "Password"), "string_value", ui.PASSWORDS[ui.CLINICIAN])
            await s.rerun(trigger=s.widget("button", "Sign in"))
            assert s.has_widget("selectbox", "Open a patient"), "sign-in did not reach the caseload"
            await asyncio.to_thread(replicas.stop_process, port_of[stopped_upstream])
            chooser = s.widget("selectbox", "Open a patient")
            s.set_value(chooser, "string_value", chooser.options[0])
            await s.rerun()
            errors = list(s.last.errors)
            await s.rerun(trigger=s.widget("button", "Open chart"))
            return errors + list(s.last.errors), not s.has_widget("selectbox", "Open a patient")

    errors, on_chart = run_async(held_session_across_the_stop())
    assert errors == [] and on_chart, errors
    assert replicas.first_ended() is None, f"{replicas.first_ended()} ended with the stopped replica"

    again, _ = run_async(_handshake(url, browsers[survivor_upstream]))
    assert again == survivor_upstream
    steps = run_async(_visit(url, browsers[survivor_upstream]))
    assert [s.step for s in steps] == ["open", "sign_in", "chart"] and [e for s in steps for e in s.errors] == []

    # The stopped replica's browser is sent to the survivor (a new session there; it signs in again).
    moved, _ = run_async(_handshake(url, browsers[stopped_upstream]))
    assert moved.endswith(survivor_upstream), moved
    steps = run_async(_visit(url, browsers[stopped_upstream]))
    assert [s.step for s in steps] == ["open", "sign_in", "chart"] and [e for s in steps for e in s.errors] == []
