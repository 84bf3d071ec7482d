"""Clinic outcome report benchmarks: the full report (Talking Therapies, by clinician, funnel with case mix) over
10,000 closed episodes, built from in-memory episode inputs (the repository's output; no database).

``run(quick)`` returns one dict per figure (keys in the benchmark convention). Baselines run in the same call:

- Report: the same report without case-mix adjustment (raw rates only; ratio = cost of the adjustment), with a
  warm expectation cache (the app's steady state) and a cold one (first report after a restart).
- Case-mix expectation: per-episode Monte Carlo (each episode simulates its own 600 virtual patients, the obvious
  way to write it; PK libraries cached in both) on a sample, scaled to 10,000 episodes, against the cached
  per-cell tables of :mod:`novamind_core.twin.case_mix` (outcome tables rebuilt, PK libraries built beforehand).
  Target: the report in < 2 s warm, < 10 s cold (one core; most of the warm time is building the episodes).
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from datetime import date, timedelta

import numpy as np

from novamind_core.analytics.clinic_report import build_outcome_report
from novamind_core.domain.instruments import Instrument
from novamind_core.domain.outcome_records import DrugPeriod, MeasuredScore, PatientOutcomeInputs
from novamind_core.twin import case_mix

START, END = date(2025, 1, 1), date(2025, 12, 31)
DRUGS = ("sertraline", "escitalopram", "citalopram", "fluoxetine", "mirtazapine", "venlafaxine", None)
PHENOTYPES = ("normal", "normal", "normal", "intermediate", "poor", "ultrarapid", None)


def synthetic_inputs(n_episodes: int, seed: int = 0) -> list[PatientOutcomeInputs]:
    """One closed course per patient (PHQ-9 and GAD-7 every 2 weeks for 6-20 weeks, then discharge) in 2025."""
    rng = np.random.default_rng(seed)
    out = []
    for pid in range(1, n_episodes + 1):
        first = START + timedelta(days=int(rng.integers(0, 200)))
        weeks = int(rng.integers(6, 21))
        phq0, gad0 = int(rng.integers(8, 27)), int(rng.integers(4, 21))
        phq1, gad1 = int(rng.integers(0, phq0 + 3)) % 28, int(rng.integers(0, gad0 + 3)) % 22
        scores = []
        for w in range(0, weeks + 1, 2):
            f = w / weeks
            on = first + timedelta(weeks=w)
            scores += [MeasuredScore(Instrument.PHQ9, on, round(phq0 + (phq1 - phq0) * f)),
                       MeasuredScore(Instrument.GAD7, on, round(gad0 + (gad1 - gad0) * f),
                                     "patient_remote" if w % 4 else "clinician")]
        drug = DRUGS[int(rng.integers(len(DRUGS)))]
        out.append(PatientOutcomeInputs(
            patient_id=pid, registered_on=first, discharged_on=first + timedelta(weeks=weeks, days=7),
            clinician_id=int(rng.integers(1, 13)), primary_diagnosis=("F32.1", "F33.1", "F41.1")[pid % 3],
            cyp2d6=PHENOTYPES[int(rng.integers(len(PHENOTYPES)))],
            cyp2c19=PHENOTYPES[int(rng.integers(len(PHENOTYPES)))],
            drugs=(DrugPeriod(drug, first),) if drug else (), scores=tuple(scores)))
    return out


def _report(inputs: list[PatientOutcomeInputs], expected) -> object:  # type: ignore[no-untyped-def]
    clinicians = {i: f"Clinician {i}" for i in range(1, 13)}
    return build_outcome_report(inputs, clinicians, standard="talking_therapies", start=START, end=END,
                                by="clinician", period="month", expected=expected)


def _timed(fn) -> float:  # type: ignore[no-untyped-def]
    gc.collect()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _per_episode_expectation(phq0: int, gad0: int, drug: str | None, d6: str | None, c19: str | None,
                             days: float) -> float:
    """The obvious baseline: simulate 600 virtual patients for this one episode (PK library cached)."""
    params = case_mix.load_population_params()
    rng = np.random.default_rng(0)
    m = case_mix.VIRTUAL_PATIENTS_PER_CELL
    day = 7 * case_mix.horizon_weeks(days)
    modelled = case_mix._known_drug(drug)
    if modelled is None:
        f = np.zeros((m, 1))
    else:
        d6_code, c19_code = case_mix.relevant_phenotypes(modelled, case_mix.phenotype_code(d6),
                                                         case_mix.phenotype_code(c19))
        sig = case_mix._signal(modelled, d6_code, c19_code, case_mix.LIBRARY_DAYS)
        f = (sig[rng.integers(0, sig.shape[0], m), day] * params.efficacy(modelled))[:, None]
    imp = case_mix.improvement_fraction(np.array([float(day)]), f, rng.standard_normal((m, 3)), params,
                                        psychotherapy=modelled is None)[:, 0]
    phq1 = np.rint(np.clip(phq0 * (1 - imp) + rng.normal(0, params["phq9_observation_sd"], m), 0, 27))
    gad1 = np.rint(np.clip(gad0 * (1 - params["gad7_improvement_ratio"] * imp)
                           + rng.normal(0, params["gad7_observation_sd"], m), 0, 21))
    flags = case_mix.outcome_flags(np.full(m, float(phq0)), phq1, np.full(m, float(gad0)), gad1)
    return float(flags["reliable_recovery"].mean())


def run(quick: bool = False) -> list[dict]:
    n = 2_000 if quick else 10_000
    inputs = synthetic_inputs(n)
    case_mix.outcome_table.cache_clear()
    case_mix._signal.cache_clear()
    cold = _timed(lambda: _report(inputs, case_mix.expected_probabilities))
    warm = _timed(lambda: _report(inputs, case_mix.expected_probabilities))
    raw = _timed(lambda: _report(inputs, None))
    tracemalloc.start()
    _report(inputs, case_mix.expected_probabilities)
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    # case-mix expectation alone: cached tables vs per-episode simulation on a sample
    rng = np.random.default_rng(1)
    args = ([int(x) for x in rng.integers(10, 27, n)], [int(x) for x in rng.integers(4, 21, n)],
            [DRUGS[i] for i in rng.integers(0, len(DRUGS), n)], [PHENOTYPES[i] for i in rng.integers(0, 7, n)],
            [PHENOTYPES[i] for i in rng.integers(0, 7, n)], [float(x) for x in rng.integers(42, 150, n)])
    case_mix.expected_probabilities("reliable_recovery", *args)  # PK libraries built once, outside both timings
    case_mix.outcome_table.cache_clear()
    tables = _timed(lambda: case_mix.expected_probabilities("reliable_recovery", *args))
    sample = 200
    per_episode = _timed(lambda: [_per_episode_expectation(*(a[i] for a in args)) for i in range(sample)]) * n / sample
    return [
        {"name": f"outcome report, {n:,} episodes, warm case-mix cache (ratio = report / raw-rates report)",
         "value": round(warm, 3), "unit": "s", "baseline_name": "same report without case-mix adjustment",
         "baseline_value": round(raw, 3), "ratio": round(warm / raw, 2), "target": "< 2 s",
         "peak_memory_mb": round(peak, 1), "notes": "Talking Therapies, by clinician (12), monthly, funnel + O/E"},
        {"name": f"outcome report, {n:,} episodes, cold case-mix cache (ratio = cold / warm)",
         "value": round(cold, 3), "unit": "s", "baseline_name": "same report, warm cache",
         "baseline_value": round(warm, 3), "ratio": round(cold / warm, 1), "target": "< 10 s",
         "peak_memory_mb": None, "notes": "first report after a restart: PK libraries and outcome tables built"},
        {"name": f"case-mix expectation, {n:,} episodes, cold (speed-up = per-episode simulation / cached tables)",
         "value": round(tables, 3), "unit": "s",
         "baseline_name": f"per-episode Monte Carlo (sample of {sample}, scaled)",
         "baseline_value": round(per_episode, 3), "ratio": round(per_episode / tables, 1), "target": "> 5x",
         "peak_memory_mb": None,
         "notes": "600 virtual patients per cell or episode; PK libraries built before both timings"},
    ]


if __name__ == "__main__":  # pragma: no cover
    for row in run(quick=True):
        print(row)
