"""What a user chose in a form or a row of controls, as frozen values (no dict crosses from form to service).

Each form in :mod:`components.shared.forms` returns one of these when submitted (or None); the page passes its
fields to the one service call by name. Values are as entered: the services validate them and raise
ValidationError naming the field, which the page shows next to the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from novamind_core.domain.patients import Diagnosis


@dataclass(frozen=True)
class PatientRegistration:
    """The register-a-patient form: identity, sex at birth, optional contact and one optional primary diagnosis."""

    mrn: str
    given_name: str
    family_name: str
    date_of_birth: date
    sex_at_birth: str
    gender_identity: str | None = None
    phone: str | None = None
    diagnosis_code: str | None = None  # upper-cased ICD-10 code as typed; None when left empty
    diagnosis_label: str = ""

    def diagnoses(self) -> tuple[Diagnosis, ...]:
        """The primary diagnosis as entered (none without a code); raises ValidationError for a malformed code."""
        if self.diagnosis_code is None:
            return ()
        return (Diagnosis(self.diagnosis_code, self.diagnosis_label, primary=True),)


@dataclass(frozen=True)
class MedicationStart:
    """Start a drug: dose in mg (0 when left empty, which the service refuses), frequency, start date, reason."""

    drug: str
    dose_mg: float
    frequency: str
    start_date: date | None
    reason: str | None = None


@dataclass(frozen=True)
class MedicationChange:
    """Titrate (``stop`` False, a new dose in mg) or stop an active order from ``on``; a reason is required."""

    order_id: int
    stop: bool
    new_dose_mg: float | None
    on: date | None
    reason: str


@dataclass(frozen=True)
class VisitBooking:
    """The next visit (aware date and time in the clinic's time zone), when scores are next due, and a note."""

    scheduled_for: datetime
    next_assessment_due: date | None
    note: str | None = None


@dataclass(frozen=True)
class CaseloadControls:
    """The caseload page's search, severity filters, ordering and toggles (``descending`` follows the sort key)."""

    search: str | None
    severities: tuple[str, ...]
    sort: str
    only_alerts: bool
    only_overdue: bool
    descending: bool
    only_questionnaires_overdue: bool = False


__all__ = ["CaseloadControls", "MedicationChange", "MedicationStart", "PatientRegistration",
           "VisitBooking"]
