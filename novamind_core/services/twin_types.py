"""Frozen view types of :class:`novamind_core.services.twin.TwinService` (re-exported there): the current twin and
its versions, what-if runs and their checks, the timelines with their summary cards, and one view model per twin page
(:class:`TwinStatePage`, :class:`TimelinesPage`, :class:`SimulationPage`).

Types only: no database, no computation. The twin's own types (``Scenario``, ``ScenarioResult``, ...) are in
:mod:`novamind_core.twin.types`. Decision support for research and demonstration; not a medical device.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from novamind_core.domain.records import ChartSummary
from novamind_core.domain.twin import SavedScenario, SnapshotDifference
from novamind_core.services.prediction_types import KeptModelOutputs, ModelOutputs
from novamind_core.services.twin_inputs import CompletenessItem, MedicationEvent
from novamind_core.twin.state import TwinState
from novamind_core.twin.types import ComparisonRow, ModelBasis, ScenarioResult, ScenarioWarning

if TYPE_CHECKING:
    from novamind_core.pharmacology.covariates import Covariates
    from novamind_core.pharmacology.regimen_safety import RegimenSafety
    from novamind_core.services.drug_levels import LevelsView
    from novamind_core.twin.response_review import ResponseReview


@dataclass(frozen=True)
class TwinVersion:
    version: int
    created_at: datetime
    trigger: str
    created_by: int | None


@dataclass(frozen=True)
class TwinStateView:
    """The patient's current twin (a stored version): its state, what changed, and what it is based on.

    ``level_p05``/``level_p95`` are the 5th and 95th percentiles of each regional level across
    :data:`~novamind_core.twin.exposure.N_PK_LEVELS` virtual PK patients (between-subject variability of
    exposure), in REGIONS x NEUROTRANSMITTERS order like ``state.nt_levels``: the "confidence" shown with each
    heatmap cell.
    """

    patient_id: int
    version: int
    created_at: datetime
    trigger: str
    changed: tuple[str, ...]
    change_text: str
    is_new_version: bool
    state: TwinState = field(repr=False)
    level_p05: tuple[tuple[float, ...], ...] = field(repr=False)
    level_p95: tuple[tuple[float, ...], ...] = field(repr=False)
    completeness: tuple[CompletenessItem, ...] = field(repr=False)
    origin: date
    as_of: date
    drugs_on_board: tuple[str, ...]


@dataclass(frozen=True)
class VersionInfo:
    """One entry of the version timeline: when, what triggered it, and the PHQ-9 it was based on."""

    version: int
    created_at: datetime
    trigger: str
    changed: tuple[str, ...]
    change_text: str
    as_of: date | None
    phq9_total: int | None


@dataclass(frozen=True)
class ScenarioRun:
    """What-if results for one patient: 1-4 :class:`~novamind_core.twin.ScenarioResult` with common random numbers.

    ``week0`` is the date week 0 of every result refers to (the latest PHQ-9, where the posterior ends);
    ``observed_phq9`` is the patient's PHQ-9 history for the fan chart.
    """

    patient_id: int
    results: tuple[ScenarioResult, ...] = field(repr=False)
    table: tuple[ComparisonRow, ...]
    week0: date
    observed_phq9: tuple[tuple[date, int], ...] = field(repr=False)
    posterior: ModelBasis = field(repr=False)
    draws: int
    seed: int
    based_on: str


@dataclass(frozen=True)
class Band:
    """Median and 90% interval of a quantity across virtual PK patients."""

    p05: tuple[float, ...]
    p50: tuple[float, ...]
    p95: tuple[float, ...]


@dataclass(frozen=True)
class TimelineSummary:
    """The cards above the timelines (``None`` where no drug is on board)."""

    drug: str | None
    regimen: str | None
    days_on_current_dose: int | None
    time_to_steady_state_days: float | None
    occupancy_today_percent: dict[str, float]
    adaptation_percent: float | None
    sentence: str
    plasma_today_ng_ml: dict[str, float] = field(default_factory=dict)
    """Today's plasma level per analyte (median of the day's mean), the same reading as the twin state's and the
    simulation's week 0 (:func:`novamind_core.twin.exposure.levels_on_day`)."""
    trough_today_ng_ml: float | None = None
    """Today's trough of the current drug's reference-range analyte from the dosing history, the same number as the
    twin state's review (:func:`novamind_core.twin.exposure.troughs_on_day`)."""


