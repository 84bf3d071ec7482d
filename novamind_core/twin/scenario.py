"""What-if scenarios: Monte Carlo over the patient's posterior (or the population prior), seeded.

``run_scenario`` joins the patient's medication history to the scenario's steps (the last one held to the horizon's
end), runs the pharmacology engine for the PK patients every page uses (:func:`~novamind_core.twin.exposure.
regimen_exposure`), the neurotransmitter dynamics, and the symptom model for ``draws`` parameter draws (draw ``j``
uses PK patient ``j mod n_pk``), then summarises weekly PHQ-9/GAD-7 quantiles, response and remission
probabilities (:mod:`novamind_core.domain.scenario_limits`; ``docs/science.md`` section 2), plasma levels, occupancy
and regional neurotransmitter timelines. The scenario arrives typed and validated (:class:`~novamind_core.twin.types.
Scenario`); a mapping is parsed once at the entry (the JSON edge of callers that hold one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from novamind_core.domain.brain import NEUROTRANSMITTERS, Region
from novamind_core.domain.errors import ValidationError
from novamind_core.domain.scenario_limits import (
    MAX_COMPARED_SCENARIOS,
    MAX_DRAWS,
    PHQ9_REMISSION_MAX_TOTAL,
    RESPONSE_FRACTION_OF_BASELINE,
)
from novamind_core.twin.dynamics import DynamicsResult, simulate_dynamics
from novamind_core.twin.exposure import Exposure, daily_levels, hold_last_step, regimen_exposure
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
from novamind_core.twin.types import (
    LIMITS,
    ComparisonRow,
    ModelBasis,
    PKSeries,
    Quantiles,
    Scenario,
    ScenarioComparison,
    ScenarioResult,
    ScenarioWarning,
)

QUANTILES = {"p05": 5, "p25": 25, "p50": 50, "p75": 75, "p95": 95}
DEFAULT_REGIONS: tuple[Region, ...] = (Region.PREFRONTAL_CORTEX, Region.AMYGDALA, Region.HIPPOCAMPUS,
                                       Region.NUCLEUS_ACCUMBENS, Region.RAPHE_NUCLEI, Region.LOCUS_COERULEUS)


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


def _quantiles(x: np.ndarray) -> Quantiles:
    q = np.percentile(x, list(QUANTILES.values()), axis=0)
    return Quantiles(*(tuple(round(float(v), 2) for v in row) for row in q))


def _prob(mask: np.ndarray, week: int, horizon: int) -> float | None:
    return round(float(mask[:, week].mean()), 4) if week <= horizon else None


def _pk_summary(exposure: Exposure, offset_days: int) -> PKSeries:
    """Median daily plasma level and occupancy from the scenario start (day 0 = scenario start)."""
    plasma, occupancy = daily_levels(exposure)  # the reading every page uses
    conc = {name: tuple(float(v) for v in med[offset_days:]) for name, med in plasma.items()}
    occ = {t: tuple(float(v) for v in med[offset_days:]) for t, med in occupancy.items()
           if np.any(med[offset_days:] > 0)}
    return PKSeries(tuple(range(exposure.n_days - offset_days)), conc, occ)


def as_scenario(scenario: Scenario | Mapping[str, Any]) -> Scenario:
    """The typed scenario (a mapping is parsed here, once; ValidationError names the field)."""
    return scenario if isinstance(scenario, Scenario) else Scenario.from_mapping(scenario)


def _regimen(scenario: Scenario, history: PatientHistory | None, offset_days: int) -> Any:
    """The pharmacology regimen simulated: the history's medications to day ``offset_days``, then the scenario's
    steps, the last of which holds to the end of the horizon (its ``7 w + 1`` reported days: dosing continues to
    the horizon's last day, :func:`~novamind_core.twin.exposure.hold_last_step`); adherence and phenotypes from the
    scenario where it sets them, else the patient's."""
    from novamind_core.pharmacology import Step, parse_scenario

    past = ()
    if history is not None and (history.medications or offset_days):
        past = parse_scenario(history.medication_scenario(total_days=offset_days)).steps if history.medications \
            else (Step("none", 0.0, float(offset_days)),) if offset_days >= 1 else ()
    plan = hold_last_step([s.to_mapping() for s in scenario.steps], 7 * scenario.horizon_weeks + 1)
    steps = tuple(past) + tuple(Step(str(s["drug"]), float(s.get("dose_mg", 0.0)), float(s["days"]),
                                     float(s.get("interval_h", 24.0))) for s in plan)
    own = history if history is not None else PatientHistory()
    start = offset_days if past else 0
    from novamind_core.pharmacology import Scenario as Regimen

    return Regimen(name=scenario.name, steps=steps, switch_strategy=scenario.switch_strategy,
                   adherence=own.adherence if scenario.adherence is None else scenario.adherence,
                   missed_days=tuple(d + start for d in scenario.missed_days),
                   cyp2d6=scenario.cyp2d6 or own.cyp2d6, cyp2c19=scenario.cyp2c19 or own.cyp2c19,
                   seed=scenario.adherence_seed)


def run_scenario(scenario: Scenario | Mapping[str, Any], patient_history: PatientHistory | dict | None = None,
                 draws: int = 1000, seed: int = 0, regions: Sequence[Region | str] | None = None,
                 params: PopulationParams | None = None) -> ScenarioResult:
    """Simulate a what-if scenario for a patient (or a prior patient) with ``draws`` seeded Monte Carlo draws.

    Plasma levels and occupancy come from the one regimen exposure every page uses
    (:func:`~novamind_core.twin.exposure.regimen_exposure`: its PK patients and seed), so week 0 reads what the
    twin state and the timelines read on that date; ``seed`` seeds the symptom draws."""
    if not 1 <= int(draws) <= MAX_DRAWS:
        raise ValidationError(f"draws must be between 1 and {MAX_DRAWS}", field="draws", value=draws)
    scenario = as_scenario(scenario)
    params = params or load_population_params()
    horizon = scenario.horizon_weeks
    region_list = tuple(Region(r) for r in (regions or DEFAULT_REGIONS))
    if isinstance(patient_history, dict):
        patient_history = PatientHistory.from_dict(patient_history)
    posterior: Posterior = (fit_patient(patient_history, params, seed=seed) if patient_history is not None
                            else prior_posterior(params, scenario.baseline_phq9))
    offset = posterior.history_days
    regimen = _regimen(scenario, patient_history, offset)
    n_days = offset + 7 * horizon + 1
    exposure = regimen_exposure(regimen, n_days, params)  # the same PK patients as every page's levels

    rng = np.random.default_rng(seed)
    theta = posterior.draw(int(draws), rng)
    new_drugs = set(scenario.drugs) - set(posterior.history_drugs)
    if not posterior.is_prior and new_drugs:
        theta[:, 2] = rng.standard_normal(theta.shape[0])  # a new drug: its specific sensitivity is unknown
    if posterior.baseline_gad7 is not None or scenario.baseline_gad7 is not None:
        g0 = np.full(theta.shape[0], float(scenario.baseline_gad7 if scenario.baseline_gad7 is not None
                                           else posterior.baseline_gad7))
    else:
        g0 = sample_patients(theta.shape[0], params, rng).baseline_gad7
    course = simulate_course(exposure, theta, g0, params, rng, offset_days=offset, horizon_weeks=horizon,
                             psychotherapy=scenario.psychotherapy)
    response = course.phq9 <= RESPONSE_FRACTION_OF_BASELINE * course.baseline_phq9[:, None]
    remission = course.phq9 <= float(PHQ9_REMISSION_MAX_TOTAL)
    levels = course.dynamics.regional_levels(region_list, time_index=course.week_index)
    med_levels = np.median(levels, axis=0)
    nts = {r.value: {nt.value: tuple(round(float(v), 4) for v in med_levels[i, j])
                     for j, nt in enumerate(NEUROTRANSMITTERS)} for i, r in enumerate(region_list)}
    warnings = list(exposure.warnings)
    if posterior.is_prior:
        warnings.append(ScenarioWarning("info", posterior.message, "twin"))
    if not params.calibrated:
        warnings.append(ScenarioWarning("info", "population parameters are uncalibrated code defaults", "twin"))
    basis = replace(ModelBasis.from_summary(posterior.summary(), params.calibrated), history_days=offset,
                    draws=int(draws), seed=int(seed),
                    modelled_neurotransmitters=tuple(n.value for n in MODELLED_NEUROTRANSMITTERS))
    return ScenarioResult(
        name=scenario.name, weeks=tuple(int(w) for w in course.weeks),
        phq9=_quantiles(course.phq9), gad7=_quantiles(course.gad7),
        p_response_week8=_prob(response, 8, horizon), p_remission_week8=_prob(remission, 8, horizon),
        p_response_week12=_prob(response, 12, horizon), p_remission_week12=_prob(remission, 12, horizon),
        pk=_pk_summary(exposure, offset), neurotransmitters=nts, warnings=tuple(warnings),
        dose_guidance=exposure.dose_guidance, calibration=basis,
    )


def compare_scenarios(scenarios: Sequence[Scenario | Mapping[str, Any]],
                      patient_history: PatientHistory | dict | None = None, draws: int = 1000, seed: int = 0,
                      params: PopulationParams | None = None) -> ScenarioComparison:
    """Up to :data:`MAX_COMPARED_SCENARIOS` scenarios side by side, with common random numbers (same seed) so
    differences are the treatment's. A scenario that breaks a rule raises ValidationError naming it (``row``)."""
    if not 1 <= len(scenarios) <= MAX_COMPARED_SCENARIOS:
        raise ValidationError(f"compare 1 to {MAX_COMPARED_SCENARIOS} scenarios, got {len(scenarios)}",
                              field="scenarios")
    typed = []
    for i, raw in enumerate(scenarios):
        try:
            typed.append(as_scenario(raw))
        except ValidationError as exc:
            name = (str(raw.get("name") or f"Scenario {i + 1}") if isinstance(raw, Mapping) else f"#{i + 1}")
            raise ValidationError(f"{name}: {exc}", field=exc.field, row=i, value=exc.value) from None
    params = params or load_population_params()
    if isinstance(patient_history, dict):
        patient_history = PatientHistory.from_dict(patient_history)
    results = tuple(run_scenario(s, patient_history, draws=draws, seed=seed, params=params) for s in typed)
    return ScenarioComparison(results, tuple(ComparisonRow.of(r) for r in results))


__all__ = ["DEFAULT_REGIONS", "LIMITS", "Course", "ScenarioResult", "as_scenario",
           "compare_scenarios", "run_scenario", "simulate_course"]
