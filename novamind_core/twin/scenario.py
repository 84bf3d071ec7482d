"""What-if scenarios: Monte Carlo over the patient's posterior (or the population prior), seeded.

``run_scenario`` joins the patient's medication history to the scenario's steps, runs the pharmacology engine for
``n_pk`` PK patients, the neurotransmitter dynamics, and the symptom model for ``draws`` parameter draws (draw ``j``
uses PK patient ``j mod n_pk``), then summarises weekly PHQ-9/GAD-7 quantiles, response and remission
probabilities (response: PHQ-9 <= 50% of the pre-treatment baseline; remission: PHQ-9 <= 4; SCIENCE.md §2),
plasma levels, occupancy and regional neurotransmitter timelines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from novamind_core.domain.brain import NEUROTRANSMITTERS, REGIONS, Region
from novamind_core.domain.errors import ValidationError
from novamind_core.twin.dynamics import DynamicsResult, simulate_dynamics
from novamind_core.twin.exposure import Exposure, exposure_from_scenario, scenario_drugs, split_scenario
from novamind_core.twin.params import PopulationParams, load_population_params
from novamind_core.twin.patient_fit import PatientHistory, Posterior, fit_patient, prior_posterior
from novamind_core.twin.projections import MODELLED_NEUROTRANSMITTERS
from novamind_core.twin.symptoms import (
    GAD7_MAX,
    PHQ9_MAX,
    improvement_fraction,
    observe,
    sample_patients,
)

QUANTILES = {"p05": 5, "p25": 25, "p50": 50, "p75": 75, "p95": 95}
DEFAULT_REGIONS: tuple[Region, ...] = (Region.PREFRONTAL_CORTEX, Region.AMYGDALA, Region.HIPPOCAMPUS,
                                       Region.NUCLEUS_ACCUMBENS, Region.RAPHE_NUCLEI, Region.LOCUS_COERULEUS)
MAX_COMPARED = 4
LIMITS = (
    "Decision support for research and demonstration; not a medical device.",
    "The model knows only PHQ-9/GAD-7 totals, medications, adherence and CYP2D6/CYP2C19 phenotype: not life "
    "events, comorbidity, substance use, side effects that stop treatment, or dropout.",
    "Efficacy is calibrated to trial averages (Cipriani 2018, STAR*D); an individual's response is uncertain, "
    "shown by the intervals.",
    "Neurotransmitter levels are model quantities relative to the patient's own baseline, not measurements; "
    "GABA, glutamate, acetylcholine, endorphins, substance P, oxytocin, glycine and adenosine are not modelled.",
)


@dataclass(frozen=True)
class Course:
    """A simulated course: expected and observed weekly scores for each draw, plus the dynamics."""

    weeks: np.ndarray
    phq9: np.ndarray        # observed (draws, n_weeks)
    gad7: np.ndarray
    phq9_expected: np.ndarray
    baseline_phq9: np.ndarray  # (draws,)
    dynamics: DynamicsResult
    week_index: np.ndarray     # day index of each reported week


def simulate_course(exposure: Exposure, theta: np.ndarray, baseline_gad7: np.ndarray, params: PopulationParams,
                    rng: np.random.Generator, *, offset_days: int = 0, horizon_weeks: int,
                    psychotherapy: bool = False) -> Course:
    """Symptom trajectories for parameter draws ``theta`` (draws, 4) under ``exposure`` (vectorised)."""
    draws = theta.shape[0]
    dyn = simulate_dynamics(exposure.occupancy_fraction, 1.0, params, efficacy_scale=exposure.efficacy_scale)
    week_index = offset_days + 7 * np.arange(horizon_weeks + 1)
    pk_row = np.arange(draws) % exposure.n_pk
    f = dyn.therapeutic_signal[:, week_index][pk_row]
    imp = improvement_fraction(week_index.astype(float), f, theta[:, :3], params, psychotherapy=psychotherapy)
    y0 = theta[:, 3]
    phq_exp = y0[:, None] * (1.0 - imp)
    gad_exp = baseline_gad7[:, None] * (1.0 - params["gad7_improvement_ratio"] * imp)
    phq = observe(phq_exp, params["phq9_observation_sd"], PHQ9_MAX, rng)
    gad = observe(gad_exp, params["gad7_observation_sd"], GAD7_MAX, rng)
    return Course(np.arange(horizon_weeks + 1), phq, gad, phq_exp, y0, dyn, week_index)


@dataclass(frozen=True)
class ScenarioResult:
    """Everything a what-if run gives; ``to_dict()`` is the CLI's JSON contract."""

    name: str
    weeks: list[int]
    phq9: dict[str, list[float]]
    gad7: dict[str, list[float]]
    p_response_week8: float | None
    p_remission_week8: float | None
    p_response_week12: float | None
    p_remission_week12: float | None
    pk: dict
    neurotransmitters: dict[str, dict[str, list[float]]]
    warnings: list[dict]
    dose_guidance: list[dict]
    calibration: dict
    limits: tuple[str, ...] = LIMITS
    extras: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"name": self.name, "weeks": self.weeks, "phq9": self.phq9, "gad7": self.gad7,
                "p_response_week8": self.p_response_week8, "p_remission_week8": self.p_remission_week8,
                "p_response_week12": self.p_response_week12, "p_remission_week12": self.p_remission_week12,
                "pk": self.pk, "neurotransmitters": self.neurotransmitters, "warnings": self.warnings,
                "dose_guidance": self.dose_guidance, "calibration": self.calibration, "limits": list(self.limits)}


