from __future__ import annotations

from datetime import date

import pytest

from novamind_core.domain.errors import ValidationError
from novamind_core.domain.patients import (
    Contact,
    Diagnosis,
    Patient,
    SexAtBirth,
    age_in_years,
    normalise_mrn,
    validate_date_of_birth,
)


def _patient() -> Patient:
    return Patient(id=7, mrn="NM-000007", given_name="Zebediah", family_name="Quuxington",
                   date_of_birth=date(1980, 2, 3), sex_at_birth=SexAtBirth.FEMALE,
                   contact=Contact(phone="+44 7700 900123", email="z@example.invalid", address="1 Lane"),
                   diagnoses=(Diagnosis("F41.1", "GAD"), Diagnosis("f32.1", "Moderate depressive episode", True)))


def test_patient_repr_shows_no_phi():
    text = repr(_patient())
    for phi in ("Zebediah", "Quuxington", "NM-000007", "1980", "7700", "example.invalid"):
        assert phi not in text
    assert "id=7" in text


def test_primary_diagnosis_is_the_one_flagged_primary():
    assert _patient().primary_diagnosis.code == "F32.1"


@pytest.mark.parametrize("code", ["F32", "F32.1", "F33.10", "Z63.0", "F10.20"])
def test_valid_icd10_codes_are_accepted(code):
    assert Diagnosis(code, "label").code == code


@pytest.mark.parametrize("code", ["", "32.1", "F3", "FF32", "U07.1", "F32.12345"])
def test_invalid_icd10_codes_name_the_field_and_value(code):
    with pytest.raises(ValidationError) as err:
        Diagnosis(code, "label")
    assert err.value.field == "diagnosis_code" and err.value.value == code


def test_mrn_is_normalised_to_upper_case_and_checked():
    assert normalise_mrn(" nm-000123 ") == "NM-000123"
    with pytest.raises(ValidationError, match="MRN") as err:
        normalise_mrn("a b")
    assert err.value.field == "mrn"


def test_date_of_birth_in_the_future_is_refused():
    with pytest.raises(ValidationError, match="in the future") as err:
        validate_date_of_birth(date(2026, 3, 13), today=date(2026, 3, 12))
    assert err.value.field == "date_of_birth"
    assert validate_date_of_birth(date(2026, 3, 12), today=date(2026, 3, 12)) == date(2026, 3, 12)


def test_age_counts_the_birthday_on_the_day():
    assert age_in_years(date(1980, 3, 12), date(2026, 3, 11)) == 45
    assert age_in_years(date(1980, 3, 12), date(2026, 3, 12)) == 46


def test_invalid_email_is_refused_without_echoing_it():
    with pytest.raises(ValidationError) as err:
        Contact(email="not-an-email")
    assert "not-an-email" not in str(err.value) and err.value.value == "<redacted>"
