"""Smoke test of the load benchmark's websocket client (benchmarks/load_client.py) through the real server.

Two sessions at once speak Streamlit's protocol to ``streamlit run app.py`` (``make run``'s flags, shipped login
delay) on a seeded temporary SQLite database and each signs in with the form and opens a chart. No browser needed.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _started_server(tmp_path: Path):  # type: ignore[no-untyped-def]
    from benchmarks import bench_load

    env = bench_load.seeded_environment(tmp_path / "db", f"sqlite:///{tmp_path / 'load.db'}")
    return bench_load.streamlit_server(env, tmp_path / "streamlit.log")


def test_two_concurrent_protocol_sessions_sign_in_and_open_a_chart_without_errors(tmp_path: Path) -> None:
    from benchmarks.load_client import clinician_visit, run_async
    from tests.app import ui_cohort as ui

    server = _started_server(tmp_path)
    try:
        url, _pid = server.__enter__()
    except RuntimeError as exc:
        pytest.skip(f"the Streamlit server could not start: {str(exc)[:300]}")
    try:
        async def two() -> list:
            return await asyncio.gather(*(clinician_visit(url, ui.CLINICIAN, ui.PASSWORDS[ui.CLINICIAN],
                                                          simulate=False) for _ in range(2)))

        visits = run_async(two())
    finally:
        server.__exit__(None, None, None)
    for steps in visits:
        assert [s.step for s in steps] == ["open", "sign_in", "chart"], steps
        assert [e for s in steps for e in s.errors] == [], steps