def _quantiles(x: np.ndarray) -> dict[str, list[float]]:
    q = np.percentile(x, list(QUANTILES.values()), axis=0)
    return {k: [round(float(v), 2) for v in row] for k, row in zip(QUANTILES, q, strict=True)}


def _prob(mask: np.ndarray, week: int, horizon: int) -> float | None:
    return round(float(mask[:, week].mean()), 4) if week <= horizon else None


def _pk_summary(exposure: Exposure, offset_days: int) -> dict:
    """Median daily plasma level and occupancy from the scenario start (day 0 = scenario start)."""
    out: dict = {"days": list(range(exposure.n_days - offset_days)), "concentration_ng_ml": {},
                 "occupancy_percent": {}}
    pk = exposure.pk
    if pk is not None:
        from novamind_core.twin.exposure import daily_mean
        for name, c in pk.concentration_ng_ml.items():
            med = np.median(daily_mean(c, exposure.n_days), axis=0)[offset_days:]
            out["concentration_ng_ml"][name] = [round(float(v), 3) for v in med]
    for target, o in exposure.occupancy_fraction.items():
        med = np.median(np.asarray(o), axis=0)[offset_days:] * 100.0
        if np.any(med > 0):
            out["occupancy_percent"][target] = [round(float(v), 2) for v in med]
    return out


