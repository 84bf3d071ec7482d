"""What an import file contains once parsed and validated: frozen records, no database.

A :class:`ClinicalBatch` is what every importer (FHIR Bundle, assessment CSV, medication CSV, wearable files)
returns; :class:`novamind_core.services.imports.ImportService` checks it against the stored record and writes it in
one transaction. ``row`` fields point back into the file (CSV row as a spreadsheet shows it, or FHIR entry number)
so a problem found later (e.g. a duplicate of a stored assessment) is still reported with its row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from novamind_core.biometrics.problems import Problem
from novamind_core.domain.assessments import Instrument
from novamind_core.domain.medications import Frequency
from novamind_core.domain.patients import Contact, Diagnosis, SexAtBirth
from novamind_core.domain.wearables import DailySummary


@dataclass(frozen=True)
class PatientEntry:
    """Demographics from a FHIR Patient (used to register the patient when the MRN is new)."""

    mrn: str = field(repr=False)
    given_name: str = field(repr=False)
    family_name: str = field(repr=False)
    date_of_birth: date = field(repr=False)
    sex_at_birth: SexAtBirth = SexAtBirth.UNKNOWN
    contact: Contact = field(default_factory=Contact, repr=False)
    row: int | None = None
    gender_identity: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class AssessmentEntry:
    """One completed questionnaire: item answers in item order (validated against the instrument).

    A *total-only* entry (``answers == ()`` and ``stated_total`` set) is what most EHR exports hold for past
    questionnaires: a PHQ-9/GAD-7/ISI total with no item answers. It is stored with its total and band; item 9 is
    unknown, so no self-harm alert can be derived from it.
    """

    instrument: Instrument
    administered_on: date
    answers: tuple[int, ...] = field(repr=False)
    row: int | None = None
    stated_total: int | None = None

    @property
    def answers_available(self) -> bool:
        return bool(self.answers)

    @property
    def total(self) -> int:
        if not self.answers and self.stated_total is not None:
            return self.stated_total
        return sum(self.answers)

    @property
    def key(self) -> tuple:
        """Identity for duplicate detection: the same instrument, date and answers is the same assessment (a
        total-only one: the same instrument, date and total)."""
        if not self.answers:
            return (self.instrument.value, self.administered_on, (), self.total)
        return (self.instrument.value, self.administered_on, self.answers)


@dataclass(frozen=True)
class MedicationEntry:
    """One dose period of one catalogue drug (``stop_date`` None while active)."""

    drug: str
    dose_mg: float
    frequency: Frequency
    start_date: date
    stop_date: date | None = None
    start_reason: str | None = field(default=None, repr=False)
    stop_reason: str | None = field(default=None, repr=False)
    row: int | None = None

    @property
    def key(self) -> tuple[str, date, float]:
        return (self.drug, self.start_date, round(self.dose_mg, 6))


@dataclass(frozen=True, eq=False)
class MinuteDays:
    """Whole local days of minute counts: ``counts[d, m]`` for day ``start_day + d``, minute ``m`` (NaN = no data)."""

    start_day: date
    counts: np.ndarray = field(repr=False)

    @property
    def n_days(self) -> int:
        return int(self.counts.shape[0])

    @property
    def last_day(self) -> date:
        from datetime import timedelta

        return self.start_day + timedelta(days=self.n_days - 1)


@dataclass(frozen=True)
class DailyEntry:
    """One day of device summaries (units: steps/day, minutes asleep, bpm, RMSSD ms); None where not measured."""

    day: date
    steps: int | None = None
    sleep_minutes: float | None = None
    resting_hr: float | None = None
    hrv_rmssd: float | None = None
    row: int | None = None

    def summary(self, source: str) -> DailySummary:
        """This day as stored, from device ``source``."""
        return DailySummary(self.day, source, self.steps, self.sleep_minutes, self.resting_hr, self.hrv_rmssd)


@dataclass(frozen=True, eq=False)
class ClinicalBatch:
    """Everything one file would add. ``notes`` are reported but do not block (e.g. resources not imported)."""

    kind: str
    source: str
    patient: PatientEntry | None = None
    diagnoses: tuple[Diagnosis, ...] = ()
    assessments: tuple[AssessmentEntry, ...] = ()
    medications: tuple[MedicationEntry, ...] = ()
    minute_days: MinuteDays | None = None
    daily: tuple[DailyEntry, ...] = ()
    device_source: str = "import"
    notes: tuple[Problem, ...] = ()

    def counts(self) -> dict[str, int]:
        """What will be written, in words for the preview (zero counts left out)."""
        out = {
            "patient": 1 if self.patient is not None else 0,
            "diagnoses": len(self.diagnoses),
            "assessments": len(self.assessments),
            "medication orders": len(self.medications),
            "days of minute activity": self.minute_days.n_days if self.minute_days is not None else 0,
            "days of daily summaries": len(self.daily),
        }
        return {k: v for k, v in out.items() if v}

    def date_range(self) -> tuple[date, date] | None:
        days: list[date] = [a.administered_on for a in self.assessments]
        days += [m.start_date for m in self.medications] + [m.stop_date for m in self.medications if m.stop_date]
        days += [d.day for d in self.daily]
        if self.minute_days is not None:
            days += [self.minute_days.start_day, self.minute_days.last_day]
        return (min(days), max(days)) if days else None

    @property
    def empty(self) -> bool:
        return not self.counts()
