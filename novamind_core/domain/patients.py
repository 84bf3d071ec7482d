"""Patients: identity, demographics, diagnoses, status and care team.

Standard library only. PHI fields are declared ``field(repr=False)`` so that a patient printed into a log or a
traceback shows its id and status but never its name, MRN, date of birth or contact details.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum

from novamind_core.domain.dates import day_month_year
from novamind_core.domain.errors import ValidationError

#: MRN: 4-32 characters, letters, digits and hyphens, starting with a letter or digit; stored upper-case.
#: Source: local convention (EHR MRNs vary by site; the FHIR Patient.identifier system names the issuer).
MRN_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{3,31}$")

#: ICD-10 code: a letter, two digits (the third may be A/B in a few categories), optionally a dot and 1-4 characters,
#: e.g. ``F32.1``, ``F33.0``, ``F41.1``. Source: WHO ICD-10 (2019) code structure; ``U`` is reserved.
ICD10_PATTERN = re.compile(r"^[A-TV-Z][0-9][0-9AB](\.[0-9A-Z]{1,4})?$")

#: Oldest plausible age, years (the oldest verified human lifespan is 122 y: Jeanne Calment).
MAX_AGE_YEARS = 125

MAX_NAME_LENGTH = 100


class SexAtBirth(str, Enum):
    """Sex assigned at birth (FHIR AdministrativeGender values)."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class PatientStatus(str, Enum):
    ACTIVE = "active"
    DISCHARGED = "discharged"


class MetaboliserPhenotype(str, Enum):
    """CPIC metaboliser phenotype terms (Caudle et al. 2017, Genet Med 19:215, doi:10.1038/gim.2016.87)."""

    POOR = "poor"
    INTERMEDIATE = "intermediate"
    NORMAL = "normal"
    RAPID = "rapid"
    ULTRARAPID = "ultrarapid"


@dataclass(frozen=True)
class Diagnosis:
    """An ICD-10 diagnosis: code (e.g. ``F32.1``) and its label (e.g. "Moderate depressive episode")."""

    code: str
    label: str
    primary: bool = False

    def __post_init__(self) -> None:
        code = (self.code or "").strip().upper()
        if not ICD10_PATTERN.match(code):
            raise ValidationError(
                f"diagnosis code {self.code!r} is not an ICD-10 code (e.g. F32.1)",
                field="diagnosis_code",
                value=self.code,
            )
        object.__setattr__(self, "code", code)
        label = (self.label or "").strip()
        if not label or len(label) > 200:
            raise ValidationError("diagnosis label must be 1-200 characters", field="diagnosis_label", value=self.label)
        object.__setattr__(self, "label", label)


@dataclass(frozen=True)
class Contact:
    """How to reach the patient. Every field is PHI."""

    phone: str | None = field(default=None, repr=False)
    email: str | None = field(default=None, repr=False)
    address: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.email is not None and self.email.strip() and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", self.email):
            raise ValidationError("email is not a valid address (name@example.org)", field="email", value="<redacted>")
        if self.phone is not None and self.phone.strip() and not re.match(r"^\+?[0-9 ()-]{6,20}$", self.phone):
            raise ValidationError("phone must be 6-20 digits, spaces, brackets or hyphens", field="phone",
                                  value="<redacted>")


def normalise_mrn(mrn: str) -> str:
    """Return the MRN upper-cased and trimmed, or raise :class:`ValidationError` naming the field and the rule."""
    value = (mrn or "").strip().upper()
    if not MRN_PATTERN.match(value):
        raise ValidationError(
            f"MRN {mrn!r} must be 4-32 letters, digits or hyphens (e.g. NM-000123)", field="mrn", value=mrn
        )
    return value


def validate_name(value: str, field_name: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise ValidationError(f"{field_name.replace('_', ' ')} is required", field=field_name, value=value)
    if len(text) > MAX_NAME_LENGTH:
        raise ValidationError(f"{field_name.replace('_', ' ')} must be at most {MAX_NAME_LENGTH} characters",
                              field=field_name, value="<redacted>")
    return text


def validate_date_of_birth(dob: date, today: date | None = None) -> date:
    """Check that the date of birth is a date, not in the future and at most :data:`MAX_AGE_YEARS` ago."""
    today = today or date.today()
    if isinstance(dob, datetime) or not isinstance(dob, date):
        raise ValidationError("date of birth must be a date (YYYY-MM-DD)", field="date_of_birth", value=dob)
    if dob > today:
        raise ValidationError(f"date of birth {day_month_year(dob)} is in the future", field="date_of_birth",
                              value=dob.isoformat())
    if today.year - dob.year > MAX_AGE_YEARS:
        raise ValidationError(f"date of birth {day_month_year(dob)} is more than {MAX_AGE_YEARS} years ago",
                              field="date_of_birth", value=dob.isoformat())
    return dob


def parse_enum(enum_type: type[Enum], value: object, field_name: str) -> Enum | None:
    """Return ``enum_type(value)`` (``None`` stays ``None``), or raise ValidationError listing the allowed values."""
    if value is None or value == "":
        return None
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in enum_type)  # type: ignore[attr-defined]
        raise ValidationError(f"{field_name.replace('_', ' ')} {value!r} is not one of: {allowed}", field=field_name,
                              value=value) from None


def age_in_years(dob: date, on: date) -> int:
    """Completed years between ``dob`` and ``on`` (birthday counted on the day)."""
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


@dataclass(frozen=True)
class Patient:
    """A patient's chart header. ``version`` is the optimistic-locking counter (pass it back on update)."""

    id: int
    mrn: str = field(repr=False)
    given_name: str = field(repr=False)
    family_name: str = field(repr=False)
    date_of_birth: date = field(repr=False)
    sex_at_birth: SexAtBirth
    gender_identity: str | None = field(default=None, repr=False)
    contact: Contact = field(default_factory=Contact, repr=False)
    diagnoses: tuple[Diagnosis, ...] = ()
    status: PatientStatus = PatientStatus.ACTIVE
    care_team: tuple[int, ...] = ()
    cyp2d6: MetaboliserPhenotype | None = None
    cyp2c19: MetaboliserPhenotype | None = None
    version: int = 1
    created_at: datetime | None = None
    discharged_on: date | None = None

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def primary_diagnosis(self) -> Diagnosis | None:
        for diagnosis in self.diagnoses:
            if diagnosis.primary:
                return diagnosis
        return self.diagnoses[0] if self.diagnoses else None

    def age_years(self, on: date | None = None) -> int:
        return age_in_years(self.date_of_birth, on or date.today())
