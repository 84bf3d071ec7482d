"""Nothing typed is lost, on the in-memory unit of work: drafts kept per user, patient and form (expiring, care-team
checked); a repeated submission token saves once; a future date is refused, never replaced by today; a too-long note
is refused with its length and the limit; the patient link is opaque and care-team checked."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from novamind_core.domain.errors import NotFoundError, PermissionDenied, ValidationError
from novamind_core.domain.notes import MAX_NOTE_CHARS
from novamind_core.domain.patients import Patient, SexAtBirth
from novamind_core.domain.users import Role, User
from novamind_core.services.assessments import AssessmentService
from novamind_core.services.drafts import DraftService
from novamind_core.services.medications import MedicationService
from novamind_core.services.notes import NoteService
from novamind_core.services.visits import VisitService
from tests.fakes.uow import FakeStore, fake_context

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
CLINICIAN = User(id=7, username="dr.a", display_name="Dr A", role=Role.CLINICIAN)
COLLEAGUE = User(id=8, username="dr.b", display_name="Dr B", role=Role.CLINICIAN)
OUTSIDER = User(id=9, username="dr.c", display_name="Dr C", role=Role.CLINICIAN)
PID = 101
TOKEN = "tok_" + "a" * 28


@pytest.fixture
def store() -> FakeStore:
    store = FakeStore()
    for user in (CLINICIAN, COLLEAGUE, OUTSIDER):
        store.repositories["users"].put(user)
    store.repositories["patients"].put(
        Patient(id=PID, mrn="NM-000101", given_name="Ada", family_name="Testcase", date_of_birth=date(1980, 1, 2),
                sex_at_birth=SexAtBirth.FEMALE, care_team=(CLINICIAN.id, COLLEAGUE.id)),
        registered_on=date(2026, 5, 20))
    return store


def ctx(store: FakeStore, now: datetime = NOW):  # type: ignore[no-untyped-def]
    return fake_context(store, clock=lambda: now, overdue_assessment_days=28)


def test_a_draft_comes_back_to_the_user_who_typed_it_and_to_no_one_else(store):
    drafts = DraftService(ctx(store))
    drafts.save(CLINICIAN, PID, "note", {"text": "mother ~supportive~\n1) sleep", "date": "2026-06-01"})
    assert drafts.load(CLINICIAN, PID, "note").payload == {"text": "mother ~supportive~\n1) sleep",
                                                            "date": "2026-06-01"}
    assert drafts.load(COLLEAGUE, PID, "note") is None
    with pytest.raises(PermissionDenied):
        drafts.load(OUTSIDER, PID, "note")
    with pytest.raises(PermissionDenied):
        drafts.save(OUTSIDER, PID, "note", {"text": "x"})


def test_a_chart_looks_for_every_forms_draft_in_one_read_with_one_audit_event(store):
    drafts = DraftService(ctx(store))
    drafts.save(CLINICIAN, PID, "note", {"text": "half a note"})
    drafts.save(CLINICIAN, PID, "visit", {"note": "bloods first"})
    audit = store.repositories["audit"]
    before = len(audit.records)
    found = drafts.load_many(CLINICIAN, PID)
    assert {f.value: d.payload for f, d in found.items()} == {"note": {"text": "half a note"},
                                                              "visit": {"note": "bloods first"}}
    assert audit.actions()[before:] == ["draft.read"]
    assert "found=note,visit" in audit.records[-1].detail and "half" not in audit.records[-1].detail
    assert drafts.load_many(COLLEAGUE, PID) == {}
    with pytest.raises(PermissionDenied):
        drafts.load_many(OUTSIDER, PID)


def test_a_draft_expires_after_three_days_without_a_change(store):
    DraftService(ctx(store)).save(CLINICIAN, PID, "visit", {"note": "bloods first"})
    assert DraftService(ctx(store, NOW + timedelta(hours=71))).load(CLINICIAN, PID, "visit") is not None
    assert DraftService(ctx(store, NOW + timedelta(hours=73))).load(CLINICIAN, PID, "visit") is None
    assert store.repositories["drafts"].drafts == {}


def test_saving_the_note_drops_its_draft_and_a_repeated_submission_saves_it_once(store):
    DraftService(ctx(store)).save(CLINICIAN, PID, "note", {"text": "seen today"})
    notes = NoteService(ctx(store))
    first = notes.add(CLINICIAN, PID, "seen today", submission_token=TOKEN)
    second = notes.add(CLINICIAN, PID, "seen today", submission_token=TOKEN)
    assert first.id == second.id
    assert len(notes.list(CLINICIAN, PID)) == 1
    assert DraftService(ctx(store)).load(CLINICIAN, PID, "note") is None


@pytest.mark.parametrize("form", ["note", "visit", "assessment", "medication_start"])
def test_a_double_click_whose_second_click_types_the_text_back_leaves_no_draft(store, form):
    """The second click of a double-click commits the field again (the draft is saved once more) and then submits
    the same token: nothing is saved twice, and the draft goes as the first click's did (no ghost after a reload)."""
    drafts = DraftService(ctx(store))
    typed = {"note": {"text": "seen today"}, "visit": {"note": "bloods first"}, "assessment": {"answers": [1] * 9},
             "medication_start": {"drug": "sertraline", "dose": 50}}[form]

    def submit():  # type: ignore[no-untyped-def]
        if form == "note":
            return NoteService(ctx(store)).add(CLINICIAN, PID, "seen today", submission_token=TOKEN).id
        if form == "visit":
            return VisitService(ctx(store)).schedule(CLINICIAN, PID, NOW + timedelta(days=7),
                                                     submission_token=TOKEN).id
        if form == "assessment":
            return AssessmentService(ctx(store)).record(CLINICIAN, PID, "PHQ-9", [1] * 9,
                                                        submission_token=TOKEN).assessment.id
        return MedicationService(ctx(store)).add(CLINICIAN, PID, "sertraline", 50, submission_token=TOKEN).id

    drafts.save(CLINICIAN, PID, form, typed)
    first = submit()
    drafts.save(CLINICIAN, PID, form, typed)  # the second click commits the field again
    assert submit() == first
    assert drafts.load(CLINICIAN, PID, form) is None


