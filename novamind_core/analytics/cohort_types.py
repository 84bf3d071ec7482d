"""Result types of :class:`novamind_core.services.cohort.CohortService`: filters, the de-identified patient, the cohort
view, the population what-if and an export (frozen dataclasses; no PHI: no names, MRNs, ids or calendar dates).

Every definition behind the numbers (index course, baseline, endpoint, response, remission, Wilson and Kaplan-Meier
intervals, trajectory clusters) is stated once in :mod:`novamind_core.analytics.cohort_outcomes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from novamind_core.analytics.cohort_stats import KaplanMeierCurve, Proportion
from novamind_core.domain.errors import ValidationError


@dataclass(frozen=True)
class CohortFilters:
    """Cohort filters; an empty tuple means "all". ``diagnoses`` match a code (F32.1) or its category (F32)."""

    diagnoses: tuple[str, ...] = ()
    drugs: tuple[str, ...] = ()
    baseline_severities: tuple[str, ...] = ()
    age_bands: tuple[str, ...] = ()
    sexes: tuple[str, ...] = ()
    clinicians: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("diagnoses", "drugs", "baseline_severities", "age_bands", "sexes", "clinicians"):
            value = getattr(self, name)
            if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                raise ValidationError(f"filter {name} must be a list of text values", field=name)
            object.__setattr__(self, name, tuple(v.strip() for v in value if v.strip()))

    @property
    def active(self) -> int:
        return sum(1 for v in vars(self).values() if v)


@dataclass(frozen=True)
class FilterOptions:
    """The values each filter can take in the whole (unfiltered) cohort."""

    diagnoses: tuple[tuple[str, str], ...]  # (code, label)
    drugs: tuple[str, ...]
    baseline_severities: tuple[str, ...]
    age_bands: tuple[str, ...]
    sexes: tuple[str, ...]
    clinicians: tuple[str, ...]


@dataclass(frozen=True)
class DeidentifiedPatient:
    """One patient, de-identified: no names, MRN, contact, date of birth, ids or calendar dates.

    Times are days since the baseline PHQ-9 (day 0).
    """

    pseudonym: str
    age_band: str
    sex: str
    diagnosis_code: str | None
    diagnosis_label: str | None
    clinician: str | None
    drug: str
    dose_mg: float | None
    baseline_phq9: int | None
    baseline_severity: str | None
    endpoint_phq9: int | None
    endpoint_day: int | None
    evaluable: bool
    response: bool | None
    remission: bool | None
    days_to_response: int | None
    responded: bool
    course_follow_up_days: int | None
    n_phq9: int
    n_gad7: int
    trajectory_days: tuple[int, ...]
    trajectory_phq9: tuple[int, ...]
    cluster: str | None = None

    @property
    def change_phq9(self) -> int | None:
        if self.baseline_phq9 is None or self.endpoint_phq9 is None:
            return None
        return self.endpoint_phq9 - self.baseline_phq9

    @property
    def percent_change(self) -> float | None:
        change = self.change_phq9
        if change is None or not self.baseline_phq9:
            return None
        return 100.0 * change / self.baseline_phq9


@dataclass(frozen=True)
class DrugOutcome:
    """Response and remission of one drug's index courses (evaluable patients), with Wilson 95% intervals."""

    drug: str
    n_patients: int
    n_evaluable: int
    response: Proportion
    remission: Proportion
    median_follow_up_weeks: float | None


@dataclass(frozen=True)
class TrajectoryCluster:
    """One k-means cluster. ``label`` is neutral ("Cluster A"): it is also each member's cluster, and a member need
    not share the average shape (a non-responder can sit in a cluster whose mean course responds). ``shape`` names
    the mean course (:func:`~novamind_core.analytics.cohort_stats.shape_label`); ``n_responded`` of ``n_evaluable``
    members responded at the end of their course, as the patient table's Response column says."""

    label: str
    n: int
    relative_centroid: tuple[float, ...]  # PHQ-9 / baseline at the grid weeks
    mean_phq9: tuple[float, ...]  # mean PHQ-9 points of the members at the grid weeks
    shape: str = ""
    n_responded: int = 0
    n_evaluable: int = 0

    @property
    def description(self) -> str:
        """What the cluster's members did, in words ("mean course: responders; mean change -58% by week 24; 9 of 12
        evaluable members responded at the end of their course")."""
        change = 100.0 * (self.relative_centroid[-1] - 1.0) if self.relative_centroid else 0.0
        shape = f"mean course: {self.shape}; " if self.shape else ""
        return (f"{shape}mean change {change:+.0f}% by the last week; {self.n_responded} of {self.n_evaluable} "
                "evaluable members responded at the end of their course")


@dataclass(frozen=True)
class TrajectoryClusters:
    grid_weeks: tuple[float, ...]
    clusters: tuple[TrajectoryCluster, ...]
    n_clustered: int
    n_excluded: int  # fewer than MIN_TRAJECTORY_SCORES PHQ-9 scores or no baseline
    seed: int


@dataclass(frozen=True)
class CompletenessItem:
    name: str
    n_with: int
    n_total: int

    @property
    def fraction(self) -> float | None:
        return self.n_with / self.n_total if self.n_total else None


@dataclass(frozen=True)
class CohortView:
    """Everything the cohort page shows, for the filtered cohort (``n_total`` counts the whole cohort)."""

    filters: CohortFilters
    options: FilterOptions
    n_total: int
    patients: tuple[DeidentifiedPatient, ...]
    outcomes_by_drug: tuple[DrugOutcome, ...]
    overall: DrugOutcome
    time_to_response: tuple[KaplanMeierCurve, ...]  # overall first, then one per drug with >= 2 patients
    clusters: TrajectoryClusters
    completeness: tuple[CompletenessItem, ...]
    baseline_bands: dict[str, int] = field(default_factory=dict)
    endpoint_bands: dict[str, int] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.patients)


@dataclass(frozen=True)
class WhatIfArm:
    """One drug of a population what-if: the twin's prediction next to what this cohort observed on that drug."""

    drug: str
    dose_mg: float | None
    simulated_response: Proportion
    simulated_remission: Proportion
    simulated_mean_change_phq9: float
    observed: DrugOutcome | None


@dataclass(frozen=True)
class PopulationWhatIf:
    """Drug A vs drug B in virtual patients whose baseline PHQ-9 matches this cohort's (truncated normal fitted to
    the observed mean, SD and minimum)."""

    arms: tuple[WhatIfArm, ...]
    n_virtual: int
    weeks: int
    seed: int
    baseline_mean: float
    baseline_sd: float
    baseline_min: float
    n_baselines: int
    calibrated: bool
    note: str = "Decision support for research and demonstration; not a medical device."


@dataclass(frozen=True)
class CohortExport:
    """A de-identified export, ready to download."""

    filename: str
    media_type: str
    content: bytes = field(repr=False)
    n_patients: int
    n_rows: int


__all__ = [
    "CohortExport", "CohortFilters", "CohortView", "CompletenessItem", "DeidentifiedPatient", "DrugOutcome",
    "FilterOptions", "PopulationWhatIf", "TrajectoryCluster", "TrajectoryClusters", "WhatIfArm",
]
