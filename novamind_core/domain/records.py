"""Frozen result types returned by the services (standard library only, like the domain)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from novamind_core.domain.alerts import Alert
from novamind_core.domain.assessments import ChangeSummary, Instrument
from novamind_core.domain.medications import MedicationOrder
from novamind_core.domain.patients import Diagnosis, Patient
from novamind_core.domain.reporting import AssessmentSource, MeasurementState
from novamind_core.domain.visits import Visit


@dataclass(frozen=True)
class AssessmentRecord:
    """A stored assessment (item-level answers, total and band)."""

    id: int
    patient_id: int
    instrument: Instrument
    administered_on: date
    answers: tuple[int, ...]
    total: int
    severity: str
    item9_positive: bool
    recorded_at: datetime
    recorded_by: int | None
    source: AssessmentSource = AssessmentSource.CLINICIAN
    completed_at: datetime | None = None  # when the patient finished (remote link or kiosk)
    extra_answers: tuple[int, ...] = ()  # unscored extra items (PHQ-9 item 10, MDQ 2-3); ``answers`` are the scored

    @property
    def all_answers(self) -> tuple[int, ...]:
        """The scored items' answers, then any unscored extra items' (the flowsheet, FHIR export, risk review)."""
        return tuple(self.answers) + tuple(self.extra_answers)

    @property
    def answers_available(self) -> bool:
        """False for a total-only assessment (imported with its total and no item answers: ``answers == ()``;
        no item-9 alert can be derived from it)."""
        return bool(self.answers)


@dataclass(frozen=True)
class AssessmentResult:
    """What :meth:`AssessmentService.record` returns: the stored assessment, the alerts it raised and the change."""

    assessment: AssessmentRecord
    alerts: tuple[Alert, ...]
    change_from_baseline: ChangeSummary | None
    change_from_previous: ChangeSummary | None


@dataclass(frozen=True)
class CaseloadRow:
    """One caseload line (decrypted only for rows on the current page)."""

    patient_id: int
    mrn: str = field(repr=False)
    given_name: str = field(repr=False)
    family_name: str = field(repr=False)
    age_years: int
    sex_at_birth: str
    status: str
    primary_diagnosis: Diagnosis | None
    phq9_latest: int | None
    phq9_previous: int | None
    phq9_severity: str | None
    phq9_latest_on: date | None
    gad7_latest: int | None
    gad7_previous: int | None
    gad7_severity: str | None
    gad7_latest_on: date | None
    last_assessed_on: date | None
    days_since_assessment: int | None
    overdue: bool
    next_visit_at: datetime | None
    next_assessment_due: date | None
    open_alerts: int
    item9_alert: bool
    active_medications: tuple[str, ...]
    questionnaires: MeasurementState = MeasurementState.NO_PLAN  # domain.reporting.measurement_state, as on the chart

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def phq9_trend(self) -> str | None:
        """"up" (worse), "down" (better), "flat", or None without two scores."""
        return _trend(self.phq9_latest, self.phq9_previous)

    @property
    def gad7_trend(self) -> str | None:
        return _trend(self.gad7_latest, self.gad7_previous)


def _trend(latest: int | None, previous: int | None) -> str | None:
    if latest is None or previous is None:
        return None
    return "up" if latest > previous else "down" if latest < previous else "flat"


@dataclass(frozen=True)
class CaseloadPage:
    rows: tuple[CaseloadRow, ...]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class OutcomeSummary:
    """Baseline vs current for one instrument, with the plain-language sentence (docs/ux.md)."""

    instrument: Instrument
    baseline_total: int
    baseline_on: date
    current_total: int
    current_on: date
    weeks: float
    change: ChangeSummary
    sentence: str


@dataclass(frozen=True)
class ChartSummary:
    """Everything the patient page header and summary cards need, in one call."""

    patient: Patient
    care_team_names: tuple[str, ...]
    age_years: int
    active_medications: tuple[MedicationOrder, ...]
    latest: dict[str, AssessmentRecord]  # instrument value -> latest assessment
    outcomes: dict[str, OutcomeSummary]  # instrument value -> outcome vs baseline
    open_alerts: tuple[Alert, ...]
    next_visit: Visit | None
    next_assessment_due: date | None
    overdue: bool
    weeks_on_current_treatment: float | None


@dataclass(frozen=True)
class TimelineEvent:
    """One dated entry of the chart timeline (assessments, medication changes, notes, visits, alerts)."""

    on: date
    kind: str  # "assessment", "medication", "note", "visit", "alert"
    title: str = field(repr=False)
    detail: str = field(repr=False, default="")
    ref_id: int | None = None


@dataclass(frozen=True)
class CaseloadView:
    """The caseload page's view model: one page of rows, and whether any search or filter was applied."""

    page: CaseloadPage
    filtered: bool

    @property
    def rows(self) -> tuple[CaseloadRow, ...]:
        return self.page.rows

    @property
    def patients_with_alerts(self) -> int:
        """Patients on this page with an open alert (item 9 included)."""
        return sum(1 for r in self.page.rows if r.open_alerts or r.item9_alert)


@dataclass(frozen=True)
class UserAccount:
    """A user as the admin screens see it (never the password hash)."""

    id: int
    username: str
    display_name: str
    role: str
    active: bool
    locked_until: datetime | None
    failed_attempts: int
    created_at: datetime
    last_sign_in_at: datetime | None
    patient_count: int = 0  # active (not discharged) patients on the care team, as the caseload lists them
    trainee: bool = False  # a clinician whose signed notes wait for a co-signature (services/notes.py)


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    user_id: int | None
    username: str
    role: str
    action: str
    patient_id: int | None
    outcome: str
    detail: str
    channel: str = ""  # web | cli | worker ("" on rows from before migration 0005)


@dataclass(frozen=True)
class RotationReport:
    """Outcome of a key rotation run: per table, rows examined and values re-encrypted."""

    rows_examined: int
    values_rotated: int
    values_already_current: int
    per_table: dict[str, int]
    complete: bool
