"""The services behind a note's edit and addendum, the drug level entry and the contact consent (in-memory unit of
work): a repeated submission token saves once, and saving drops the user's draft in the same transaction (for the
per-note drafts, only that note's entry); so does the repeat, whose click typed the draft back."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from novamind_core.domain.patients import Patient, SexAtBirth
from novamind_core.domain.users import Role, User
from novamind_core.security.audit import AuditAction
from novamind_core.services.drafts import DraftService
from novamind_core.services.drug_levels import DrugLevelService
from novamind_core.services.notes import NoteService
from novamind_core.services.reporting import ReportingService
from tests.fakes.uow import FakeStore, fake_context

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
CLINICIAN = User(id=7, username="dr.a", display_name="Dr A", role=Role.CLINICIAN)
PID = 101
TOKEN = "tok_" + "a" * 28


@pytest.fixture
def store() -> FakeStore:
    store = FakeStore()
    store.repositories["users"].put(CLINICIAN)
    store.repositories["patients"].put(
        Patient(id=PID, mrn="NM-000101", given_name="Ada", family_name="Testcase", date_of_birth=date(1980, 1, 2),
                sex_at_birth=SexAtBirth.FEMALE, care_team=(CLINICIAN.id,)),
        registered_on=date(2026, 5, 20))
    return store


def ctx(store: FakeStore):  # type: ignore[no-untyped-def]
    return fake_context(store, clock=lambda: NOW)


def drafts(store: FakeStore) -> DraftService:
    return DraftService(ctx(store))


def test_saving_one_notes_edit_drops_only_that_notes_entry_of_the_draft_and_a_repeat_saves_once(store):
    notes = NoteService(ctx(store))
    a, b = notes.add(CLINICIAN, PID, "first"), notes.add(CLINICIAN, PID, "second")
    drafts(store).save(CLINICIAN, PID, "note_edit", {str(a.id): {"text": "first, edited", "revision": 1},
                                                     str(b.id): {"text": "second, half", "revision": 1}})
    notes.edit(CLINICIAN, a.id, "first, edited", expected_revision=1, submission_token=TOKEN)
    drafts(store).save(CLINICIAN, PID, "note_edit", {str(a.id): {"text": "first, edited", "revision": 1},
                                                     str(b.id): {"text": "second, half", "revision": 1}})
    again = notes.edit(CLINICIAN, a.id, "first, edited", expected_revision=1, submission_token=TOKEN)
    assert [r.text for r in again.revisions] == ["first", "first, edited"]
    assert drafts(store).load(CLINICIAN, PID, "note_edit").payload == {str(b.id): {"text": "second, half",
                                                                                   "revision": 1}}
    notes.edit(CLINICIAN, b.id, "second, done")
    assert drafts(store).load(CLINICIAN, PID, "note_edit") is None  # the draft goes with its last entry


def test_adding_an_addendum_drops_its_entry_of_the_draft_and_a_repeat_adds_nothing(store):
    notes = NoteService(ctx(store))
    note = notes.sign(CLINICIAN, notes.add(CLINICIAN, PID, "signed").id)
    drafts(store).save(CLINICIAN, PID, "addendum", {str(note.id): {"text": "bloods normal"}})
    notes.add_addendum(CLINICIAN, note.id, "bloods normal", submission_token=TOKEN)
    drafts(store).save(CLINICIAN, PID, "addendum", {str(note.id): {"text": "bloods normal"}})  # the 2nd click's
    again = notes.add_addendum(CLINICIAN, note.id, "bloods normal", submission_token=TOKEN)
    assert [x.text for x in again.addenda] == ["bloods normal"]
    assert drafts(store).load(CLINICIAN, PID, "addendum") is None


def test_recording_a_level_drops_its_draft_and_a_repeat_stores_one(store):
    levels = DrugLevelService(ctx(store))
    drafts(store).save(CLINICIAN, PID, "drug_level", {"drug": "sertraline", "concentration_ng_ml": 61.0})
    first = levels.record(CLINICIAN, PID, "sertraline", 61.0, "2026-05-31T08:00:00+00:00", submission_token=TOKEN)
    drafts(store).save(CLINICIAN, PID, "drug_level", {"drug": "sertraline", "concentration_ng_ml": 61.0})
    second = levels.record(CLINICIAN, PID, "sertraline", 61.0, "2026-05-31T08:00:00+00:00", submission_token=TOKEN)
    assert first == second and len(store.repositories["drug_levels"].rows) == 1
    assert drafts(store).load(CLINICIAN, PID, "drug_level") is None


def test_recording_consent_drops_its_draft_and_a_repeat_records_nothing_more(store):
    reporting = ReportingService(fake_context(store, clock=lambda: NOW, clinic_name="Riverside Clinic",
                                              public_base_url="https://clinic.example", crisis_region="uk"))
    drafts(store).save(CLINICIAN, PID, "consent", {"email": True, "sms": False, "recorded_on": "2026-06-01"})
    reporting.record_consent(CLINICIAN, PID, email=True, sms=False, submission_token=TOKEN)
    drafts(store).save(CLINICIAN, PID, "consent", {"email": True, "sms": False, "recorded_on": "2026-06-01"})
    repeat = reporting.record_consent(CLINICIAN, PID, email=True, sms=False, submission_token=TOKEN)
    assert repeat.email and not repeat.sms
    assert store.repositories["audit"].actions().count(AuditAction.CONSENT_RECORD) == 1
    assert drafts(store).load(CLINICIAN, PID, "consent") is None
