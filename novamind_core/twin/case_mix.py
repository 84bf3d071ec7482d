"""Case-mix expectation for clinic outcomes: the probability of each outcome for an episode, from the twin's
population model, given the patient's baseline severity, drug and pharmacogenomics.

This is what the case-mix-adjusted funnel plot divides by (observed / expected; ``docs/science.md`` §12,
``docs/outcomes.md``). For each cell (drug, CYP2D6, CYP2C19, horizon) the module simulates
:data:`VIRTUAL_PATIENTS_PER_CELL` virtual patients, and reads them at every baseline band (each whole PHQ-9 and
GAD-7 total), with the calibrated population parameters
(:mod:`novamind_core.twin.params`, fitted to Cipriani 2018, Furukawa 2016 and STAR*D in docs/calibration.md):

* latents z ~ N(0, I), shared by every baseline of the cell (the improvement fraction does not depend on it);
* the drug's lagged therapeutic signal from the pharmacology engine for that phenotype pair, titrated from the
  catalogue's start dose to its usual minimum therapeutic dose (:func:`novamind_core.twin.cohort.titrated_steps`),
  scaled by the drug's fitted efficacy, on a library of PK patients; full adherence;
* no drug on record: psychological therapy alone (the model's psychotherapy term, no drug signal); a drug the
  catalogue does not know: sertraline's exposure profile at the mean fitted efficacy;
* improvement at the horizon (:func:`novamind_core.twin.symptoms.improvement_fraction`), expected PHQ-9 and GAD-7,
  observed with the model's measurement error and rounded to whole points;
* the outcome rules of :mod:`novamind_core.domain.outcomes` applied to the simulated scores, vectorised.

Cells are cached (``functools.lru_cache``), one table of probabilities over baselines per cell: a clinic's
episodes fall into a few hundred cells, so 10,000 episodes cost a few hundred small simulations once per process
and a table look-up afterwards; a cell's seed is derived from its key, so the expectation is
the same in every run and process. Assumptions: the model is calibrated for trial-like patients (moderate-or-worse
depression); what it does not see (comorbidity, social circumstances, engagement, dose) is taken as spread evenly.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from novamind_core.twin.params import load_population_params
from novamind_core.twin.symptoms import GAD7_MAX as _GAD7_MAX
from novamind_core.twin.symptoms import PHQ9_MAX as _PHQ9_MAX
from novamind_core.twin.symptoms import improvement_fraction

PHQ9_MAX, GAD7_MAX = int(_PHQ9_MAX), int(_GAD7_MAX)
VIRTUAL_PATIENTS_PER_CELL = 600
"""Virtual patients simulated per cell: the expectation's Monte Carlo SD is at most 0.5/sqrt(600) = 0.02."""
HORIZON_STEP_WEEKS = 4
MAX_HORIZON_WEEKS = 60
"""Horizons are rounded to 4-week steps from 4 to 60 weeks (12 months plus the 60-day window)."""
N_PK = 100
LIBRARY_DAYS = 7 * MAX_HORIZON_WEEKS + 1
"""One PK library per (drug, phenotype pair) covers every horizon."""
REFERENCE_DRUG = "sertraline"
OUTCOMES = ("remission", "response", "recovery", "reliable_improvement", "reliable_deterioration",
            "reliable_recovery")
_PHENOTYPE_CODES = {"poor": "PM", "intermediate": "IM", "normal": "NM", "rapid": "RM", "ultrarapid": "UM"}
# Talking Therapies thresholds (domain.outcomes.TALKING_THERAPIES_THRESHOLDS), repeated as arrays for speed;
# tests/unit/twin/test_case_mix.py checks they agree.
_PHQ_CASE, _GAD_CASE, _PHQ_RELIABLE, _GAD_RELIABLE, _REMISSION_MAX = 10, 8, 6, 4, 4


def phenotype_code(value: str | None) -> str:
    """CPIC phenotype word or code -> the pharmacology engine's code (None or unknown -> "NM")."""
    text = (value or "normal").strip().lower()
    return _PHENOTYPE_CODES.get(text, text.upper() if text.upper() in _PHENOTYPE_CODES.values() else "NM")


