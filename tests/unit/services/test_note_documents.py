"""Notes are documents, on the in-memory unit of work: sign and lock, addenda after signing (never edits), a trainee's
signed note waits for a supervisor's co-signature, the version history stays; templates pull in the chart's facts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from novamind_core.domain.assessments import Instrument
from novamind_core.domain.errors import ConflictError, PermissionDenied
from novamind_core.domain.medications import ChangeKind, Frequency, MedicationOrder
from novamind_core.domain.notes_templates import NoteTemplate, render_template
from novamind_core.domain.patients import Patient, SexAtBirth
from novamind_core.domain.records import AssessmentRecord
from novamind_core.domain.users import Role, User
from novamind_core.services.notes import NoteService
from tests.fakes.uow import FakeStore, fake_context

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
TRAINEE = User(id=7, username="dr.t", display_name="Dr Trainee", role=Role.CLINICIAN)
SUPERVISOR = User(id=8, username="dr.s", display_name="Dr Supervisor", role=Role.CLINICIAN)
ADMIN = User(id=10, username="admin", display_name="Admin", role=Role.ADMIN)
PID = 101


@pytest.fixture
def store() -> FakeStore:
    store = FakeStore()
    for user in (TRAINEE, SUPERVISOR, ADMIN):
        store.repositories["users"].put(user)
    store.repositories["patients"].put(
        Patient(id=PID, mrn="NM-000101", given_name="Ada", family_name="Testcase", date_of_birth=date(1980, 1, 2),
                sex_at_birth=SexAtBirth.FEMALE, care_team=(TRAINEE.id, SUPERVISOR.id)),
        registered_on=date(2026, 5, 20))
    return store


def notes(store: FakeStore) -> NoteService:
    return NoteService(fake_context(store, clock=lambda: NOW))


def test_a_signed_note_is_locked_against_edits_and_takes_addenda(store):
    svc = notes(store)
    note = svc.add(SUPERVISOR, PID, "low mood, sleeping 5 h")
    svc.edit(SUPERVISOR, note.id, "low mood, sleeping 5 h a night")
    signed = svc.sign(SUPERVISOR, note.id)
    assert signed.status == "signed" and len(signed.revisions) == 2  # the version history stays
    with pytest.raises(ConflictError, match="addendum"):
        svc.edit(SUPERVISOR, note.id, "changed after signing")
    after = svc.add_addendum(SUPERVISOR, note.id, "bloods back: normal")
    assert after.text == "low mood, sleeping 5 h a night"
    assert [(a.text, a.author_name) for a in after.addenda] == [("bloods back: normal", "Dr Supervisor")]


def test_an_addendum_to_an_unsigned_note_is_refused(store):
    svc = notes(store)
    note = svc.add(SUPERVISOR, PID, "draft")
    with pytest.raises(ConflictError, match="edit it"):
        svc.add_addendum(SUPERVISOR, note.id, "more")


def test_only_the_author_signs_and_signing_twice_changes_nothing(store):
    svc = notes(store)
    note = svc.add(SUPERVISOR, PID, "seen")
    with pytest.raises(PermissionDenied):
        svc.sign(TRAINEE, note.id)
    first = svc.sign(SUPERVISOR, note.id)
    assert svc.sign(SUPERVISOR, note.id).signature == first.signature


def test_a_trainees_signed_note_waits_for_a_supervisors_cosignature(store):
    svc = notes(store)
    svc.set_trainee(ADMIN, TRAINEE.id, True, supervisor_id=SUPERVISOR.id)
    note = svc.add(TRAINEE, PID, "first assessment")
    signed = svc.sign(TRAINEE, note.id)
    assert signed.status == "awaiting co-signature"
    with pytest.raises(PermissionDenied):
        svc.cosign(TRAINEE, note.id)  # not their own
    cosigned = svc.cosign(SUPERVISOR, note.id)
    assert cosigned.status == "signed" and cosigned.signature.cosigned_by_name == "Dr Supervisor"


def test_only_an_administrator_flags_a_trainee(store):
    with pytest.raises(PermissionDenied):
        notes(store).set_trainee(SUPERVISOR, TRAINEE.id, True)


def _assessment(aid: int, on: date, total: int) -> AssessmentRecord:
    return AssessmentRecord(aid, PID, Instrument.PHQ9, on, (), total, "moderate", False, NOW, 8)


def test_the_follow_up_template_pulls_in_scores_changes_and_medications():
    orders = [MedicationOrder(1, PID, "sertraline", 50, Frequency.DAILY, date(2026, 3, 1), date(2026, 5, 10)),
              MedicationOrder(2, PID, "sertraline", 100, Frequency.DAILY, date(2026, 5, 10),
                              change_kind=ChangeKind.TITRATE, previous_id=1)]
    text = render_template(NoteTemplate.FOLLOW_UP, date(2026, 6, 1),
                           [_assessment(1, date(2026, 3, 1), 18), _assessment(2, date(2026, 6, 1), 11)], orders)
    assert "PHQ-9 11/27 (moderate) on 1 Jun 2026; -7 points since baseline 18 (1 Mar 2026)" in text
    assert "10 May 2026: dose changed to sertraline 100 mg daily" in text
    assert "- sertraline 100 mg daily since 10 May 2026" in text
    assert "stopped sertraline" not in text  # a titration is one change, not a stop
