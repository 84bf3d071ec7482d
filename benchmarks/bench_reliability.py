"""Reliability benchmark: 20 concurrent simulated clinician sessions against one app process on PostgreSQL.

``scripts/load_test.py`` (mode ``services``): each session loads the caseload and a patient's chart (the service
calls those pages make; every other round also saves an assessment), all sessions sharing one process-wide service
stack and connection pool (5 + 10 overflow). Baseline, same run: one session alone doing the same loop. Reported:
p50 and p95 latency per page load under load with the ratio to the lone session (how much waiting for the pool,
the database and the CPU adds), and errors (target: 0). PostgreSQL when ``NOVAMIND_TEST_DATABASE_URL`` is set
(a fresh schema), otherwise a temporary SQLite file (single writer; says so in ``notes``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _load_test():  # type: ignore[no-untyped-def]
    """scripts/load_test.py, imported by path (a ``scripts`` package elsewhere on sys.path must not shadow it)."""
    import importlib.util

    if "nm_load_test" not in sys.modules:
        spec = importlib.util.spec_from_file_location("nm_load_test", Path(__file__).resolve().parents[1] / "scripts"
                                                      / "load_test.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["nm_load_test"] = module
        spec.loader.exec_module(module)
    return sys.modules["nm_load_test"]


def run(quick: bool = False) -> list[dict]:
    load = _load_test()
    prepared_database, run_load = load.prepared_database, load.run_load

    url = os.environ.get("NOVAMIND_TEST_DATABASE_URL")
    sessions, rounds = 20, (2 if quick else 4)
    with prepared_database(url, n_patients=40) as env:
        alone = run_load(1, rounds * 2, prepared=env)
        loaded = run_load(sessions, rounds, prepared=env)
    backend = loaded.backend
    note = (f"{backend}; {loaded.renders} page loads, {loaded.wall_s:.1f} s wall, "
            f"{loaded.renders / loaded.wall_s:.1f} loads/s; errors {len(loaded.errors)}"
            + ("" if backend == "postgresql" else "; SQLite: set NOVAMIND_TEST_DATABASE_URL for the PostgreSQL figure"))
    rows = []
    for q in (50, 95):
        base, value = alone.percentile(q), loaded.percentile(q)
        rows.append({"name": f"{sessions} concurrent sessions: p{q} page-load latency (ratio = loaded/alone)",
                     "value": round(value, 3), "unit": "s", "baseline_name": f"p{q} of one session alone",
                     "baseline_value": round(base, 3), "ratio": round(value / base, 2) if base else None,
                     "target": "no errors; p95 < 5 s on the 2-core development machine" if q == 95 else None,
                     "peak_memory_mb": None, "notes": note})
    rows.append({"name": f"{sessions} concurrent sessions: errors", "value": len(loaded.errors), "unit": "errors",
                 "baseline_name": "errors of one session alone", "baseline_value": len(alone.errors), "ratio": None,
                 "target": "0", "peak_memory_mb": None, "notes": "; ".join(loaded.errors[:3]) or "none"})
    return rows


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
