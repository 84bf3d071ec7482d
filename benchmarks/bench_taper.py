"""Taper-plan benchmark: a hyperbolic taper for every SERT drug (docs/science.md §15).

Fast path: :func:`hyperbolic_taper` evaluates the steady-state SERT occupancy for a 2,001-dose grid at once (numpy over
doses x interval times) and inverts it by log-dose interpolation. Baseline: the obvious way, a root finder (brentq) per
step on the scalar steady-state summary (``steady_state_summary(...).steady_state_occupancy_percent``), one dose at a
time. Target: a plan in under 50 ms, so the simulation page redraws without waiting.
"""

from __future__ import annotations

import time

from scipy.optimize import brentq

from novamind_core.pharmacology import load_catalogue
from novamind_core.pharmacology.summary import steady_state_summary
from novamind_core.pharmacology.taper import hyperbolic_taper, sert_drugs

FROM_MG = {"sertraline": 100, "escitalopram": 20, "citalopram": 20, "fluoxetine": 20, "paroxetine": 20,
           "venlafaxine": 150, "desvenlafaxine": 50, "duloxetine": 60, "vortioxetine": 10}


def _slow_plan(drug: str, from_mg: float, points: float = 10.0) -> list[float]:
    cat = load_catalogue()

    def occ(mg: float) -> float:
        return steady_state_summary(drug, mg, 24.0, catalogue=cat).steady_state_occupancy_percent["SERT"]

    start = occ(from_mg)
    n = int(-(-round(start / points, 6) // 1))
    step = start / n
    return [brentq(lambda mg, t=start - k * step: occ(mg) - t, 1e-5, from_mg, xtol=1e-6) for k in range(1, n)]


def run(quick: bool = False) -> list[dict]:
    drugs = sert_drugs()
    for drug in drugs:  # warm-up (imports, catalogue, scipy)
        hyperbolic_taper(drug, FROM_MG.get(drug, 50))
    repeats = 3 if quick else 10
    t0 = time.perf_counter()
    for _ in range(repeats):
        for drug in drugs:
            hyperbolic_taper(drug, FROM_MG.get(drug, 50))
    fast_s = (time.perf_counter() - t0) / (repeats * len(drugs))
    t0 = time.perf_counter()
    _slow_plan("sertraline", 100.0)
    slow_s = time.perf_counter() - t0
    return [
        {"name": "taper plan (hyperbolic, equal SERT-occupancy steps), per drug", "value": fast_s, "unit": "s",
         "baseline_name": "brentq per step on the scalar steady-state summary (sertraline 100 mg)",
         "baseline_value": slow_s, "ratio": fast_s / slow_s, "target": "< 0.05 s", "peak_memory_mb": None,
         "notes": f"mean over {len(drugs)} SERT drugs x {repeats} repeats after a warm-up; 10-point steps"},
    ]


if __name__ == "__main__":
    for row in run(quick=False):
        print(row)
