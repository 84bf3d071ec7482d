"""Pharmacology engine: drug catalogue, PK with metabolites, occupancy, pharmacogenomics, interactions, TDM fitting.

Pure numpy/scipy; no database, no Streamlit. Decision support for research and demonstration; not a medical device.

Public API (stable; the twin builds on it)
------------------------------------------
Catalogue
    ``load_catalogue(path=None) -> Catalogue`` (cached; validated ``data/drug_catalogue.json``).
    ``catalogue.drugs`` maps names to frozen :class:`Drug`; ``catalogue.get(name)`` raises ``ValidationError``
    naming the unknown drug and listing the known ones; ``catalogue.agent(name)`` also knows MAOIs, tramadol, ...
Regimens
    ``parse_scenario(dict) -> Scenario`` (unknown keys kept in ``Scenario.extra``; ``Scenario.to_dict()`` writes
    them back); ``build_dose_events(scenario, catalogue) -> DoseSchedule`` with ``schedule.drugs[name].times_h``
    and ``.amounts_mg``; step builders ``titrate``, ``taper``, ``stop``.
Simulation
    ``simulate_pk(schedule_or_scenario, times_h, n_patients=1, seed=0, cyp2d6=None, cyp2c19=None, *, bsv=None,
    dtype=np.float64, two_compartment=None, age_years=None) -> PKResult`` with ``times_h``,
    ``concentration_ng_ml`` (parent, metabolite and ``active_moiety_key(drug)`` arrays, shape
    (n_patients, n_times)), ``occupancy_percent`` per target (combined across drugs) and ``warnings``.
    Lower level: ``simulate_drug``, ``unit_dose_modes``, ``patient_parameters`` (module ``pk``).
Summaries
    ``steady_state_summary(drug, dose_mg, interval_h, ...)`` (Cmax, Cmin, AUCtau, accumulation ratio, time to
    90% of steady state, steady-state occupancy), ``time_below_fraction_after_stop_h``.
Occupancy
    ``occupancy_percent(drug, concentration_ng_ml) -> dict[target, array]``.
Pharmacogenomics
    ``dose_guidance(drug, dose_mg_per_day, cyp2d6, cyp2c19, co_medications, age_years=None) -> DoseGuidance``
    (``max_dose_mg_per_day``, ``recommendation``, ``source``); ``exposure_multiplier``, ``effective_phenotypes``
    (phenoconversion). SLC6A4 and HTR2A are accepted and never change dosing (CPIC 2023).
Interactions
    ``check_interactions(drugs_with_doses, cyp2c19="NM", age_years=None) -> list[ClinicalWarning]`` with
    ``severity``, ``message``, ``source`` (``Warning`` is an alias); ``check_switch(from, to, gap_days)``.
TDM fitting
    ``fit_one_compartment(data) -> TDMFit`` (pooled and per subject, standard errors, goodness of fit);
    ``read_tdm_csv(path)``.
Cardiac safety, reference ranges, covariates (modules; docs/science.md §13-§14)
    ``qtc``: ``predict_qtc(drug, cmax)`` (ΔΔQTc mean / upper 95% from label thorough-QT points, or the reason),
    ``qt_assessment(...)`` (citalopram/escitalopram caps, additive QT risk, baseline QTc and electrolytes).
    ``reference_ranges``: ``reference_range(drug)`` (AGNP 2018, analyte), ``trough_position(s)``.
    ``covariates``: ``Covariates``, ``covariate_adjustment``, vectorised ``covariate_multipliers``,
    ``adjusted_drug``, ``adjusted_catalogue``. ``regimen_safety``: ``regimen_safety(drug, dose, interval, ...)``
    (the three composed at the patient's steady state, as the pages show them).
Bayesian TDM (modules; docs/science.md §14)
    ``tdm_bayes``: ``forecast`` (MAP + Laplace posterior, shrinkage, trough p05/p50/p95, dose for target),
    ``forecast_curves``; ``tdm_patient``: ``patient_forecast`` (phenotype, co-medication and covariates composed),
    ``read_levels_csv``.
Coming off a drug (modules; docs/science.md §15)
    ``discontinuation``: ``discontinuation_risk``; ``taper``: ``hyperbolic_taper``; ``switching``: ``switch_plan``
    (PK-derived washout / cross-taper, Hunter checklist); ``formulations``.
"""

from novamind_core.pharmacology.catalogue import PHENOTYPES, TARGETS, Catalogue, Drug, load_catalogue
from novamind_core.pharmacology.interactions import ClinicalWarning, check_interactions, check_switch
from novamind_core.pharmacology.occupancy import occupancy_percent
from novamind_core.pharmacology.pgx import DoseGuidance, dose_guidance, effective_phenotypes, exposure_multiplier
from novamind_core.pharmacology.pk import simulate_drug
from novamind_core.pharmacology.regimen import (
    DoseSchedule,
    Scenario,
    Step,
    build_dose_events,
    parse_scenario,
    stop,
    taper,
    titrate,
)
from novamind_core.pharmacology.simulate import PKResult, active_moiety_key, simulate_pk

Warning = ClinicalWarning  # noqa: A001 - the name the twin's brief uses

__all__ = [
    "PHENOTYPES", "TARGETS", "Catalogue", "ClinicalWarning", "DoseGuidance", "DoseSchedule", "Drug", "PKResult",
    "Scenario", "Step", "active_moiety_key", "build_dose_events", "check_interactions", "check_switch",
    "dose_guidance", "effective_phenotypes", "exposure_multiplier", "load_catalogue", "occupancy_percent",
    "parse_scenario", "simulate_drug", "simulate_pk", "stop", "taper", "titrate",
]