@dataclass(frozen=True)
class TimelineData:
    """Plasma (3-hourly), occupancy and regional levels (daily) from ``origin``; day 0 = ``origin``.

    ``today_day`` splits the past (the real medication history) from the future (the saved scenario, if any).
    """

    patient_id: int
    origin: date
    today_day: int
    end_day: int
    plasma_days: tuple[float, ...] = field(repr=False)
    plasma: dict[str, Band] = field(repr=False)
    daily_days: tuple[int, ...] = field(repr=False)
    occupancy: dict[str, Band] = field(repr=False)
    levels: dict[str, dict[str, Band]] = field(repr=False)
    events: tuple[MedicationEvent, ...]
    planned_events: tuple[MedicationEvent, ...]
    therapeutic_ranges: dict[str, tuple[float, float, str]]
    scenario_name: str | None
    summary: TimelineSummary
    warnings: tuple[ScenarioWarning, ...]
    model_calibrated: bool = False


@dataclass(frozen=True)
class ScenarioIssue:
    """A finding next to the scenario form: ``level`` is ``"error"`` (blocks running) or ``"warning"``."""

    level: str
    field: str
    message: str
    source: str = ""


@dataclass(frozen=True)
class ScenarioCheck:
    """The result of :func:`novamind_core.services.twin_checks.check_scenario`, errors first."""

    issues: tuple[ScenarioIssue, ...] = ()
    safety: tuple[RegimenSafety, ...] = ()
    """ΔΔQTc, QT rules and the trough against the reference range of each drug in the plan at its highest dose
    (:func:`novamind_core.services.twin_checks.scenario_safety`)."""

    @property
    def blocked(self) -> bool:
        """An error stops the scenario from being added to the comparison."""
        return any(i.level == "error" for i in self.issues)


@dataclass(frozen=True)
class ScenarioDefaults:
    """What the scenario form starts from: the medication at week 0 (daily dose), PGx on the chart (engine codes,
    ``None`` where not recorded), week 0's date, and the drugs that can be chosen."""

    current_drug: str | None
    current_dose_mg: float | None
    cyp2d6: str | None
    cyp2c19: str | None
    week0: date
    drugs: tuple[str, ...]
    covariates: Covariates | None = None
    """The patient's covariates on the chart (age from the date of birth, sex at birth; weight and smoking are not
    recorded), for the scenario check's QTc and reference range."""
    co_medications: tuple[str, ...] = ()
    """Other active orders on the chart (not the week-0 drug): QT co-medication and phenoconversion."""


@dataclass(frozen=True)
class TwinStatePage:
    """Everything the twin-state page shows: the patient banner, the current twin, its versions, the chosen version
    diff (if any), what the model statement under each panel says, the learned models' ranking and forecast, and
    the twin's answer to "why is this patient not responding?" (``review``; shown first)."""

    state: TwinStateView
    versions: tuple[VersionInfo, ...]
    difference: SnapshotDifference | None
    basis: ModelBasis
    chart: ChartSummary
    models: ModelOutputs
    review: ResponseReview | None = None


@dataclass(frozen=True)
class TimelinesPage:
    """Everything the timelines page shows: the patient banner, the saved scenarios to continue with, and the
    timelines (``None`` when no region or neurotransmitter is chosen)."""

    patient_id: int
    saved: tuple[SavedScenario, ...]
    data: TimelineData | None
    chart: ChartSummary
    levels: LevelsView | None = None
    """Measured levels of the current drug with the population band and individual (Bayesian) fit."""
    safety: RegimenSafety | None = None
    """ΔΔQTc, QT rules and the trough against the reference range for the current drug and dose."""


@dataclass(frozen=True)
class LevelsOn:
    """Plasma levels (ng/mL, per analyte) and target occupancy (%) on one date from the patient's actual regimen:
    medians of the day's mean across the PK patients every page uses (:func:`novamind_core.twin.exposure.
    levels_on_day`), so the simulation's week 0 reads what the twin state and the timelines read on that date."""

    on: date
    plasma_ng_ml: dict[str, float]
    occupancy_percent: dict[str, float]


@dataclass(frozen=True)
class SimulationPage:
    """Everything the simulation page shows before a run: the patient banner, the form's defaults, the saved
    scenarios and the learned response model's ranking."""

    patient_id: int
    defaults: ScenarioDefaults
    saved: tuple[SavedScenario, ...]
    chart: ChartSummary
    models: ModelOutputs
    kept_models: KeptModelOutputs | None = None
    """``models`` with their key, for the page to keep in its session and pass back as ``reuse``."""
    week0_levels: LevelsOn | None = None
    """Plasma levels and occupancy at week 0 (``defaults.week0``) on the chart's regimen."""


__all__ = ["Band", "LevelsOn", "ScenarioCheck", "ScenarioDefaults", "ScenarioIssue", "ScenarioRun", "SimulationPage",
           "TimelineData", "TimelineSummary", "TimelinesPage", "TwinStatePage", "TwinStateView", "TwinVersion",
           "VersionInfo"]