def run_scenario(scenario: dict, patient_history: PatientHistory | dict | None = None, draws: int = 1000,
                 seed: int = 0, regions: tuple[Region | str, ...] | None = None,
                 params: PopulationParams | None = None, n_pk: int = 100) -> ScenarioResult:
    """Simulate a what-if scenario for a patient (or a prior patient) with ``draws`` seeded Monte Carlo draws."""
    if not 1 <= int(draws) <= 100_000:
        raise ValidationError("draws must be between 1 and 100000", field="draws", value=draws)
    params = params or load_population_params()
    pharm, twin = split_scenario(scenario)
    horizon = twin["horizon_weeks"]
    regions = tuple(Region(r) for r in (regions or DEFAULT_REGIONS))
    if isinstance(patient_history, dict):
        patient_history = PatientHistory.from_dict(patient_history)
    posterior: Posterior = (fit_patient(patient_history, params, seed=seed) if patient_history is not None
                            else prior_posterior(params, twin.get("baseline_phq9")))
    offset = posterior.history_days
    if patient_history is not None and (patient_history.medications or offset):
        combined = patient_history.medication_scenario(pharm.get("steps", []), total_days=offset)
        combined.update({k: v for k, v in pharm.items() if k != "steps"})
    else:
        combined = pharm
    n_days = offset + 7 * horizon + 1
    exposure = exposure_from_scenario(combined, n_days, params, n_pk=min(n_pk, draws), seed=seed)

    rng = np.random.default_rng(seed)
    theta = posterior.draw(int(draws), rng)
    new_drugs = set(scenario_drugs(pharm)) - set(posterior.history_drugs)
    if not posterior.is_prior and new_drugs:
        theta[:, 2] = rng.standard_normal(theta.shape[0])  # a new drug: its specific sensitivity is unknown
    if posterior.baseline_gad7 is not None or "baseline_gad7" in twin:
        g0 = np.full(theta.shape[0], float(twin.get("baseline_gad7", posterior.baseline_gad7)))
    else:
        g0 = sample_patients(theta.shape[0], params, rng).baseline_gad7
    course = simulate_course(exposure, theta, g0, params, rng, offset_days=offset, horizon_weeks=horizon,
                             psychotherapy=twin["psychotherapy"])
    response = course.phq9 <= 0.5 * course.baseline_phq9[:, None]
    remission = course.phq9 <= 4.0
    levels = course.dynamics.regional_levels(regions, time_index=course.week_index)
    med_levels = np.median(levels, axis=0)
    nts = {r.value: {nt.value: [round(float(v), 4) for v in med_levels[i, j]]
                     for j, nt in enumerate(NEUROTRANSMITTERS)} for i, r in enumerate(regions)}
    warnings = list(exposure.warnings)
    if posterior.is_prior:
        warnings.append({"severity": "info", "message": posterior.message, "source": "twin"})
    if not params.calibrated:
        warnings.append({"severity": "info", "message": "population parameters are uncalibrated code defaults",
                         "source": "twin"})
    calibration = {**posterior.summary(), "population_calibrated": params.calibrated,
                   "history_days": offset, "draws": int(draws), "seed": int(seed),
                   "modelled_neurotransmitters": [n.value for n in MODELLED_NEUROTRANSMITTERS]}
    return ScenarioResult(
        name=str(scenario.get("name", "scenario")), weeks=[int(w) for w in course.weeks],
        phq9=_quantiles(course.phq9), gad7=_quantiles(course.gad7),
        p_response_week8=_prob(response, 8, horizon), p_remission_week8=_prob(remission, 8, horizon),
        p_response_week12=_prob(response, 12, horizon), p_remission_week12=_prob(remission, 12, horizon),
        pk=_pk_summary(exposure, offset), neurotransmitters=nts, warnings=warnings,
        dose_guidance=list(exposure.dose_guidance), calibration=calibration,
        extras={"regions": [r.value for r in regions], "all_regions": [r.value for r in REGIONS]},
    )


def compare_scenarios(scenarios: list[dict], patient_history: PatientHistory | dict | None = None,
                      draws: int = 1000, seed: int = 0, params: PopulationParams | None = None) -> dict:
    """Up to 4 scenarios side by side, with common random numbers (same seed) so differences are the treatment's."""
    if not 1 <= len(scenarios) <= MAX_COMPARED:
        raise ValidationError(f"compare 1 to {MAX_COMPARED} scenarios, got {len(scenarios)}", field="scenarios")
    params = params or load_population_params()
    results = [run_scenario(s, patient_history, draws=draws, seed=seed, params=params) for s in scenarios]
    table = [{"name": r.name, "phq9_p50_end": r.phq9["p50"][-1], "p_response_week8": r.p_response_week8,
              "p_remission_week8": r.p_remission_week8, "p_response_week12": r.p_response_week12,
              "p_remission_week12": r.p_remission_week12, "n_warnings": len(r.warnings)} for r in results]
    return {"results": results, "table": table}
