"""What the outcome repository hands the outcome service: per-patient episode inputs, questionnaire requests and
measurement events, and the billing rule that turns measurement events into billable units (CPT 96127).

Standard library only. ``docs/outcomes.md`` describes the figures built from these records.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from novamind_core.domain.episodes import ScoredContact
from novamind_core.domain.errors import ValidationError
from novamind_core.domain.instruments import Instrument
from novamind_core.domain.spreadsheet import safe_cell

UNASSIGNED = "unassigned"
"""Group label of an episode whose patient has no clinician on the care team (or no drug, or no diagnosis)."""


@dataclass(frozen=True, slots=True)
class MeasuredScore:
    """One scored questionnaire as stored: instrument, date, total and who entered it (``AssessmentSource`` value:
    clinician, patient_remote, kiosk, import)."""

    instrument: Instrument
    taken_on: date
    total: int
    source: str = "clinician"

    @property
    def contact(self) -> ScoredContact:
        return ScoredContact(self.instrument, self.taken_on, self.total)


@dataclass(frozen=True, slots=True)
class DrugPeriod:
    """One medication order's drug and the dates it ran (``stopped_on`` None while it runs)."""

    drug: str
    started_on: date
    stopped_on: date | None = None

    def active_on(self, day: date) -> bool:
        return self.started_on <= day and (self.stopped_on is None or day < self.stopped_on)


@dataclass(frozen=True, slots=True)
class ClinicianRef:
    """A member of staff who carries a caseload (a clinician or a clinic lead): id and display name (not PHI)."""

    id: int
    display_name: str


@dataclass(frozen=True, slots=True)
class PatientOutcomeInputs:
    """Everything the episode and outcome rules need about one patient, and nothing identifiable.

    ``clinician_id`` is the care-team member an episode is attributed to: the lowest user id among the care team's
    clinicians and clinic leads (None when the team has none). ``scores`` are in date order.
    """

    patient_id: int
    registered_on: date | None
    discharged_on: date | None
    clinician_id: int | None
    primary_diagnosis: str | None
    cyp2d6: str | None
    cyp2c19: str | None
    drugs: tuple[DrugPeriod, ...] = ()
    scores: tuple[MeasuredScore, ...] = ()

    def index_drug(self, opened_on: date, closed_on: date | None) -> str | None:
        """The drug of an episode: the one running on the day it opened, else the first started during it."""
        running = [d for d in self.drugs if d.active_on(opened_on)]
        if running:
            return max(running, key=lambda d: d.started_on).drug
        later = [d for d in self.drugs
                 if d.started_on >= opened_on and (closed_on is None or d.started_on <= closed_on)]
        return min(later, key=lambda d: d.started_on).drug if later else None


@dataclass(frozen=True, slots=True)
class QuestionnaireRequestFact:
    """One questionnaire request (step 10): its patient, due date and whether the patient completed it."""

    patient_id: int
    due_on: date
    completed: bool


@dataclass(frozen=True, slots=True)
class MeasurementEvent:
    """A documented measurement: an administered and scored instrument, attached to the visit of that day.

    ``interpretation`` is the instrument's severity band; ``action_taken`` is what the record shows was done the
    same day (an urgent alert raised, a medication started or changed, or the score reviewed); ``visit_id`` is the
    patient's visit on that date (None when the score came without a visit, e.g. a remote questionnaire).
    """

    patient_id: int
    mrn: str = field(repr=False)
    taken_on: date
    instrument: Instrument
    total: int
    interpretation: str
    action_taken: str
    source: str
    visit_id: int | None
    clinician_id: int | None

    def note_line(self) -> str:
        """One line a visit note can include: instrument, score, interpretation and action."""
        spec = self.instrument.spec
        return (f"{self.instrument.value} administered and scored {self.taken_on.isoformat()}: total "
                f"{self.total}/{spec.max_total} ({self.interpretation}); action: {self.action_taken}.")


CPT_BRIEF_EMOTIONAL_BEHAVIOURAL_ASSESSMENT = "96127"
"""CPT 96127: brief emotional/behavioural assessment with scoring and documentation, per standardized instrument."""
DEFAULT_UNITS_CAP_PER_ENCOUNTER = 4
"""A common payer limit of 96127 units per encounter (payers differ: pass theirs as ``cap_per_encounter``)."""


@dataclass(frozen=True, slots=True)
class BillableEvent:
    """One billable line: one unit of CPT 96127 for one instrument, for one patient on one date.

    ``billed`` is False for units over the per-encounter cap (listed, so the biller sees what was left out).
    """

    patient_id: int
    mrn: str = field(repr=False)
    service_date: date
    instrument: Instrument
    total: int
    interpretation: str
    action_taken: str
    visit_id: int | None
    units: int
    billed: bool
    cpt: str = CPT_BRIEF_EMOTIONAL_BEHAVIOURAL_ASSESSMENT


def billable_events(events: Iterable[MeasurementEvent], cap_per_encounter: int = DEFAULT_UNITS_CAP_PER_ENCOUNTER
                    ) -> tuple[BillableEvent, ...]:
    """One unit per administered and scored instrument per patient per date; units past the cap are not billed.

    An encounter is one patient on one date. An instrument scored twice on the same date is one unit (the last
    score is documented). Within an encounter instruments are billed in :class:`Instrument` order.

    Raises
    ------
    ValidationError
        ``cap_per_encounter`` not a whole number from 1 to 20.
    """
    cap = cap_per_encounter
    if isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap <= 20:
        raise ValidationError(f"the per-encounter cap must be a whole number of units from 1 to 20 "
                              f"(got {cap_per_encounter!r})", field="cap_per_encounter", value=cap_per_encounter)
    order = {i: n for n, i in enumerate(Instrument)}
    by_encounter: dict[tuple[int, date], dict[Instrument, MeasurementEvent]] = {}
    for e in events:
        by_encounter.setdefault((e.patient_id, e.taken_on), {})[e.instrument] = e
    out: list[BillableEvent] = []
    for (_pid, day), chosen in sorted(by_encounter.items()):
        for n, event in enumerate(sorted(chosen.values(), key=lambda e: order[e.instrument])):
            out.append(BillableEvent(patient_id=event.patient_id, mrn=event.mrn, service_date=day,
                                     instrument=event.instrument, total=event.total,
                                     interpretation=event.interpretation, action_taken=event.action_taken,
                                     visit_id=event.visit_id, units=1, billed=n < cap_per_encounter))
    return tuple(out)


BILLING_CSV_COLUMNS = ("mrn", "service_date", "cpt", "units", "instrument", "score", "interpretation",
                       "action_taken", "visit_id", "billed")


def _cell(value: object) -> str:
    """Neutralise spreadsheet formulae (:func:`novamind_core.domain.spreadsheet.safe_cell`); None is blank."""
    return str(safe_cell("" if value is None else str(value)))


def billing_csv_text(events: Sequence[BillableEvent]) -> str:
    """The billing export: one line per unit, for the clinic's billing system (identifiable: MRN)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(BILLING_CSV_COLUMNS)
    for e in events:
        writer.writerow([_cell(e.mrn), e.service_date.isoformat(), e.cpt, e.units, e.instrument.value, e.total,
                         _cell(e.interpretation), _cell(e.action_taken), e.visit_id or "",
                         "yes" if e.billed else "no (over the per-encounter cap)"])
    return buffer.getvalue()
