"""The digital twin: neurotransmitter dynamics, symptom response, calibration and what-if scenarios.

Pure numpy/scipy (no database, no Streamlit). Decision support for research and demonstration; not a medical device.

Public API::

    Scenario.from_mapping({...}) -> Scenario  (the JSON edge; names the bad field)
    run_scenario(scenario, patient_history=None, draws=1000, seed=0, regions=None) -> ScenarioResult
    compare_scenarios([scenario, ...], patient_history=None, draws=1000, seed=0) -> ScenarioComparison
    simulate_cohort(drug, dose_mg=None, n=1000, weeks=8, steps=1, seed=0) -> CohortResult
    fit_patient(history, params) -> Posterior;  PatientHistory.from_dict({...})
    build_twin_state(history, as_of_day=None, biometrics=None) -> TwinState;  diff(a, b)
    simulate_dynamics(occupancy_fraction, dt_days, params) -> DynamicsResult
    load_population_params() -> PopulationParams;  run_calibration(quick=False)
"""

from novamind_core.twin.cohort import STARD_SEQUENCE, CohortResult, simulate_cohort
from novamind_core.twin.dynamics import DynamicsResult, simulate_dynamics
from novamind_core.twin.params import PopulationParams, default_params, load_population_params
from novamind_core.twin.patient_fit import PatientHistory, Posterior, fit_patient
from novamind_core.twin.projections import load_projections
from novamind_core.twin.scenario import compare_scenarios, run_scenario
from novamind_core.twin.state import SymptomDomains, TwinState, build_twin_state, diff, symptom_domains
from novamind_core.twin.types import (
    ComparisonRow,
    DoseGuidanceNote,
    ModelBasis,
    PKSeries,
    Quantiles,
    Scenario,
    ScenarioComparison,
    ScenarioResult,
    ScenarioStep,
    ScenarioWarning,
)

__all__ = [
    "STARD_SEQUENCE", "CohortResult", "ComparisonRow", "DoseGuidanceNote", "DynamicsResult", "ModelBasis",
    "PKSeries", "PatientHistory", "PopulationParams", "Posterior", "Quantiles", "Scenario", "ScenarioComparison",
    "ScenarioResult", "ScenarioStep", "ScenarioWarning", "SymptomDomains", "TwinState", "build_twin_state",
    "compare_scenarios", "default_params", "diff", "fit_patient", "load_population_params", "load_projections",
    "run_scenario", "simulate_cohort", "simulate_dynamics", "symptom_domains",
]
