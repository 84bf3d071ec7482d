"""Identified cohort records: what the cohort repository loads for the de-identified analytics (stdlib only).

These hold identifiers (the MRN, the date of birth, database ids) and are never shown or exported as they are:
:func:`novamind_core.analytics.cohort_outcomes.summarise` turns each into a de-identified summary, and
:mod:`novamind_core.interop.deidentified` writes exports with pseudonyms and shifted dates. Free text (medication
reasons, notes) is never loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class IdentifiedAssessment:
    """One assessment as loaded (instrument name, date, total, item answers)."""

    instrument: str
    on: date
    total: int
    answers: tuple[int, ...]


@dataclass(frozen=True)
class IdentifiedOrder:
    """One medication order as loaded (no free text)."""

    id: int
    drug: str
    dose_mg: float
    frequency: str
    start: date
    stop: date | None
    change_kind: str
    previous_id: int | None


@dataclass(frozen=True)
class IdentifiedPatient:
    """One patient as loaded (identifiers included): never returned or exported as is.

    ``dx`` is the primary diagnosis (code, label); ``clinician_id`` the lowest-id clinician on the care team;
    assessments and orders are in date order.
    """

    id: int
    mrn: str
    dob: date
    sex: str
    dx: tuple[str, str] | None = None
    clinician_id: int | None = None
    assessments: tuple[IdentifiedAssessment, ...] = ()
    orders: tuple[IdentifiedOrder, ...] = ()


@dataclass(frozen=True)
class ActiveClinician:
    """An active patient and the first active clinician on their care team (the demo seed acts as them)."""

    patient_id: int
    clinician_id: int
    username: str
    display_name: str


__all__ = ["ActiveClinician", "IdentifiedAssessment", "IdentifiedOrder", "IdentifiedPatient"]
