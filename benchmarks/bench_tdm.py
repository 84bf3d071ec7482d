"""Bayesian TDM benchmark: one patient's MAP + Laplace forecast from three measured escitalopram levels.

Fast path: ``tdm_patient.patient_forecast`` (covariates, phenotype and reference range composed; MAP by BFGS with
batched finite-difference gradients; Laplace covariance from one batched stencil; 4,000 posterior and 4,000 prior
trough draws in one vectorised call). Baseline, measured in the same run: the obviously-correct brute-force posterior
the tests use, a 121 x 121 grid over (eta_CL, eta_V) evaluated point by point with the textbook one-compartment
function in plain Python. Target: under 0.2 s for one patient.
"""

from __future__ import annotations

import math
import time

from novamind_core.pharmacology import load_catalogue
from novamind_core.pharmacology.covariates import Covariates
from novamind_core.pharmacology.tdm_bayes import MeasuredLevel
from novamind_core.pharmacology.tdm_patient import patient_forecast

LEVELS = (MeasuredLevel(166.0, 22.0), MeasuredLevel(172.0, 30.0), MeasuredLevel(190.0, 25.0))
COVARIATES = Covariates(age_years=72, weight_kg=55, sex="female", smoker=True)


def _grid_posterior(n: int) -> float:
    pk = load_catalogue().get("escitalopram").pk
    w_cl = math.sqrt(math.log1p((pk.cl_cv_percent / 100) ** 2))
    w_v = math.sqrt(math.log1p((pk.v_cv_percent / 100) ** 2))
    best = math.inf
    for a in range(n):
        ec = -4 * w_cl + 8 * w_cl * a / (n - 1)
        for b in range(n):
            ev = -4 * w_v + 8 * w_v * b / (n - 1)
            cl, v = pk.cl_f_l_per_h * math.exp(ec), pk.v_f_l * math.exp(ev)
            k, ka = cl / v, pk.ka_per_h
            s = (ec / w_cl) ** 2 + (ev / w_v) ** 2
            for lv in LEVELS:
                f, j = 0.0, 0
                while j * 24.0 <= lv.time_h:
                    u = lv.time_h - j * 24.0
                    f += 10.0 * ka / (v * (ka - k)) * (math.exp(-k * u) - math.exp(-ka * u)) * 1000.0
                    j += 1
                var = 1.0 + (0.2 * f) ** 2
                s += (lv.concentration_ng_ml - f) ** 2 / var + math.log(var)
            best = min(best, s)
    return best


def run(quick: bool = False) -> list[dict]:
    patient_forecast("escitalopram", 10, 24, LEVELS, covariates=COVARIATES, cyp2c19="IM")  # warm-up (imports)
    repeats = 3 if quick else 10
    t0 = time.perf_counter()
    for _ in range(repeats):
        result = patient_forecast("escitalopram", 10, 24, LEVELS, covariates=COVARIATES, cyp2c19="IM")
    fast_s = (time.perf_counter() - t0) / repeats
    assert result.forecast.converged
    n = 61 if quick else 121
    t0 = time.perf_counter()
    _grid_posterior(n)
    grid_s = time.perf_counter() - t0
    return [
        {"name": "tdm fit of one patient (3 levels, MAP + Laplace + trough forecast)", "value": fast_s, "unit": "s",
         "baseline_name": f"brute-force grid posterior {n}x{n} (plain Python)", "baseline_value": grid_s,
         "ratio": fast_s / grid_s, "target": "< 0.2 s", "peak_memory_mb": None,
         "notes": "escitalopram 10 mg/day, CYP2C19 IM, 72 y, 55 kg; mean of "
                  f"{repeats} fits after a warm-up"},
    ]


if __name__ == "__main__":
    for row in run(quick=False):
        print(row)
