"""Twin benchmarks: scenario Monte Carlo, cohort simulation, per-patient update.

``run(quick=False) -> list[dict]`` with the house keys. Baselines are measured in the same run:
* scenario: 1,000 draws over 26 weeks vs the same scenario with 10 draws (ratio = per-draw cost scaling);
* cohort: 10,000 patients over 12 weeks vs a per-patient Python loop over a sample (speed-up, extrapolated);
* patient update: 2 years of weekly PHQ-9 vs 8 weeks of history.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np


def _timed(fn, repeat: int = 1):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _peak_mb(fn) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def run(quick: bool = False) -> list[dict]:
    from novamind_core.twin import run_scenario, simulate_cohort
    from novamind_core.twin.cohort import unit_signal_library
    from novamind_core.twin.params import load_population_params
    from novamind_core.twin.patient_fit import fit_patient
    from novamind_core.twin.symptoms import improvement_fraction, observe, sample_patients

    params = load_population_params()
    results = []
    scenario = {"name": "bench", "steps": [{"drug": "sertraline", "dose_mg": 50, "days": 14},
                                           {"drug": "sertraline", "dose_mg": 100, "days": 180}],
                "adherence": 0.9, "horizon_weeks": 26}
    run_scenario(scenario, draws=10, params=params)  # warm imports and catalogue
    t_big, _ = _timed(lambda: run_scenario(scenario, draws=1000, seed=0, params=params), repeat=3)
    t_small, _ = _timed(lambda: run_scenario(scenario, draws=10, seed=0, params=params), repeat=3)
    results.append({"name": "scenario 1000 draws x 26 weeks (ratio = time / time with 10 draws)",
                    "value": round(t_big, 4), "unit": "s", "baseline_name": "same scenario, 10 draws",
                    "baseline_value": round(t_small, 4), "ratio": round(t_big / t_small, 2), "target": "< 1 s",
                    "peak_memory_mb": round(_peak_mb(lambda: run_scenario(scenario, draws=1000, params=params)), 1),
                    "notes": "includes the PK engine for 100 PK patients (3-h grid) and dynamics"})

    n = 2_000 if quick else 10_000
    unit_signal_library.cache_clear()
    t_lib, _ = _timed(lambda: unit_signal_library("sertraline", None, 85))  # PK library, once per drug (cached)
    t_cohort, _ = _timed(lambda: simulate_cohort("sertraline", n=n, weeks=12, seed=0, params=params))
    lib = unit_signal_library("sertraline", None, 85)[:, 84] * params.efficacy("sertraline")
    n_loop = 200

    def per_patient_loop():
        rng = np.random.default_rng(0)
        for _ in range(n_loop):
            p = sample_patients(1, params, rng)
            f = lib[rng.integers(0, lib.size, 1)][:, None]
            imp = improvement_fraction(np.array([84.0]), f, p.z, params)
            observe(p.baseline_phq9[:, None] * (1 - imp), params["phq9_observation_sd"], 27, rng)

    t_loop, _ = _timed(per_patient_loop)
    loop_per_n = t_loop / n_loop * n
    results.append({"name": f"cohort {n} patients x 12 weeks (ratio = speed-up vs per-patient loop)",
                    "value": round(t_cohort, 4), "unit": "s", "baseline_name": f"per-patient loop ({n_loop}, "
                                                                               "extrapolated)",
                    "baseline_value": round(loop_per_n, 4), "ratio": round(loop_per_n / t_cohort, 1),
                    "target": "report time and memory",
                    "peak_memory_mb": round(_peak_mb(lambda: simulate_cohort("sertraline", n=n, weeks=12,
                                                                             params=params)), 1),
                    "notes": f"plus {t_lib:.3f} s once per drug/dose to build its PK library (200 PK patients, "
                             "cached); chunks of 50,000 patients bound memory"})

    weeks = 104
    history = {"phq9": [[7 * w, float(max(3, 19 - 0.4 * w))] for w in range(weeks + 1)],
               "medications": [{"drug": "sertraline", "dose_mg": 100, "days": 7 * weeks}]}
    short = {"phq9": history["phq9"][:9], "medications": [{"drug": "sertraline", "dose_mg": 100, "days": 56}]}
    t_long, post = _timed(lambda: fit_patient(history, params), repeat=2)
    t_short, _ = _timed(lambda: fit_patient(short, params), repeat=2)
    results.append({"name": "patient update, 2 years weekly PHQ-9 (ratio = time / 8 weeks of history)",
                    "value": round(t_long, 4), "unit": "s", "baseline_name": "8 weeks of history",
                    "baseline_value": round(t_short, 4), "ratio": round(t_long / t_short, 2),
                    "target": "report time", "peak_memory_mb": round(_peak_mb(lambda: fit_patient(history,
                                                                                                 params)), 1),
                    "notes": f"MAP + Laplace, {post.n_observations} observations"})
    return results


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=1))
