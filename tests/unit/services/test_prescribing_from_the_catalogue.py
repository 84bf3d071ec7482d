"""Prescribing from the catalogue, on the in-memory unit of work: a misspelt drug is refused with the catalogue's
spelling; an unknown drug is recorded only explicitly as not modelled; a second antidepressant or a serotonergic
combination needs the interaction check reviewed before it is saved; an impossible dose is refused naming the field."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from novamind_core.domain.errors import ValidationError
from novamind_core.domain.patients import Patient, SexAtBirth
from novamind_core.domain.prescribing import DrugKnowledge, InteractionReviewRequired
from novamind_core.domain.users import Role, User
from novamind_core.services.medications import MedicationService
from tests.fakes.uow import FakeStore, fake_context

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
CLINICIAN = User(id=7, username="dr.a", display_name="Dr A", role=Role.CLINICIAN)
PID = 101


@pytest.fixture
def meds() -> MedicationService:
    store = FakeStore()
    store.repositories["users"].put(CLINICIAN)
    store.repositories["patients"].put(
        Patient(id=PID, mrn="NM-000101", given_name="Ada", family_name="Testcase", date_of_birth=date(1980, 1, 2),
                sex_at_birth=SexAtBirth.FEMALE, care_team=(CLINICIAN.id,)),
        registered_on=date(2026, 5, 20))
    return MedicationService(fake_context(store, clock=lambda: NOW))


def test_a_misspelt_drug_is_refused_with_the_catalogue_spelling(meds):
    with pytest.raises(ValidationError) as err:
        meds.add(CLINICIAN, PID, "sertralin", 50)
    assert err.value.field == "drug" and "did you mean sertraline" in str(err.value)
    assert meds.active(CLINICIAN, PID) == ()


def test_an_unknown_drug_is_recorded_only_explicitly_as_not_modelled(meds):
    order = meds.add(CLINICIAN, PID, "trialdrug-1", 50, not_modelled=True)
    assert order.drug == "trialdrug-1"
    assert meds.check_start(CLINICIAN, PID, "trialdrug-1", 50).knowledge is DrugKnowledge.NOT_MODELLED


def test_a_second_antidepressant_beside_duloxetine_needs_the_interaction_check_reviewed(meds):
    meds.add(CLINICIAN, PID, "duloxetine", 60)
    check = meds.check_start(CLINICIAN, PID, "sertraline", 50)
    assert check.knowledge is DrugKnowledge.MODELLED and check.needs_review
    messages = " ".join(w.message for w in check.warnings)
    assert "second antidepressant" in messages and "Serotonergic combination" in messages
    with pytest.raises(InteractionReviewRequired):
        meds.add(CLINICIAN, PID, "sertraline", 50)
    assert [m.drug for m in meds.active(CLINICIAN, PID)] == ["duloxetine"]
    meds.add(CLINICIAN, PID, "sertraline", 50, interactions_reviewed=True)
    assert sorted(m.drug for m in meds.active(CLINICIAN, PID)) == ["duloxetine", "sertraline"]


def test_a_serotonergic_agent_outside_the_model_is_still_checked(meds):
    meds.add(CLINICIAN, PID, "sertraline", 100)
    check = meds.check_start(CLINICIAN, PID, "tramadol", 50)
    assert check.knowledge is DrugKnowledge.INTERACTIONS_ONLY
    assert any(w.severity == "major" and "tramadol" in w.message for w in check.warnings)


def test_a_5000_mg_dose_is_refused_naming_the_dose_field(meds):
    with pytest.raises(ValidationError) as err:
        meds.add(CLINICIAN, PID, "sertraline", 5000)
    assert err.value.field == "dose_mg" and "3000" in str(err.value)


def test_a_dose_above_the_usual_maximum_is_a_warning_to_review(meds):
    check = meds.check_start(CLINICIAN, PID, "sertraline", 400)
    assert any("usual maximum" in w.message for w in check.warnings)


def test_the_twin_names_every_active_medication_it_does_not_simulate(meds):
    from novamind_core.services.prescribing import not_modelled_lines

    meds.add(CLINICIAN, PID, "sertraline", 100)
    meds.add(CLINICIAN, PID, "lithium", 400, "nightly", interactions_reviewed=True)
    meds.add(CLINICIAN, PID, "trialdrug-7", 10, not_modelled=True)
    assert not_modelled_lines(meds.active(CLINICIAN, PID)) == [
        "lithium 400 mg nightly: checked for interactions, not simulated",
        "trialdrug-7 10 mg daily: not modelled"]
