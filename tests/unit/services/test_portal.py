"""The patient's side of patient-reported measurement (open a link, confirm the date of birth, submit, opt out) on
the in-memory unit of work: no database anywhere in this file."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from novamind_core.domain.alerts import AlertKind
from novamind_core.domain.errors import ValidationError
from novamind_core.domain.outbox import OutboxKind
from novamind_core.domain.patients import Contact, Diagnosis, Patient, SexAtBirth
from novamind_core.domain.reporting import DOB_MAX_FAILURES, AssessmentSource, RequestStatus
from novamind_core.domain.reporting_views import (
    REFUSAL_MESSAGE,
    DeliveryEventKind,
    PortalRefusal,
    PortalRequest,
    RefusalReason,
)
from novamind_core.domain.users import Role, User
from novamind_core.security.audit import AuditAction
from novamind_core.services.portal import PortalService
from novamind_core.services.reporting import ReportingService
from tests.fakes import MutableClock
from tests.fakes.uow import FakeStore, fake_context

CLINICIAN = User(id=7, username="dr.a", display_name="Dr A", role=Role.CLINICIAN)
COLLEAGUE = User(id=8, username="dr.b", display_name="Dr B", role=Role.CLINICIAN)
PID = 101
DOB = date(1980, 1, 2)
PHQ9_ITEM9_TWO = [1, 1, 1, 1, 1, 1, 1, 1, 2]
GAD7 = [1, 1, 1, 1, 1, 1, 1]
PATIENT_DETAILS = ("Ada", "Testcase", "NM-000101", "F32.1", "depressive", "1980")


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def store() -> FakeStore:
    store = FakeStore()
    for user in (CLINICIAN, COLLEAGUE):
        store.repositories["users"].put(user)
    store.repositories["patients"].put(
        Patient(id=PID, mrn="NM-000101", given_name="Ada", family_name="Testcase", date_of_birth=DOB,
                sex_at_birth=SexAtBirth.FEMALE, care_team=(CLINICIAN.id, COLLEAGUE.id),
                contact=Contact(email="ada@example.invalid"),
                diagnoses=(Diagnosis("F32.1", "Moderate depressive episode", primary=True),)),
        registered_on=date(2026, 5, 20))
    return store


def context(store: FakeStore, clock: MutableClock, **settings: object):  # type: ignore[no-untyped-def]
    values = dict(clinic_name="Riverside Clinic", public_base_url="https://clinic.example", crisis_region="uk",
                  crisis_message=None, questionnaire_rate_limit=20, questionnaire_rate_window_minutes=15)
    values.update(settings)
    return fake_context(store, clock=clock, **values)


def link(store: FakeStore, clock: MutableClock, instruments: str = "PHQ-9,GAD-7", kiosk: bool = False) -> str:
    svc = ReportingService(context(store, clock))
    made = svc.start_kiosk(CLINICIAN, PID, instruments) if kiosk else svc.create_request(CLINICIAN, PID, instruments)
    return made.token


def portal(store: FakeStore, clock: MutableClock, **settings: object) -> PortalService:
    return PortalService(context(store, clock, **settings))


def verified(store: FakeStore, clock: MutableClock, instruments: str = "PHQ-9,GAD-7"
             ) -> tuple[PortalService, str, str]:
    """A portal, a link and the session proof of the browser that confirmed the date of birth."""
    token = link(store, clock, instruments)
    p = portal(store, clock)
    assert isinstance(p.open(token, "10.0.0.1"), PortalRequest)
    check = p.verify_dob(token, DOB, "10.0.0.1")
    assert check.ok and check.session_proof
    return p, token, check.session_proof


def test_an_open_link_shows_the_instruments_and_clinic_and_nothing_about_the_patient(store, clock):
    token = link(store, clock)
    view = portal(store, clock).open(token, "10.0.0.1")
    assert isinstance(view, PortalRequest) and view.needs_dob and not view.kiosk
    assert view.clinic_name == "Riverside Clinic" and [i.value for i in view.instruments] == ["PHQ-9", "GAD-7"]
    text = repr(view) + " ".join(str(getattr(view, f.name)) for f in dataclasses.fields(view))
    assert not any(detail in text for detail in PATIENT_DETAILS)
    assert store.repositories["audit"].records[-1].username == "patient-link"
    assert store.repositories["audit"].records[-1].role == "patient"
    assert store.repositories["delivery"].recent(PID)[0].event is DeliveryEventKind.OPENED


def test_expired_used_tampered_and_unknown_links_all_get_the_same_refusal(store, clock):
    p = portal(store, clock)
    expired = link(store, clock)
    used_portal, used, used_proof = verified(store, clock, "GAD-7")
    used_portal.submit(used, {"GAD-7": GAD7}, "10.0.0.1", used_proof)
    clock.advance(days=8)
    refusals = {
        "expired": p.open(expired, "10.0.0.2"),
        "used": p.open(used, "10.0.0.2"),
        "tampered": p.open(expired[:-3] + "!!!", "10.0.0.2"),
        "unknown": p.open("A" * 32, "10.0.0.2"),
    }
    assert all(isinstance(r, PortalRefusal) for r in refusals.values())
    assert {r.message for r in refusals.values()} == {REFUSAL_MESSAGE}
    assert [r.reason_kind for r in refusals.values()] == [RefusalReason.EXPIRED, RefusalReason.USED,
                                                         RefusalReason.TAMPERED, RefusalReason.UNKNOWN]
    assert store.repositories["audit"].actions()[-4:] == [AuditAction.REQUEST_REFUSED] * 4


def test_three_wrong_dates_of_birth_lock_the_link_and_tell_the_care_team_without_phi(store, clock):
    ReportingService(context(store, clock)).set_notification_preferences(
        CLINICIAN, email="dr.a@clinic.invalid", urgent_by_email=True)
    token = link(store, clock)
    p = portal(store, clock)
    checks = [p.verify_dob(token, date(1990, 1, 1), "10.0.0.1") for _ in range(DOB_MAX_FAILURES)]
    assert [c.ok for c in checks] == [False] * DOB_MAX_FAILURES and checks[-1].locked
    assert [c.tries_left for c in checks[:-1]] == [2, 1]
    assert p.verify_dob(token, DOB, "10.0.0.1").ok is False  # even the right date now fails
    assert isinstance(p.open(token, "10.0.0.1"), PortalRefusal)
    [mail] = [i for i in store.repositories["outbox"].items.values() if i.kind is OutboxKind.DOB_LOCKED]
    assert mail.message.to == "dr.a@clinic.invalid" and mail.recipient_user_id == CLINICIAN.id
    body = mail.message.subject + mail.message.text + mail.message.html
    assert not any(detail in body for detail in PATIENT_DETAILS)
    actions = store.repositories["audit"].actions()
    assert actions.count(AuditAction.REQUEST_DOB_FAILED) == 2 and AuditAction.REQUEST_LOCKED in actions


def test_answers_are_refused_before_the_date_of_birth_is_confirmed(store, clock):
    token = link(store, clock, "GAD-7")
    result = portal(store, clock).submit(token, {"GAD-7": GAD7}, "10.0.0.1")
    assert not result.accepted and result.refusal.reason_kind is RefusalReason.NOT_VERIFIED
    assert store.repositories["assessments"].records == []


def test_a_submission_is_stored_as_ordinary_assessments_and_a_second_one_writes_nothing(store, clock):
    p, token, proof = verified(store, clock, "GAD-7")
    first = p.submit(token, {"GAD-7": GAD7}, "10.0.0.1", proof)
    assert first.accepted and not first.already_received and first.crisis_message is None
    [record] = store.repositories["assessments"].records
    assert record.source is AssessmentSource.PATIENT_REMOTE and record.completed_at == clock.now
    audit_before = len(store.repositories["audit"].records)
    second = p.submit(token, {"GAD-7": GAD7}, "10.0.0.1", proof)
    assert second.accepted and second.already_received
    assert len(store.repositories["assessments"].records) == 1
    assert len(store.repositories["audit"].records) == audit_before


def test_invalid_answers_store_nothing_and_leave_the_link_usable(store, clock):
    p, token, proof = verified(store, clock, "PHQ-9")
    with pytest.raises(ValidationError):
        p.submit(token, {"PHQ-9": [9, 9, 9, 9, 9, 9, 9, 9, 9]}, "10.0.0.1", proof)
    with pytest.raises(ValidationError, match="exactly"):
        p.submit(token, {"GAD-7": GAD7}, "10.0.0.1", proof)
    assert store.repositories["assessments"].records == []
    assert p.submit(token, {"PHQ-9": [0] * 9}, "10.0.0.1", proof).accepted


def test_item9_of_two_raises_an_urgent_alert_the_crisis_message_and_one_email_per_opted_in_member(store, clock):
    svc = ReportingService(context(store, clock))
    svc.set_notification_preferences(CLINICIAN, email="dr.a@clinic.invalid", urgent_by_email=True)
    svc.set_notification_preferences(COLLEAGUE, email="dr.b@clinic.invalid", urgent_by_email=False)
    p, token, proof = verified(store, clock)
    result = p.submit(token, {"PHQ-9": PHQ9_ITEM9_TWO, "GAD-7": GAD7}, "10.0.0.1", proof)
    assert result.item9_positive and "116 123" in result.crisis_message and "111" in result.crisis_message
    [alert] = [a for a in store.repositories["alerts"].list(PID) if a.kind is AlertKind.ITEM9]
    assert alert.message.startswith("URGENT") and "remote link" in alert.message
    urgent = [i for i in store.repositories["outbox"].items.values() if i.kind is OutboxKind.URGENT_ALERT]
    assert [i.message.to for i in urgent] == ["dr.a@clinic.invalid"]
    body = urgent[0].message.subject + urgent[0].message.text + urgent[0].message.html
    assert f"https://clinic.example/patient?alert={alert.id}" in urgent[0].message.text
    assert not any(detail in body for detail in PATIENT_DETAILS) and "item 9" not in body.lower()


def test_a_kiosk_session_skips_the_date_of_birth_and_records_the_kiosk_as_source(store, clock):
    token = link(store, clock, "GAD-7", kiosk=True)
    p = portal(store, clock)
    view = p.open(token, "tablet")
    assert isinstance(view, PortalRequest) and view.kiosk and not view.needs_dob
    assert p.submit(token, {"GAD-7": GAD7}, "tablet").accepted
    assert store.repositories["assessments"].records[0].source is AssessmentSource.KIOSK
    assert store.repositories["audit"].records[-1].username == "kiosk"


def test_opting_out_cancels_open_requests_and_records_the_opt_out(store, clock):
    token = link(store, clock)
    other = link(store, clock, "GAD-7")
    assert portal(store, clock).opt_out(token, "10.0.0.1") is True
    requests = store.repositories["requests"].requests.values()
    assert {r.status for r in requests} == {RequestStatus.CANCELLED}
    assert store.repositories["consents"].get(PID).opted_out
    assert isinstance(portal(store, clock).open(other, "10.0.0.1"), PortalRefusal)
    assert portal(store, clock).opt_out("B" * 32, "10.0.0.1") is False


def test_attempts_are_rate_limited_per_token_and_per_client_address(store, clock):
    p = portal(store, clock, questionnaire_rate_limit=3)
    token = link(store, clock)
    views = [p.open(token, f"10.0.0.{n}") for n in range(4)]  # four addresses, one token
    assert isinstance(views[2], PortalRequest) and views[3].reason_kind is RefusalReason.RATE_LIMITED
    fresh = [link(store, clock) for _ in range(4)]
    by_client = [p.open(t, "192.0.2.9") for t in fresh]  # one address, four tokens
    assert isinstance(by_client[2], PortalRequest)
    assert by_client[3].reason_kind is RefusalReason.RATE_LIMITED
    clock.advance(minutes=16)
    assert isinstance(p.open(fresh[3], "192.0.2.9"), PortalRequest)  # a new window
    keys = list(store.repositories["rate_limits"].windows)
    assert not any(token in k or "192.0.2.9" in k for k in keys)


def test_a_second_device_with_the_same_link_must_confirm_the_date_of_birth_itself(store, clock):
    p, token, proof = verified(store, clock, "GAD-7")
    second = p.open(token, "10.0.0.9")
    assert isinstance(second, PortalRequest) and second.needs_dob  # another browser is asked again
    refused = p.submit(token, {"GAD-7": GAD7}, "10.0.0.9")  # without the first browser's proof
    assert not refused.accepted and refused.refusal.reason_kind is RefusalReason.NOT_VERIFIED
    forged = p.submit(token, {"GAD-7": GAD7}, "10.0.0.9", "A" * 32)
    assert not forged.accepted
    assert store.repositories["assessments"].records == []
    assert p.submit(token, {"GAD-7": GAD7}, "10.0.0.1", proof).accepted
