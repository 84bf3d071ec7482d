"""The clinic outcome report (the clinic lead's view model): frozen results, no patient identifiers.

Built by :func:`novamind_core.analytics.clinic_report.build_outcome_report`; returned by
``OutcomeService.report``. Every rate is an :class:`~novamind_core.analytics.outcome_stats.OutcomeRate` (Wilson 95%
interval, ``suppressed`` when a count from 1 to 4 would be shown). ``to_json()`` is the ``outcomes --json``
contract (docs/outcomes.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from novamind_core.analytics.cohort_stats import KaplanMeierCurve
from novamind_core.analytics.outcome_stats import FunnelLimits, ObservedExpected, OutcomeRate

STANDARDS = ("talking_therapies", "us")
GROUPINGS = ("clinician", "drug", "diagnosis")
PERIODS = ("month", "quarter")


@dataclass(frozen=True)
class MeasureDefinition:
    """One outcome measure: its key (``rates`` are labelled with it), plain name, definition and source."""

    key: str
    name: str
    definition: str
    source: str


@dataclass(frozen=True)
class GroupOutcomes:
    """Outcome figures of one group (the whole clinic, a clinician, a drug or a diagnosis).

    ``episodes``: episodes counted in the period (closed in it for Talking Therapies; with a 6- or 12-month window
    ending in it for the US measures); ``completeness``: those with a baseline and a final score / ``episodes``;
    ``rates``: one per measure, in :attr:`OutcomeReport.definitions` order, each labelled with its measure key.
    """

    label: str
    episodes: int
    completeness: OutcomeRate
    rates: tuple[OutcomeRate, ...]

    def rate(self, key: str) -> OutcomeRate:
        return next(r for r in self.rates if r.label == key)


@dataclass(frozen=True)
class PeriodOutcomes:
    """Rates of every measure among the episodes counted in one month or quarter (``label`` "2026-03" / "2026-Q1")."""

    label: str
    start: date
    end: date
    episodes: int
    rates: tuple[OutcomeRate, ...]


@dataclass(frozen=True)
class MeasurementCompletion:
    """Measurement in one period: questionnaire requests due and completed (step 10), and scores entered by a
    clinician or by the patient (remote link or kiosk)."""

    label: str
    requested: int
    completed: int
    completion: OutcomeRate
    clinician_entered: int
    patient_entered: int


@dataclass(frozen=True)
class FunnelPoint:
    """One clinician on the funnel plots: raw rate against episodes, and case-mix O/E against expected count.

    ``position`` / ``oe_position``: "within", "above 95%", ... (``outcome_stats.funnel_position``); the O/E limits
    are the exact Poisson-binomial ones for this clinician's episodes. ``suppressed``: fewer than 5 episodes or
    outcomes, shown as "<5".
    """

    label: str
    rate: OutcomeRate
    position: str
    oe: ObservedExpected
    oe_lower_95: float
    oe_upper_95: float
    oe_lower_998: float
    oe_upper_998: float
    oe_position: str

    @property
    def suppressed(self) -> bool:
        return self.rate.suppressed


@dataclass(frozen=True)
class FunnelData:
    """Funnel plots for one measure: the raw funnel (limits around the clinic's rate, over ``raw_limits.x``
    episodes) and the case-mix-adjusted funnel (O/E around 1 over ``oe_limits.x`` expected outcomes)."""

    measure: str
    target: float
    raw_limits: FunnelLimits
    oe_limits: FunnelLimits
    points: tuple[FunnelPoint, ...]
    assumptions: str


@dataclass(frozen=True)
class OutcomeReport:
    """Everything the outcomes page and ``outcomes --json`` show for one standard and period.

    ``scope`` is "clinic" (clinic lead, admin: every clinician) or "own" (a clinician: their own episodes only).
    ``funnel`` is None when fewer than two clinicians have episodes or the clinic's rate is 0 or 1;
    ``funnel_note`` then says why.
    """

    standard: str
    start: date
    end: date
    by: str | None
    period: str
    scope: str
    clinic_name: str
    definitions: tuple[MeasureDefinition, ...]
    overall: GroupOutcomes
    groups: tuple[GroupOutcomes, ...]
    over_time: tuple[PeriodOutcomes, ...]
    measurement: tuple[MeasurementCompletion, ...]
    time_to_response: KaplanMeierCurve | None
    funnel: FunnelData | None
    funnel_note: str
    episode_gap_days: int
    synthetic_data: bool

    def to_json(self) -> dict[str, object]:
        from novamind_core.analytics.clinic_report_json import report_json

        return report_json(self)
