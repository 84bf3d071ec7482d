"""The register-a-patient form's draft (in-memory unit of work): kept with no patient (the patient does not exist
yet), the user's alone and only for a role that may write patient data; a chart form's draft still needs its patient;
registering drops the draft in the same transaction, and a repeated submission token registers one patient."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from novamind_core.domain.errors import PermissionDenied, ValidationError
from novamind_core.domain.forms import FormName
from novamind_core.domain.users import Role, User
from novamind_core.security.audit import AuditAction
from novamind_core.services.drafts import DraftService
from novamind_core.services.patients import PatientService
from tests.fakes.uow import FakeStore, fake_context

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
CLINICIAN = User(id=7, username="dr.a", display_name="Dr A", role=Role.CLINICIAN)
COLLEAGUE = User(id=8, username="dr.b", display_name="Dr B", role=Role.CLINICIAN)
ANALYST = User(id=9, username="an.a", display_name="An A", role=Role.ANALYST)
TOKEN = "reg_" + "b" * 28
TYPED = {"mrn": "NM-555001", "given_name": "Dora", "family_name": "Draft", "date_of_birth": "1990-03-02"}


@pytest.fixture
def store() -> FakeStore:
    store = FakeStore()
    for user in (CLINICIAN, COLLEAGUE, ANALYST):
        store.repositories["users"].put(user)
    return store


def drafts(store: FakeStore) -> DraftService:
    return DraftService(fake_context(store, clock=lambda: NOW))


def patients(store: FakeStore) -> PatientService:
    return PatientService(fake_context(store, clock=lambda: NOW))


def test_a_registration_draft_is_kept_with_no_patient_and_only_its_author_reads_it(store):
    drafts(store).save(CLINICIAN, None, FormName.REGISTRATION, TYPED)
    kept = drafts(store).load(CLINICIAN, None, FormName.REGISTRATION)
    assert kept is not None and kept.payload == TYPED and kept.patient_id is None
    assert drafts(store).load(COLLEAGUE, None, FormName.REGISTRATION) is None, "a colleague's is their own"
    records = [r for r in store.repositories["audit"].records if r.action == "draft.save"]
    assert records and records[-1].patient_id is None and "Dora" not in records[-1].detail


def test_a_role_that_may_not_write_patient_data_cannot_keep_a_registration_draft(store):
    with pytest.raises(PermissionDenied):
        drafts(store).save(ANALYST, None, FormName.REGISTRATION, TYPED)


def test_a_chart_forms_draft_needs_its_patient_and_a_registration_draft_takes_none(store):
    with pytest.raises(ValidationError, match="belongs to a patient"):
        drafts(store).save(CLINICIAN, None, FormName.NOTE, {"text": "x"})
    with pytest.raises(ValidationError, match="belongs to no patient"):
        drafts(store).load(CLINICIAN, 101, FormName.REGISTRATION)


def test_registering_drops_the_draft_and_a_repeated_token_registers_one_patient(store):
    drafts(store).save(CLINICIAN, None, FormName.REGISTRATION, TYPED)
    first = patients(store).register(CLINICIAN, mrn="NM-555001", given_name="Dora", family_name="Draft",
                                     date_of_birth="1990-03-02", sex_at_birth="female", submission_token=TOKEN)
    assert drafts(store).load(CLINICIAN, None, FormName.REGISTRATION) is None
    drafts(store).save(CLINICIAN, None, FormName.REGISTRATION, TYPED)  # the second click typed it back
    again = patients(store).register(CLINICIAN, mrn="NM-555001", given_name="Dora", family_name="Draft",
                                     date_of_birth="1990-03-02", sex_at_birth="female", submission_token=TOKEN)
    assert again.id == first.id, "no 'MRN already exists' for the second click of a double-click"
    assert drafts(store).load(CLINICIAN, None, FormName.REGISTRATION) is None, "no ghost draft"
    assert [r.action for r in store.repositories["audit"].records].count(AuditAction.PATIENT_CREATE) == 1
