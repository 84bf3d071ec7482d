"""The clinician's side of patient-reported measurement (plans, consent, requests, kiosk, preferences) on the
in-memory unit of work: no database anywhere in this file."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta

import pytest

from novamind_core.domain.errors import PermissionDenied, StaleWriteError, ValidationError
from novamind_core.domain.instruments import Instrument
from novamind_core.domain.patients import Contact, Diagnosis, Patient, SexAtBirth
from novamind_core.domain.reporting import Channel, MeasurementState, RequestStatus, token_digest
from novamind_core.domain.users import Role, User
from novamind_core.security.audit import AuditAction, AuditOutcome
from novamind_core.services.medications import MedicationService
from novamind_core.services.reporting import ReportingService, measurement_panel
from tests.fakes.uow import FakeStore, FakeUnitOfWork, fake_context

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
CLINICIAN = User(id=7, username="dr.a", display_name="Dr A", role=Role.CLINICIAN)
OUTSIDER = User(id=9, username="dr.c", display_name="Dr C", role=Role.CLINICIAN)
PID = 101
EMAIL = "ada.testcase@example.invalid"


@pytest.fixture
def store() -> FakeStore:
    store = FakeStore()
    for user in (CLINICIAN, OUTSIDER):
        store.repositories["users"].put(user)
    store.repositories["patients"].put(
        Patient(id=PID, mrn="NM-000101", given_name="Ada", family_name="Testcase", date_of_birth=date(1980, 1, 2),
                sex_at_birth=SexAtBirth.FEMALE, care_team=(CLINICIAN.id,), contact=Contact(email=EMAIL),
                diagnoses=(Diagnosis("F41.1", "Generalised anxiety disorder", primary=True),)),
        registered_on=date(2026, 5, 20))
    return store


def service(store: FakeStore) -> ReportingService:
    return ReportingService(fake_context(store, clock=lambda: NOW, clinic_name="Riverside Clinic",
                                         public_base_url="https://clinic.example", crisis_region="uk"))


def audit(store: FakeStore) -> list[str]:
    return store.repositories["audit"].actions()


def test_a_patient_without_a_plan_shows_no_plan_and_the_default_for_their_diagnosis(store):
    panel = service(store).plan_view(CLINICIAN, PID)
    assert panel.plan is None and panel.state is MeasurementState.NO_PLAN and panel.next_due is None
    assert panel.suggested.instruments == (Instrument.GAD7, Instrument.PHQ9)
    assert audit(store) == [AuditAction.MEASUREMENT_READ]


def test_setting_a_plan_is_audited_and_a_stale_edit_is_refused(store):
    svc = service(store)
    suggested = svc.plan_view(CLINICIAN, PID).suggested
    saved = svc.set_plan(CLINICIAN, PID, suggested, None)
    assert saved.version == 1 and svc.plan_view(CLINICIAN, PID).state is MeasurementState.DUE
    svc.set_plan(CLINICIAN, PID, dataclasses.replace(saved, send_time=time(18, 0)), saved.version)
    with pytest.raises(StaleWriteError):
        svc.set_plan(CLINICIAN, PID, saved, saved.version)
    paused = svc.pause_plan(CLINICIAN, PID, 2)
    assert not paused.active and svc.plan_view(CLINICIAN, PID).state is MeasurementState.PAUSED
    assert audit(store).count(AuditAction.PLAN_SET) == 2 and AuditAction.PLAN_PAUSE in audit(store)


def test_a_double_clicked_plan_save_stores_one_version_and_drops_the_plan_draft(store):
    from novamind_core.domain.forms import FormName
    from novamind_core.services.drafts import DraftService

    svc = service(store)
    drafts = DraftService(fake_context(store, clock=lambda: NOW))
    saved = svc.set_plan(CLINICIAN, PID, svc.plan_view(CLINICIAN, PID).suggested, None)
    edited = dataclasses.replace(saved, send_time=time(18, 0))
    drafts.save(CLINICIAN, PID, FormName.MEASUREMENT_PLAN, {"send_time": "18:00:00", "version": saved.version})
    token = "plan-token-0123456789abcdef"
    first = svc.set_plan(CLINICIAN, PID, edited, saved.version, submission_token=token)
    assert drafts.load(CLINICIAN, PID, FormName.MEASUREMENT_PLAN) is None, "the save drops the draft"
    drafts.save(CLINICIAN, PID, FormName.MEASUREMENT_PLAN, {"send_time": "18:00:00", "version": saved.version})
    second = svc.set_plan(CLINICIAN, PID, edited, saved.version, submission_token=token)  # the second click
    assert second.version == first.version == 2, "no stale-write refusal and no third version"
    assert drafts.load(CLINICIAN, PID, FormName.MEASUREMENT_PLAN) is None, "no ghost draft after the second click"
    assert audit(store).count(AuditAction.PLAN_SET) == 2


def test_a_clinician_outside_the_care_team_is_refused_and_the_refusal_audited(store):
    with pytest.raises(PermissionDenied):
        service(store).create_request(OUTSIDER, PID, "PHQ-9")
    record = store.repositories["audit"].records[-1]
    assert record.outcome == AuditOutcome.DENIED and record.action == AuditAction.REQUEST_CREATE
    assert store.repositories["requests"].requests == {}


def test_a_printed_link_returns_the_token_once_and_only_its_digest_is_stored(store):
    created = service(store).create_request(CLINICIAN, PID, "PHQ-9,GAD-7")
    requests = store.repositories["requests"]
    assert created.link_url == f"https://clinic.example/questionnaire?t={created.token}"
    assert created.token not in repr(created) and created.token not in repr(requests.requests)
    assert requests.digests[created.request_id] == token_digest(created.token)
    assert requests.get(created.request_id).status is RequestStatus.SENT
    assert created.expires_at == NOW + timedelta(days=7)
    assert store.repositories["outbox"].items == {}
    assert store.repositories["audit"].records[-1].detail.startswith(f"request {created.request_id}")


def test_an_email_request_needs_consent_then_queues_its_invitation_in_the_same_transaction(store):
    svc = service(store)
    with pytest.raises(ValidationError, match="consent"):
        svc.create_request(CLINICIAN, PID, "PHQ-9", channel="email")
    assert store.repositories["requests"].requests == {}
    consent = svc.record_consent(CLINICIAN, PID, email=True, sms=False)
    assert consent.recorded_by == CLINICIAN.id and consent.recorded_on == date(2026, 6, 1)
    created = svc.create_request(CLINICIAN, PID, "PHQ-9", channel="email")
    [item] = store.repositories["outbox"].items.values()
    assert item.message.to == EMAIL and item.request_id == created.request_id
    assert created.token in item.message.text and "Riverside Clinic" in item.message.text
    assert "Ada" not in item.message.text + item.message.subject + item.message.html
    assert "NM-000101" not in item.message.text + item.message.html
    assert store.repositories["requests"].get(created.request_id).status is RequestStatus.PENDING


def test_instruments_that_cannot_be_sent_to_patients_are_refused_by_name(store):
    with pytest.raises(ValidationError, match="HAM-D|cannot be sent|unknown|not"):
        service(store).create_request(CLINICIAN, PID, "HAM-D")


def test_a_kiosk_session_is_short_lived_and_uses_the_plan_or_default_instruments(store):
    created = service(store).start_kiosk(CLINICIAN, PID)
    request = store.repositories["requests"].get(created.request_id)
    assert request.channel is Channel.KIOSK and request.instruments == (Instrument.GAD7, Instrument.PHQ9)
    assert created.expires_at == NOW + timedelta(hours=2)
    assert audit(store)[-1] == AuditAction.KIOSK_START


def test_a_medication_start_restarts_a_plan_that_restarts_on_medication_changes(store):
    svc = service(store)
    suggested = svc.plan_view(CLINICIAN, PID).suggested
    svc.set_plan(CLINICIAN, PID, dataclasses.replace(suggested, anchor_on=date(2026, 5, 1)), None)
    ctx = fake_context(store, clock=lambda: NOW)
    MedicationService(ctx).add(CLINICIAN, PID, "sertraline", 50, start_date="2026-05-30")
    plan = store.repositories["plans"].get(PID)
    assert plan.restarted_on == date(2026, 5, 30)
    with FakeUnitOfWork(store) as uow:
        panel = measurement_panel(uow, PID, date(2026, 6, 1))
    assert panel.next_due == date(2026, 6, 6)  # weekly after the change, not two weeks after the anchor


def test_notification_preferences_are_ones_own_and_checked(store):
    svc = service(store)
    assert svc.notification_preferences(CLINICIAN).email is None
    prefs = svc.set_notification_preferences(CLINICIAN, email="dr.a@clinic.invalid", urgent_by_email=True)
    assert prefs.user_id == CLINICIAN.id and "dr.a@clinic.invalid" not in repr(prefs)
    with pytest.raises(ValidationError):
        svc.set_notification_preferences(CLINICIAN, email="not an address", urgent_by_email=True)
    assert audit(store).count(AuditAction.NOTIFICATION_PREFERENCES) == 2
