"""The clinical record services (assessments, alerts, medications, notes, visits, patients, the chart view model) on
the in-memory unit of work: no database anywhere in this file."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from novamind_core.domain.alerts import Alert, AlertKind, sort_alerts
from novamind_core.domain.errors import ConflictError, NotFoundError, PermissionDenied, StaleWriteError
from novamind_core.domain.patients import Patient, PatientStatus, SexAtBirth
from novamind_core.domain.users import Role, User
from novamind_core.security.audit import AuditOutcome
from novamind_core.services.alerts import AlertService
from novamind_core.services.assessments import AssessmentService
from novamind_core.services.charts import CHART_VIEW, ChartService
from novamind_core.services.medications import MedicationService
from novamind_core.services.notes import NoteService
from novamind_core.services.patients import PatientService
from novamind_core.services.visits import VisitService
from tests.fakes.uow import FakeStore, fake_context

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
CLINICIAN = User(id=7, username="dr.a", display_name="Dr A", role=Role.CLINICIAN)
COLLEAGUE = User(id=8, username="dr.b", display_name="Dr B", role=Role.CLINICIAN)
OUTSIDER = User(id=9, username="dr.c", display_name="Dr C", role=Role.CLINICIAN)
PID = 101


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


def ctx(store: FakeStore):  # type: ignore[no-untyped-def]
    return fake_context(store, clock=lambda: NOW, overdue_assessment_days=28)


def audit(store: FakeStore) -> list[str]:
    return store.repositories["audit"].actions()


def test_recording_a_phq9_with_item_nine_above_zero_raises_an_item9_alert_listed_first(store):
    result = AssessmentService(ctx(store)).record(CLINICIAN, PID, "PHQ-9", [1, 1, 1, 1, 1, 1, 1, 1, 2])
    assert [a.kind for a in result.alerts] == [AlertKind.ITEM9]
    assert "answered 2" in result.alerts[0].message
    alerts = AlertService(ctx(store)).list_for_patient(CLINICIAN, PID)
    assert alerts[0].kind is AlertKind.ITEM9 and alerts[0].open
    assert store.repositories["patients"].summary(PID).open_item9_alerts == 1


def test_a_phq9_with_item_nine_at_zero_raises_no_alert(store):
    result = AssessmentService(ctx(store)).record(CLINICIAN, PID, "PHQ-9", [3, 3, 3, 3, 3, 3, 3, 3, 0])
    assert result.alerts == ()


def test_a_clinician_off_the_care_team_is_refused_and_the_refusal_is_audited(store):
    with pytest.raises(PermissionDenied):
        ChartService(ctx(store)).patient_chart(OUTSIDER, PID)
    [record] = store.repositories["audit"].records
    assert (record.action, record.outcome, record.patient_id) == (CHART_VIEW, AuditOutcome.DENIED, PID)


def test_discharge_with_a_stale_version_is_refused_and_changes_nothing(store):
    service = PatientService(ctx(store))
    with pytest.raises(StaleWriteError):
        service.discharge(CLINICIAN, PID, expected_version=0)
    assert store.repositories["patients"].get(PID).status is PatientStatus.ACTIVE
    done = service.discharge(CLINICIAN, PID, expected_version=1)
    assert done.status is PatientStatus.DISCHARGED and done.version == 2
    with pytest.raises(ConflictError):
        service.discharge(CLINICIAN, PID, expected_version=2)


def test_an_update_changes_only_the_named_fields_and_moves_the_version_on(store):
    updated = PatientService(ctx(store)).update(CLINICIAN, PID, 1, family_name="Renamed", phone="+44 7700 900123")
    assert (updated.given_name, updated.family_name, updated.contact.phone) == ("Ada", "Renamed", "+44 7700 900123")
    assert updated.version == 2


def test_editing_a_note_keeps_every_version_and_refuses_an_edit_of_an_old_revision(store):
    notes = NoteService(ctx(store))
    note = notes.add(CLINICIAN, PID, "Mood low.", "2026-05-30")
    edited = notes.edit(COLLEAGUE, note.id, "Mood low. Safety plan reviewed.", expected_revision=1)
    assert [(r.revision, r.text, r.edited_by_name) for r in edited.revisions] == [
        (1, "Mood low.", "Dr A"), (2, "Mood low. Safety plan reviewed.", "Dr B")]
    with pytest.raises(StaleWriteError):
        notes.edit(CLINICIAN, note.id, "Another text", expected_revision=1)
    with pytest.raises(NotFoundError):
        notes.edit(CLINICIAN, 999, "text")


def test_acknowledging_an_alert_records_who_and_when_and_a_second_time_is_refused(store):
    # a worsening alert: an item-9 alert closes only through a risk review (tests/unit/services/test_risk_reviews.py)
    AssessmentService(ctx(store)).record(CLINICIAN, PID, "PHQ-9", [0] * 9, "2026-05-25")
    alert = AssessmentService(ctx(store)).record(CLINICIAN, PID, "PHQ-9", [1] * 8 + [0]).alerts[0]
    assert alert.kind is AlertKind.WORSENING
    acked = AlertService(ctx(store)).acknowledge(COLLEAGUE, alert.id)
    assert (acked.acknowledged_by, acked.acknowledged_at, acked.acknowledged_by_name) == (COLLEAGUE.id, NOW, "Dr B")
    assert store.repositories["patients"].summary(PID).open_alerts == 0
    with pytest.raises(ConflictError):
        AlertService(ctx(store)).acknowledge(CLINICIAN, alert.id)


def test_a_dose_change_closes_the_old_order_on_the_change_date(store):
    meds = MedicationService(ctx(store))
    first = meds.add(CLINICIAN, PID, "Sertraline", 50, start_date="2026-05-01")
    up = meds.titrate(CLINICIAN, first.id, 100, "partial response", on="2026-05-20")
    history = meds.history(CLINICIAN, PID)
    assert [(m.dose_mg, m.stop_date) for m in history] == [(50, date(2026, 5, 20)), (100, None)]
    assert up.previous_id == first.id


def test_booking_a_visit_sets_the_next_visit_and_the_due_date(store):
    when = NOW + timedelta(days=7)
    VisitService(ctx(store)).schedule(CLINICIAN, PID, when, next_assessment_due="2026-06-20")
    summary = store.repositories["patients"].summary(PID)
    assert (summary.next_visit_at, summary.next_assessment_due) == (when, date(2026, 6, 20))


def test_the_patient_chart_is_one_transaction_with_one_audit_event_naming_what_was_shown(store):
    c = ctx(store)
    AssessmentService(c).record(CLINICIAN, PID, "PHQ-9", [2] * 9, "2026-05-01")
    AssessmentService(c).record(CLINICIAN, PID, "PHQ-9", [1] * 8 + [0], "2026-05-29")
    NoteService(c).add(CLINICIAN, PID, "Better.", "2026-05-29")
    MedicationService(c).add(CLINICIAN, PID, "sertraline", 100, start_date="2026-05-01")
    commits, rows = store.commits, len(store.repositories["audit"].records)
    view = ChartService(c).patient_chart(CLINICIAN, PID)
    assert store.commits == commits + 1
    [record] = store.repositories["audit"].records[rows:]
    assert (record.action, record.patient_id, record.outcome) == (CHART_VIEW, PID, AuditOutcome.SUCCESS)
    assert "assessments=2" in record.detail and "notes=1" in record.detail and "Ada" not in record.detail
    assert view.patient.id == PID and len(view.assessments) == 2 and len(view.notes) == 1
    assert view.summary.outcomes["PHQ-9"].sentence.startswith("PHQ-9 fell from 18 to 8 over 4 weeks on sertraline")
    assert [e.kind for e in view.timeline][:2] == ["medication", "assessment"]
    assert view.alerts[0].kind is AlertKind.ITEM9 and view.open_alert_count == 1


def test_the_patient_chart_carries_the_wearables_window_chosen_and_names_it_in_its_one_audit_event(store):
    import numpy as np

    from novamind_core.domain.errors import ValidationError
    from novamind_core.domain.wearables import DailySummary
    from novamind_core.services.wearables import WearableService

    today = NOW.date()
    days = [today - timedelta(days=k) for k in range(39, -1, -1)]
    store.repositories["wearables"].replace_minute_days(PID, days, np.ones((len(days), 1440)), "watch", None)
    store.repositories["wearables"].replace_daily(PID, [DailySummary(today - timedelta(days=k), "watch", 5000)
                                                        for k in range(120)])
    c = ctx(store)
    rows = len(store.repositories["audit"].records)
    view = ChartService(c).patient_chart(CLINICIAN, PID, wearables_window_days=14)
    [record] = store.repositories["audit"].records[rows:]
    assert record.action == CHART_VIEW and "wearables window=14 minute days=14 daily rows=91" in record.detail
    alone = WearableService(c).biometrics(CLINICIAN, PID, 14)  # the other door: same builder, same view
    assert view.biometrics.minute_days == alone.minute_days and view.biometrics.summaries == alone.summaries
    assert view.biometrics.counts.shape == (14, 1440)
    assert ChartService(c).patient_chart(CLINICIAN, PID).biometrics.window_days == 28
    with pytest.raises(ValidationError):
        ChartService(c).patient_chart(CLINICIAN, PID, wearables_window_days=0)


def test_the_patient_chart_opens_by_mrn_and_an_unknown_mrn_is_not_found(store):
    assert ChartService(ctx(store)).patient_chart(CLINICIAN, mrn="nm-000101").patient.id == PID
    with pytest.raises(NotFoundError):
        ChartService(ctx(store)).patient_chart(CLINICIAN, mrn="NM-404040")


def _alert(i: int, kind: AlertKind, days_ago: int, acknowledged: bool = False) -> Alert:
    raised = NOW - timedelta(days=days_ago)
    return Alert(i, PID, kind, raised, f"alert {i}", acknowledged_at=raised if acknowledged else None)


def test_alerts_read_open_first_then_item9_first_then_newest_first():
    alerts = [_alert(1, AlertKind.WORSENING, 1), _alert(2, AlertKind.ITEM9, 9, acknowledged=True),
              _alert(3, AlertKind.ITEM9, 5), _alert(4, AlertKind.OVERDUE, 0), _alert(5, AlertKind.WORSENING, 3)]
    assert [a.id for a in sort_alerts(alerts)] == [3, 1, 5, 4, 2]


def test_the_outcome_sentence_does_not_credit_the_current_dose_with_weeks_spent_on_an_earlier_one(store):
    c = ctx(store)
    AssessmentService(c).record(CLINICIAN, PID, "PHQ-9", [2] * 9, "2026-03-06")
    AssessmentService(c).record(CLINICIAN, PID, "PHQ-9", [1] * 8 + [0], "2026-05-29")
    order = MedicationService(c).add(CLINICIAN, PID, "sertraline", 50, start_date="2026-03-06")
    MedicationService(c).titrate(CLINICIAN, order.id, 150, "no improvement at 50 mg", on=date(2026, 4, 3))
    sentence = ChartService(c).patient_chart(CLINICIAN, PID).summary.outcomes["PHQ-9"].sentence
    assert sentence.startswith("PHQ-9 fell from 18 to 8 over 12 weeks on sertraline, now 150 mg:")
    assert "on sertraline 150 mg" not in sentence
