"""Twin pages, server side: time from "Run" to results (the service call the page makes) for one scenario with the
default draws and for a 4-scenario comparison, and the server process's memory after 20 runs.

Run: ``python -m benchmarks.run`` (all) or ``python -c "from benchmarks.bench_twin_pages import run; print(run())"``.
Baselines are measured in the same run: the pure twin call without the service (what the service adds: permission,
chart reads, mapping, audit), and the process's resident memory before the 20 runs (growth would mean results are
cached across calls). Pages keep results in ``st.session_state`` only, never in a process-wide cache.
"""

from __future__ import annotations

import gc
import importlib.util
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLAN = {"name": "Sertraline 100", "steps": [{"drug": "sertraline", "dose_mg": 100, "days": 84}], "horizon_weeks": 12}
PLANS = [PLAN, {**PLAN, "name": "Escitalopram 20", "steps": [{"drug": "escitalopram", "dose_mg": 20, "days": 84}]},
         {**PLAN, "name": "Vortioxetine 10", "steps": [{"drug": "vortioxetine", "dose_mg": 10, "days": 84}],
          "switch_strategy": "cross-taper"}, {**PLAN, "name": "Low adherence", "adherence": 0.6}]


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def _best(fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def run(quick: bool = False) -> list[dict]:
    spec = importlib.util.spec_from_file_location("nm_ui_cohort", ROOT / "tests" / "app" / "ui_cohort.py")
    ui = importlib.util.module_from_spec(spec)
    sys.modules["nm_ui_cohort"] = ui
    spec.loader.exec_module(ui)  # type: ignore[union-attr]
    saved = dict(os.environ)
    try:
        services = ui.build_services_from_environment(ui.environment_for(Path(tempfile.mkdtemp(prefix="nm-bench-"))))
        cohort = ui.seed_cohort(services)
        user = services.users.get_by_username(ui.CLINICIAN)
        pid = cohort.responder_id
        from novamind_core.twin import run_scenario

        history = services.twin.patient_history(user, "NM-100001")
        repeats = 2 if quick else 5
        services.twin.run_scenarios(user, pid, [PLAN])  # warm caches (catalogue, parameters, projections)
        one = _best(lambda: services.twin.run_scenarios(user, pid, [PLAN], draws=1000), repeats)
        pure = _best(lambda: run_scenario(PLAN, history, draws=1000), repeats)
        four = _best(lambda: services.twin.run_scenarios(user, pid, PLANS, draws=1000), max(1, repeats // 2))
        pure4 = _best(lambda: [run_scenario(p, history, draws=1000) for p in PLANS], max(1, repeats // 2))
        gc.collect()
        before = _rss_mb()
        n_runs = 20
        for i in range(n_runs):
            services.twin.run_scenarios(user, pid, [PLAN, PLANS[1]], draws=1000, seed=i)
        gc.collect()
        after = _rss_mb()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        services.close()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    note = ("server side: services.twin.run_scenarios (permission, chart reads, history fit, audit) on the seeded "
            "responder")
    return [
        {"name": "twin_pages.run_one_scenario_1000_draws_s (ratio = service / pure twin)", "value": round(one, 3),
         "unit": "s", "baseline_name": "twin.run_scenario alone", "baseline_value": round(pure, 3),
         "ratio": round(one / pure, 2), "target": "< 1 s (interactive)", "peak_memory_mb": round(peak, 1),
         "notes": note},
        {"name": "twin_pages.compare_four_scenarios_1000_draws_s (ratio = service / pure twin)",
         "value": round(four, 3), "unit": "s", "baseline_name": "4 x twin.run_scenario alone",
         "baseline_value": round(pure4, 3),
         "ratio": round(four / pure4, 2), "target": "< 2 s", "peak_memory_mb": round(peak, 1), "notes": note},
        {"name": "twin_pages.rss_after_20_runs_mb (ratio = after / before)", "value": round(after, 1), "unit": "MB",
         "baseline_name": "resident memory before the 20 runs", "baseline_value": round(before, 1),
         "ratio": round(after / before, 3), "target": "growth < 5% (no cached results)",
         "peak_memory_mb": round(peak, 1),
         "notes": f"{n_runs} two-scenario runs with different seeds; results are returned, never cached in-process"},
    ]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