def horizon_weeks(days: float) -> int:
    """Days from baseline to the outcome score -> the cached horizon (4-week steps, 4 to 60 weeks)."""
    weeks = int(round(max(float(days), 0.0) / 7.0 / HORIZON_STEP_WEEKS)) * HORIZON_STEP_WEEKS
    return int(min(max(weeks, HORIZON_STEP_WEEKS), MAX_HORIZON_WEEKS))


def _known_drug(drug: str | None) -> str | None:
    if not drug or drug in ("none", "placebo"):
        return None
    from novamind_core.pharmacology import load_catalogue

    name = drug.strip().lower()
    return name if name in load_catalogue().drugs else REFERENCE_DRUG


@lru_cache(maxsize=256)
def relevant_phenotypes(drug: str | None, cyp2d6: str, cyp2c19: str) -> tuple[str, str]:
    """Keep only the phenotype of the enzyme the drug's exposure depends on (the catalogue's PGx enzyme); the
    other becomes "NM" (and both without a drug), so cells that cannot differ share one cache entry."""
    modelled = _known_drug(drug)
    if modelled is None:
        return "NM", "NM"
    from novamind_core.pharmacology import load_catalogue

    pgx = load_catalogue().get(modelled).pgx
    enzyme = pgx.enzyme.upper() if pgx is not None else ""
    return (cyp2d6 if enzyme == "CYP2D6" else "NM"), (cyp2c19 if enzyme == "CYP2C19" else "NM")


@lru_cache(maxsize=256)
def _signal(drug: str, cyp2d6: str, cyp2c19: str, n_days: int) -> np.ndarray:
    """Lagged therapeutic signal with efficacy 1, (n_pk, n_days), for ``drug`` in this phenotype pair."""
    from novamind_core.twin.cohort import titrated_steps
    from novamind_core.twin.dynamics import simulate_dynamics
    from novamind_core.twin.exposure import exposure_from_scenario

    params = load_population_params()
    steps, _ = titrated_steps(drug, None, n_days)
    if not steps:
        return np.zeros((1, n_days))
    exp = exposure_from_scenario({"name": drug, "steps": steps, "cyp2d6": cyp2d6, "cyp2c19": cyp2c19}, n_days,
                                 params, n_pk=N_PK, seed=zlib.crc32(f"{drug}|{cyp2d6}|{cyp2c19}".encode()))
    out = simulate_dynamics(exp.occupancy_fraction, 1.0, params, efficacy_scale=1.0).therapeutic_signal
    out.setflags(write=False)
    return out


@lru_cache(maxsize=1024)
def outcome_table(drug: str | None, cyp2d6: str, cyp2c19: str, weeks: int) -> np.ndarray:
    """Expected probability of every outcome for every baseline: shape (len(OUTCOMES), 28, 22), indexed
    ``[outcome, baseline PHQ-9, baseline GAD-7]``, for one (drug, CYP2D6, CYP2C19, horizon) cell.

    The improvement fraction does not depend on the baseline, so one set of :data:`VIRTUAL_PATIENTS_PER_CELL`
    virtual patients (latents, PK patient, measurement error) serves every baseline of the cell (common random
    numbers): the table costs one vectorised pass of 28 x 22 x N.
    """
    params = load_population_params()
    key = (drug or "none", cyp2d6, cyp2c19, int(weeks))
    rng = np.random.default_rng(zlib.crc32("|".join(map(str, key)).encode()))
    m = VIRTUAL_PATIENTS_PER_CELL
    day = 7 * int(weeks)
    z = rng.standard_normal((m, 3))
    modelled = _known_drug(drug)
    if modelled is None:
        f = np.zeros((m, 1))
    else:
        signal = _signal(modelled, cyp2d6, cyp2c19, LIBRARY_DAYS)
        scale = params.efficacy(modelled if modelled == (drug or "").strip().lower() else "__mean__")
        f = (signal[rng.integers(0, signal.shape[0], m), min(day, signal.shape[1] - 1)] * scale)[:, None]
    imp = improvement_fraction(np.array([float(day)]), f, z, params, psychotherapy=modelled is None)[:, 0]
    noise_phq = rng.normal(0.0, params["phq9_observation_sd"], m)
    noise_gad = rng.normal(0.0, params["gad7_observation_sd"], m)
    phq0 = np.arange(PHQ9_MAX + 1, dtype=float)[:, None, None]
    gad0 = np.arange(GAD7_MAX + 1, dtype=float)[None, :, None]
    phq1 = np.rint(np.clip(phq0 * (1.0 - imp) + noise_phq, 0.0, PHQ9_MAX))
    gad1 = np.rint(np.clip(gad0 * (1.0 - params["gad7_improvement_ratio"] * imp) + noise_gad, 0.0, GAD7_MAX))
    flags = outcome_flags(phq0, phq1, gad0, gad1)
    table = np.stack([np.broadcast_to(flags[name], (PHQ9_MAX + 1, GAD7_MAX + 1, m)).mean(axis=2)
                      for name in OUTCOMES])
    table.setflags(write=False)
    return table


