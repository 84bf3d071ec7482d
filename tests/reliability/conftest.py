"""Fixtures for reliability tests: settings shared with child processes through NOVAMIND_* variables."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import TEST_PASSWORD, make_settings

WORKER = Path(__file__).resolve().parent / "crash_worker.py"
REPO = Path(__file__).resolve().parents[2]


def environment_of(settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The NOVAMIND_* variables that make a child process build the same settings."""
    return {"NOVAMIND_ENVIRONMENT": "testing", "NOVAMIND_DATABASE_URL": settings.database_url,
            "NOVAMIND_ENCRYPTION_KEYS": ",".join(settings.encryption_keys),
            "NOVAMIND_BLIND_INDEX_KEY": settings.blind_index_key, "NOVAMIND_DEID_KEY": settings.deid_key,
            "NOVAMIND_COOKIE_KEY": settings.cookie_key, "NOVAMIND_LOGIN_SLEEP_TIME": "0",
            "NOVAMIND_LOG_LEVEL": "WARNING"}


def run_until_mid_then_kill(args: list[str], env: dict[str, str], timeout_s: float = 60.0,
                            extra_wait_s: float = 0.0) -> str:
    """Start the crash worker, wait for its ``MID`` line (optionally ``extra_wait_s`` more), SIGKILL it."""
    proc = subprocess.Popen([sys.executable, str(WORKER), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, **env}, cwd=REPO)
    deadline = time.monotonic() + timeout_s
    line = ""
    try:
        while time.monotonic() < deadline:
            line = proc.stdout.readline() if proc.stdout else ""
            if line.startswith("MID") or proc.poll() is not None:
                break
        if not line.startswith("MID"):
            err = proc.stderr.read() if proc.stderr and proc.poll() is not None else ""
            raise AssertionError(f"worker never reached the middle of {args[0]}: {line!r} {err[-2000:]}")
        if extra_wait_s:
            time.sleep(extra_wait_s)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, f"worker ended on its own ({proc.returncode})"
    return line.strip()


@pytest.fixture
def shared(db_url: str, clock):  # type: ignore[no-untyped-def]
    """(services, env, clinician, patient) over ``db_url``; ``env`` lets a child process open the same data."""
    from novamind_core.bootstrap import build_services
    from novamind_core.services.base import SYSTEM_USER
    from tests.conftest import register_patient

    settings = make_settings(db_url)
    services = build_services(settings, bcrypt_rounds=4)
    services.users.create(SYSTEM_USER, "dr.crash", "Dr Crash", "clinician", TEST_PASSWORD)
    clin = services.users.get_by_username("dr.crash")
    patient = register_patient(services, clin)
    yield services, environment_of(settings), clin, patient
    services.close()
