"""Medication orders: one row per dose period of a drug.

A titration closes the current order (its ``stop_date`` is the change date) and opens a new one with the new dose,
linked through ``previous_id``; a stop closes it; a switch stops one drug and starts another. The history of a patient's
orders is therefore the dosing regimen the pharmacology and twin modules need.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from novamind_core.domain.errors import ValidationError

#: Largest single daily dose accepted, mg. Above every psychotropic label maximum in docs/science.md §3 (fluoxetine
#: 80 mg, bupropion 450 mg, quetiapine 800 mg, lithium ~2,400 mg/day is the usual upper bound); a guard against unit
#: errors.
MAX_DOSE_MG = 3000.0

DRUG_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9 /+-]{1,63}$")


class Frequency(str, Enum):
    """Dosing frequency, with the number of doses per day (weekly = 1/7)."""

    DAILY = "daily"
    NIGHTLY = "nightly"
    TWICE_DAILY = "twice daily"
    THREE_TIMES_DAILY = "three times daily"
    WEEKLY = "weekly"
    AS_NEEDED = "as needed"

    @property
    def doses_per_day(self) -> float:
        return {"daily": 1.0, "nightly": 1.0, "twice daily": 2.0, "three times daily": 3.0, "weekly": 1 / 7,
                "as needed": 0.0}[self.value]


class ChangeKind(str, Enum):
    """Why an order began: a new start, a dose change of the same drug, or a switch from another drug."""

    START = "start"
    TITRATE = "titrate"
    SWITCH = "switch"


def normalise_drug(drug: str) -> str:
    name = " ".join((drug or "").strip().lower().split())
    if not DRUG_NAME_PATTERN.match(name):
        raise ValidationError(f"drug name {drug!r} must be 2-64 letters, digits, spaces or -/+ (e.g. sertraline)",
                              field="drug", value=drug)
    return name


def validate_dose_mg(dose_mg: float) -> float:
    try:
        value = float(dose_mg)
    except (TypeError, ValueError):
        raise ValidationError(f"dose {dose_mg!r} must be a number of mg", field="dose_mg", value=dose_mg) from None
    if not (0 < value <= MAX_DOSE_MG):
        raise ValidationError(f"dose {dose_mg} mg must be above 0 and at most {MAX_DOSE_MG:g} mg", field="dose_mg",
                              value=dose_mg)
    return value


def format_dose(drug: str, dose_mg: float, frequency: Frequency | str) -> str:
    """``"sertraline 100 mg daily"`` (docs/ux.md: doses with units)."""
    freq = frequency.value if isinstance(frequency, Frequency) else frequency
    return f"{drug} {dose_mg:g} mg {freq}"


@dataclass(frozen=True)
class MedicationOrder:
    """One dose period of one drug. ``stop_date`` is ``None`` while it is active.

    ``start_reason``/``stop_reason`` and ``adherence_note`` are free text and PHI (encrypted at rest, not in repr).
    """

    id: int
    patient_id: int
    drug: str
    dose_mg: float
    frequency: Frequency
    start_date: date
    stop_date: date | None = None
    change_kind: ChangeKind = ChangeKind.START
    previous_id: int | None = None
    start_reason: str | None = field(default=None, repr=False)
    stop_reason: str | None = field(default=None, repr=False)
    adherence_note: str | None = field(default=None, repr=False)
    prescribed_by: int | None = None

    @property
    def active(self) -> bool:
        return self.stop_date is None

    @property
    def daily_dose_mg(self) -> float:
        return self.dose_mg * self.frequency.doses_per_day

    def describe(self) -> str:
        return format_dose(self.drug, self.dose_mg, self.frequency)
