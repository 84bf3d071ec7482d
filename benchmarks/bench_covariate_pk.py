"""Covariate PK benchmark: 10,000 virtual patients x 26 weeks hourly, escitalopram 10 mg/day, each patient with their
own age and weight (the covariates of its published population-PK model act on CL/F and V/F).

Fast path: ``covariates.covariate_multipliers`` (vectorised over patients) scales each patient's CL/F and V/F drawn by
``pk.patient_parameters`` (log-normal BSV), then the wave-1 batch (``unit_dose_modes`` + ``superpose``, patients in
chunks, float32 output). Baseline, measured in the same run: the same batch without covariates (the wave-1
``simulate_drug`` path). Target: no regression beyond noise (ratio about 1).
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from novamind_core.pharmacology import load_catalogue
from novamind_core.pharmacology.covariates import covariate_multipliers
from novamind_core.pharmacology.pk import (
    _slice_params,
    effective_amounts,
    empty_output,
    patient_parameters,
    simulate_drug,
    superpose,
    unit_dose_modes,
)

DRUG = "escitalopram"
DOSE_MG = 10.0
WEEKS = 26
CHUNK = 1024


def covariate_batch(drug, ages: np.ndarray, weights: np.ndarray, dose_times: np.ndarray, times: np.ndarray,
                    rng: np.random.Generator) -> np.ndarray:
    """Parent concentrations (P, T), float32, with each patient's covariate multipliers on CL/F and V/F."""
    n = ages.size
    cl_mult, v_mult = covariate_multipliers(drug, age_years=ages, weight_kg=weights)
    pp_all = patient_parameters(drug, n, bsv=True, rng=rng)
    pp_all = replace(pp_all, cl_f_l_per_h=pp_all.cl_f_l_per_h * cl_mult, v_f_l=pp_all.v_f_l * v_mult)
    out = empty_output((n, times.size), dtype=np.float32)
    amounts = np.broadcast_to(np.full((1, dose_times.size), DOSE_MG), (n, dose_times.size))
    for start in range(0, n, CHUNK):
        sl = slice(start, min(start + CHUNK, n))
        pp = _slice_params(pp_all, sl)
        modes = unit_dose_modes(pp)
        superpose(modes.rates_per_h, [modes.parent], dose_times, effective_amounts(pp, amounts[sl]), times,
                  np.float32, outs=[out[sl]])
    return out


def run(quick: bool = False) -> list[dict]:
    drug = load_catalogue().get(DRUG)
    n = 1000 if quick else 10_000
    times = np.arange(0.0, WEEKS * 7 * 24.0)
    dose_times = np.arange(0.0, WEEKS * 7 * 24.0, 24.0)
    rng = np.random.default_rng(0)
    ages = rng.uniform(18, 90, n)
    weights = rng.uniform(45, 120, n)
    covariate_batch(drug, ages[:8], weights[:8], dose_times, times[:48], np.random.default_rng(1))  # warm-up
    repeats = 1 if quick else 3
    base_s, cov_s = [], []
    for r in range(repeats):  # interleaved, best of each: the two arms see the same machine state
        t0 = time.perf_counter()
        simulate_drug(drug, dose_times, np.full(dose_times.size, DOSE_MG), times, n, bsv=True,
                      rng=np.random.default_rng(r), dtype=np.float32)
        base_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        conc = covariate_batch(drug, ages, weights, dose_times, times, np.random.default_rng(r))
        cov_s.append(time.perf_counter() - t0)
    assert conc.shape == (n, times.size) and np.isfinite(conc[:, -1]).all()
    t0 = time.perf_counter()
    covariate_multipliers(drug, age_years=ages, weight_kg=weights)
    mult_s = time.perf_counter() - t0
    fast, base = min(cov_s), min(base_s)
    return [
        {"name": f"covariate pk batch ({n:,} patients x {WEEKS} weeks hourly, {DRUG}, age + weight)", "value": fast,
         "unit": "s", "baseline_name": "wave-1 pk batch without covariates (same run)", "baseline_value": base,
         "ratio": fast / base, "target": "no regression beyond noise (ratio ~1)", "peak_memory_mb": None,
         "notes": f"best of {repeats}, interleaved; covariate_multipliers alone {mult_s * 1e3:.2f} ms for "
                  f"{n:,} patients; float32 output"},
    ]


if __name__ == "__main__":
    for row in run(quick=False):
        print(row)