def outcome_flags(phq0: np.ndarray, phq1: np.ndarray, gad0: np.ndarray, gad1: np.ndarray) -> dict[str, np.ndarray]:
    """The outcome rules of :mod:`novamind_core.domain.outcomes`, vectorised over simulated score pairs."""
    improved = (phq0 - phq1 >= _PHQ_RELIABLE) | (gad0 - gad1 >= _GAD_RELIABLE)
    worse = (phq1 - phq0 >= _PHQ_RELIABLE) | (gad1 - gad0 >= _GAD_RELIABLE)
    case0 = (phq0 >= _PHQ_CASE) | (gad0 >= _GAD_CASE)
    case1 = (phq1 >= _PHQ_CASE) | (gad1 >= _GAD_CASE)
    recovery = case0 & ~case1
    reliable_improvement = improved & ~worse
    return {"remission": phq1 <= _REMISSION_MAX, "response": (phq0 - phq1) >= 0.5 * phq0,
            "recovery": recovery, "reliable_improvement": reliable_improvement,
            "reliable_deterioration": worse & ~improved, "reliable_recovery": recovery & reliable_improvement}


def expected_probabilities(outcome: str, baseline_phq9: Sequence[int], baseline_gad7: Sequence[int | None],
                           drugs: Sequence[str | None], cyp2d6: Sequence[str | None], cyp2c19: Sequence[str | None],
                           horizon_days: Sequence[float]) -> np.ndarray:
    """Expected probability of ``outcome`` for each episode (1-D, same order), from the cached cells.

    Vectorised: episodes are grouped by (drug, phenotypes, horizon) and each group reads its cached
    :func:`outcome_table` at the episodes' exact baselines. A missing GAD-7 baseline is taken as 0 (US measures use
    PHQ-9 only).

    Raises
    ------
    ValueError
        An outcome not in :data:`OUTCOMES`, or inputs of different lengths.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; one of {', '.join(OUTCOMES)}")
    n = len(baseline_phq9)
    if not all(len(x) == n for x in (baseline_gad7, drugs, cyp2d6, cyp2c19, horizon_days)):
        raise ValueError("case-mix inputs must all have one entry per episode")
    out = np.empty(n)
    phq = np.clip(np.asarray(baseline_phq9, dtype=int), 0, PHQ9_MAX)
    gad = np.clip(np.asarray([0 if g is None else g for g in baseline_gad7], dtype=int), 0, GAD7_MAX)
    which = OUTCOMES.index(outcome)
    groups: dict[tuple[str | None, str, str, int], list[int]] = {}
    for i, (d, a, b, h) in enumerate(zip(drugs, cyp2d6, cyp2c19, horizon_days, strict=True)):
        name = (d or "").strip().lower() or None
        key = (name, *relevant_phenotypes(name, phenotype_code(a), phenotype_code(b)), horizon_weeks(h))
        groups.setdefault(key, []).append(i)
    for key, members in groups.items():
        index = np.asarray(members)
        out[index] = outcome_table(*key)[which, phq[index], gad[index]]
    return out
