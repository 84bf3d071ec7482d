"""Scale beyond one machine: two app processes (each its own service stack, engine and connection pool) against one
PostgreSQL. A change made through one is visible through the other at once, and optimistic locking works across
processes (the app keeps no state outside the database)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

WORKER = Path(__file__).resolve().parent / "service_worker.py"


class AppProcess:
    def __init__(self, env: dict[str, str]):
        self.proc = subprocess.Popen([sys.executable, str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env={**os.environ, **env})
        ready = json.loads(self.proc.stdout.readline() or "{}")
        assert "ready" in ready, self.proc.stderr.read()[-2000:]
        self.pid = ready["ready"]

    def ask(self, **cmd):  # type: ignore[no-untyped-def]
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.write(json.dumps({"op": "quit"}) + "\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=30)


@pytest.fixture
def two_apps(shared):  # type: ignore[no-untyped-def]
    services, env, clin, patient = shared
    if services.engine.dialect.name != "postgresql":
        pytest.skip("several app processes share PostgreSQL (set NOVAMIND_TEST_DATABASE_URL)")
    a, b = AppProcess(env), AppProcess(env)
    assert a.pid != b.pid
    yield a, b, clin, patient
    a.close()
    b.close()


@pytest.mark.postgres
def test_a_patient_registered_and_scored_in_one_process_is_seen_at_once_by_the_other(two_apps):
    a, b, clin, _ = two_apps
    assert b.ask(op="caseload", **{"as": clin.username}, search="NM-222333") == {"mrns": [], "phq9": []}
    created = a.ask(op="register", **{"as": clin.username}, mrn="NM-222333")
    a.ask(op="record", **{"as": clin.username}, patient_id=created["patient_id"], answers=[2, 2, 2, 2, 1, 1, 1, 1, 0])
    seen = b.ask(op="caseload", **{"as": clin.username}, search="NM-222333")
    assert seen == {"mrns": ["NM-222333"], "phq9": [12]}
    b.ask(op="record", **{"as": clin.username}, patient_id=created["patient_id"], answers=[1, 1, 1, 1, 1, 1, 1, 1, 0])
    assert a.ask(op="history", **{"as": clin.username}, patient_id=created["patient_id"])["totals"] == [12, 8]


@pytest.mark.postgres
def test_optimistic_locking_holds_across_processes(two_apps):
    a, b, clin, patient = two_apps
    first = a.ask(op="update", **{"as": clin.username}, patient_id=patient.id, version=patient.version,
                  phone="+44 7700 900001")
    assert first["phone"] == "+44 7700 900001"
    stale = b.ask(op="update", **{"as": clin.username}, patient_id=patient.id, version=patient.version,
                  phone="+44 7700 900002")
    assert stale["error"] == "StaleWriteError" and "reload" in stale["message"]
    again = b.ask(op="update", **{"as": clin.username}, patient_id=patient.id, version=first["version"],
                  phone="+44 7700 900002")
    assert again["phone"] == "+44 7700 900002"