def test_a_note_is_kept_exactly_as_typed_inside_its_ends(store):
    typed = "mother ~supportive~\n\n1) sleep better\n   2) plan *as before*"
    note = NoteService(ctx(store)).add(CLINICIAN, PID, f"  {typed}\n\n")
    assert note.text == typed


def test_a_note_over_the_limit_is_refused_naming_its_length_and_the_limit(store):
    with pytest.raises(ValidationError) as err:
        NoteService(ctx(store)).add(CLINICIAN, PID, "x" * (MAX_NOTE_CHARS + 5))
    assert err.value.field == "text"
    assert "20,005" in str(err.value) and "20,000" in str(err.value)


def test_a_future_note_or_assessment_date_is_refused_and_never_saved_as_today(store):
    with pytest.raises(ValidationError) as err:
        NoteService(ctx(store)).add(CLINICIAN, PID, "seen", date(2026, 6, 2))
    assert err.value.field == "note_date"
    with pytest.raises(ValidationError) as err:
        AssessmentService(ctx(store)).record(CLINICIAN, PID, "PHQ-9", [1] * 8 + [0], date(2026, 6, 9))
    assert err.value.field == "administered_on"
    assert NoteService(ctx(store)).list(CLINICIAN, PID) == ()
    assert AssessmentService(ctx(store)).history(CLINICIAN, PID) == ()


def test_a_repeated_visit_booking_books_once_and_keeps_its_note(store):
    visits = VisitService(ctx(store))
    when = NOW + timedelta(days=28)
    a = visits.schedule(CLINICIAN, PID, when, note="review response", submission_token=TOKEN)
    b = visits.schedule(CLINICIAN, PID, when, note="review response", submission_token=TOKEN)
    assert a.id == b.id and b.note == "review response"
    assert len(visits.list(CLINICIAN, PID)) == 1


def test_a_repeated_questionnaire_confirmation_stores_it_once_with_its_alert(store):
    assessments = AssessmentService(ctx(store))
    a = assessments.record(CLINICIAN, PID, "PHQ-9", [1] * 8 + [2], submission_token=TOKEN)
    b = assessments.record(CLINICIAN, PID, "PHQ-9", [1] * 8 + [2], submission_token=TOKEN)
    assert a.assessment.id == b.assessment.id and [x.id for x in b.alerts] == [x.id for x in a.alerts]
    assert len(assessments.history(CLINICIAN, PID)) == 1


def test_a_token_another_user_sent_does_not_return_their_record(store):
    notes = NoteService(ctx(store))
    mine = notes.add(CLINICIAN, PID, "mine", submission_token=TOKEN)
    theirs = notes.add(COLLEAGUE, PID, "theirs", submission_token=TOKEN.replace("a", "b"))
    assert mine.id != theirs.id


def test_a_malformed_submission_token_is_refused(store):
    with pytest.raises(ValidationError):
        NoteService(ctx(store)).add(CLINICIAN, PID, "seen", submission_token="<script>")


def test_the_patient_link_is_opaque_stable_and_resolves_only_for_the_care_team(store):
    drafts = DraftService(ctx(store))
    token = drafts.patient_link(CLINICIAN, PID)
    assert token == drafts.patient_link(COLLEAGUE, PID)
    assert token != str(PID) and "NM-" not in token and len(token) >= 16
    assert drafts.resolve_link(COLLEAGUE, token) == PID
    with pytest.raises(PermissionDenied):
        drafts.resolve_link(OUTSIDER, token)
    with pytest.raises(NotFoundError):
        drafts.resolve_link(CLINICIAN, "not-a-known-token")
