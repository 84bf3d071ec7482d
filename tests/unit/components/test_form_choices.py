"""The forms' frozen choices: what the register form's diagnosis becomes before it reaches the service."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from components.shared.choices import CaseloadControls, PatientRegistration
from novamind_core.domain.errors import ValidationError
from novamind_core.domain.patients import Diagnosis

ENTERED = PatientRegistration(mrn="NM-1", given_name="Ada", family_name="Byron", date_of_birth=date(1990, 1, 2),
                              sex_at_birth="female")


def test_a_registration_without_a_diagnosis_code_sends_no_diagnoses():
    assert ENTERED.diagnoses() == ()


def test_a_registration_with_a_code_sends_it_as_the_primary_diagnosis():
    entered = dataclasses.replace(ENTERED, diagnosis_code="F41.1", diagnosis_label="Generalized anxiety disorder")
    assert entered.diagnoses() == (Diagnosis("F41.1", "Generalized anxiety disorder", primary=True),)


def test_a_malformed_diagnosis_code_is_refused_naming_the_code_field():
    entered = dataclasses.replace(ENTERED, diagnosis_code="DEPRESSION", diagnosis_label="low mood")
    with pytest.raises(ValidationError) as caught:
        entered.diagnoses()
    assert caught.value.field == "diagnosis_code"


def test_choices_are_frozen_and_equal_controls_compare_equal():
    with pytest.raises(dataclasses.FrozenInstanceError):
        ENTERED.mrn = "NM-2"  # type: ignore[misc]
    a = CaseloadControls(None, ("severe",), "priority", False, False, True)
    assert a == CaseloadControls(None, ("severe",), "priority", False, False, True) and repr(a) != repr(
        dataclasses.replace(a, only_alerts=True))
