"""Visits and the date the next assessments are due."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum


class VisitStatus(str, Enum):
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Visit:
    id: int
    patient_id: int
    scheduled_for: datetime
    clinician_id: int | None
    status: VisitStatus = VisitStatus.SCHEDULED
    note: str | None = field(default=None, repr=False)


def is_overdue(today: date, last_assessed_on: date | None, next_assessment_due: date | None,
               overdue_assessment_days: int, registered_on: date | None = None) -> bool:
    """Whether a patient's assessments are overdue.

    Overdue when the booked due date has passed; without a booked date, when the last assessment (or, with none, the
    registration date) is more than ``overdue_assessment_days`` ago (settings; default 28 days, monthly
    measurement-based care).
    """
    if next_assessment_due is not None:
        return next_assessment_due < today
    anchor = last_assessed_on or registered_on
    if anchor is None:
        return True
    return today - anchor > timedelta(days=overdue_assessment_days)
