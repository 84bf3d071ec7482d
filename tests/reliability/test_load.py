"""Twenty concurrent simulated clinician sessions against one app process on PostgreSQL: no errors
(``scripts/load_test.py``; latency percentiles go to ``benchmarks/bench_reliability.py``, not to assertions)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_ENV

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "load_test.py"


def _load_test_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("nm_load_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["nm_load_test"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.postgres
def test_twenty_concurrent_sessions_on_postgresql_complete_every_page_load_without_an_error():
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"the load test runs on PostgreSQL: set {PG_ENV}")
    load = _load_test_module()
    report = load.run_load(sessions=20, rounds=2, database_url=url, n_patients=30)
    assert report.backend == "postgresql"
    assert report.renders == 40 and report.errors == [], report.errors[:3]
