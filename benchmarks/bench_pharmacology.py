"""Pharmacology benchmark: 10,000 virtual patients x 26 weeks at hourly resolution, one drug with an active metabolite.

Fast path: ``simulate_pk`` (analytic superposition of exponential modes: each mode's dose sum carried from dose event to
dose event, then spread over the times up to the next dose; O(patients x times x modes), float32 output, patients in
chunks). It returns three (patients x times) arrays (parent, metabolite, active moiety; ~0.5 GB in float32), and the
occupancy run two more (SERT, NET); a good part of the wall time is the kernel faulting in that fresh memory.
Baseline: the scipy ``solve_ivp`` reference (the tests' ODE, integrated dose by dose) run per patient on a small
sample and extrapolated per patient. Target: under 2 s for the batch, at least 100x faster per patient.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
from scipy.integrate import solve_ivp

from novamind_core.pharmacology import load_catalogue, simulate_pk
from novamind_core.pharmacology.pk import patient_parameters

DRUG = "venlafaxine"  # parent + O-desmethylvenlafaxine, 150 mg/day
DOSE_MG = 150.0
WEEKS = 26


def _ode_patient(pp, i, dose_times, times):
    """solve_ivp reference for patient ``i`` (same equations as the tests' reference)."""
    ka, k10 = pp.ka_per_h[i], pp.cl_f_l_per_h[i] / pp.v_f_l[i]
    fm, km = pp.fm[i, 0], pp.km_per_h[i, 0]

    def rhs(_t, y):
        return [-ka * y[0], ka * y[0] - k10 * y[1], fm * k10 * y[1] - km * y[2]]

    y = np.zeros(3)
    out = np.empty((3, times.size))
    edges = list(dose_times) + [times[-1] + 1.0]
    for j, t_dose in enumerate(dose_times):
        y = y.copy()
        y[0] += DOSE_MG
        t_next = edges[j + 1]
        mask = (times >= t_dose) & (times < t_next)
        sol = solve_ivp(rhs, (t_dose, t_next), y, rtol=1e-8, atol=1e-10, dense_output=True)
        out[:, mask] = sol.sol(times[mask])
        y = sol.y[:, -1]
    return out


def run(quick: bool = False) -> list[dict]:
    cat = load_catalogue()
    n_patients = 1000 if quick else 10_000
    days = WEEKS * 7
    times = np.arange(0.0, days * 24.0)  # hourly
    scenario = {"name": "bench", "steps": [{"drug": DRUG, "dose_mg": DOSE_MG, "days": days, "interval_h": 24}]}
    simulate_pk(scenario, times[:48], n_patients=8, catalogue=cat)  # warm-up (imports, caches)

    tracemalloc.start()
    t0 = time.perf_counter()
    result = simulate_pk(scenario, times, n_patients=n_patients, seed=0, catalogue=cat, dtype=np.float32,
                         compute_occupancy=False)
    fast_s = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.concentration_ng_ml[DRUG].shape == (n_patients, times.size)

    t0 = time.perf_counter()
    simulate_pk(scenario, times, n_patients=n_patients, seed=0, catalogue=cat, dtype=np.float32)
    with_occupancy_s = time.perf_counter() - t0

    sample = 1 if quick else 3
    pp = patient_parameters(cat.get(DRUG), sample, bsv=True, rng=np.random.default_rng(0))
    dose_times = np.arange(0.0, days * 24.0, 24.0)
    t0 = time.perf_counter()
    for i in range(sample):
        _ode_patient(pp, i, dose_times, times)
    ode_per_patient_s = (time.perf_counter() - t0) / sample
    fast_per_patient_s = fast_s / n_patients
    speedup = ode_per_patient_s / fast_per_patient_s
    label = f"{n_patients:,} patients x {WEEKS} weeks hourly, {DRUG} + ODV"
    return [
        {"name": f"pk batch ({label})", "value": fast_s, "unit": "s",
         "baseline_name": f"solve_ivp per patient x {n_patients:,} (extrapolated from {sample})",
         "baseline_value": ode_per_patient_s * n_patients, "ratio": fast_s / (ode_per_patient_s * n_patients),
         "target": "< 2 s for 10,000 patients", "peak_memory_mb": peak / 2**20,
         "notes": f"float32 output, concentrations only (parent, ODV, active moiety); {times.size} time points"},
        {"name": "pk per-patient speed-up vs solve_ivp (higher is better)", "value": speedup, "unit": "x",
         "baseline_name": "solve_ivp per patient (s)", "baseline_value": ode_per_patient_s, "ratio": speedup,
         "target": ">= 100x", "peak_memory_mb": None, "notes": f"fast path {fast_per_patient_s * 1e6:.1f} us/patient"},
        {"name": f"pk batch with occupancy ({label})", "value": with_occupancy_s, "unit": "s",
         "baseline_name": "pk batch without occupancy", "baseline_value": fast_s, "ratio": with_occupancy_s / fast_s,
         "target": None, "peak_memory_mb": None, "notes": "adds SERT and NET occupancy arrays"},
    ]


if __name__ == "__main__":
    for row in run(quick=False):
        print(row)
