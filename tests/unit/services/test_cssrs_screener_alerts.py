"""A C-SSRS screener recorded on its own raises the same self-harm risk alert as PHQ-9 item 9 (on the in-memory unit
of work): any yes opens it with the triage level and the yes answers in words; it closes only through a documented
risk review; from a patient's own answers it is urgent, e-mails the care team and shows the crisis message."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from novamind_core.domain.alerts import AlertKind
from novamind_core.domain.errors import ValidationError
from novamind_core.domain.instruments import Instrument
from novamind_core.domain.outbox import OutboxKind
from novamind_core.domain.patients import Patient, SexAtBirth
from novamind_core.domain.reporting import AssessmentSource, Channel, new_link_token, token_digest
from novamind_core.domain.users import Role, User
from novamind_core.services.alerts import AlertService
from novamind_core.services.assessments import AssessmentService, evaluate_alerts, screener_alert
from novamind_core.services.portal import PortalService
from novamind_core.services.reporting import ReportingService
from novamind_core.services.risk_reviews import RiskReviewService
from tests.fakes.uow import FakeStore, fake_context
from tests.risk_support import complete_review_values

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
CLINICIAN = User(id=7, username="dr.a", display_name="Dr A", role=Role.CLINICIAN)
PID = 101
HIGH = [1, 1, 1, 1, 0, 0, 0]  # intent (question 4)
NEGATIVE = [0] * 7


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
    return fake_context(store, clock=lambda: NOW, overdue_assessment_days=28, clinic_name="Riverside Clinic",
                        public_base_url="https://clinic.example", crisis_region="uk", crisis_message=None,
                        questionnaire_rate_limit=20, questionnaire_rate_window_minutes=15)


def record(store: FakeStore, answers: list[int]):  # type: ignore[no-untyped-def]
    return AssessmentService(ctx(store)).record(CLINICIAN, PID, "C-SSRS", answers)


def test_a_high_risk_screener_opens_a_self_harm_risk_alert_whose_reason_is_in_words(store):
    [alert] = record(store, HIGH).alerts
    assert alert.kind is AlertKind.ITEM9 and alert.open and alert.value == 3 and alert.instrument == "C-SSRS"
    assert alert.text == ("Suicide risk screen: C-SSRS screener, high risk, on 1 Jun 2026: wished to be dead "
                          "(question 1); thoughts of killing themselves (question 2); thought about how they might "
                          "do it (question 3); some intention of acting on these thoughts (question 4)")
    assert not alert.urgent, "a clinician asked the questions: nobody is e-mailed, as for a clinician's item 9"
    assert store.repositories["outbox"].items == {}


def test_a_screener_answered_no_throughout_raises_nothing(store):
    assert record(store, NEGATIVE).alerts == ()
    assert store.repositories["alerts"].list(PID) == []


@pytest.mark.parametrize(("answers", "level"), [([1, 0, 0, 0, 0, 0, 0], 1), ([0, 1, 0, 0, 0, 0, 0], 1),
                                                ([1, 1, 1, 0, 0, 0, 0], 2), ([0, 0, 0, 0, 0, 1, 0], 2),
                                                ([0, 0, 0, 0, 0, 1, 1], 3), ([1, 1, 0, 0, 1, 0, 0], 3)])
def test_any_yes_opens_the_alert_with_its_triage_level(store, answers, level):
    [alert] = record(store, answers).alerts
    assert alert.kind is AlertKind.ITEM9 and alert.value == level
    assert f"{('low', 'moderate', 'high')[level - 1]} risk" in alert.message


def test_the_screener_alert_is_first_and_refuses_a_one_click_acknowledgement(store):
    AssessmentService(ctx(store)).record(CLINICIAN, PID, "PHQ-9", [0] * 9, administered_on="2026-05-01")
    AssessmentService(ctx(store)).record(CLINICIAN, PID, "PHQ-9", [2] * 8 + [0])  # worsening, acknowledgeable
    [alert] = record(store, HIGH).alerts
    listed = [a for a in AlertService(ctx(store)).list_for_patient(CLINICIAN, PID) if a.id is not None]
    assert listed[0].id == alert.id and listed[1].kind is AlertKind.WORSENING
    with pytest.raises(ValidationError, match="only through a risk review"):
        AlertService(ctx(store)).acknowledge(CLINICIAN, alert.id)
    assert store.repositories["patients"].summary(PID).open_item9_alerts == 1


def test_the_risk_review_shows_the_screener_answers_and_closes_the_alert_only_when_documented(store):
    [alert] = record(store, HIGH).alerts
    reviews = RiskReviewService(ctx(store))
    form = reviews.form(CLINICIAN, alert.id)
    assert form.instrument == "C-SSRS" and [a.answer_label for a in form.answers] == ["Yes"] * 4 + ["No"] * 3
    assert form.answers[3].question.startswith("Have you had these thoughts and had some intention")
    with pytest.raises(ValidationError):
        reviews.complete(CLINICIAN, alert.id, **complete_review_values(NOW.date(), formulation=""))
    assert store.repositories["alerts"].list(PID)[0].open
    reviews.complete(CLINICIAN, alert.id, **complete_review_values(NOW.date(), cssrs_answers=HIGH,
                                                                   risk_level="high"))
    assert not store.repositories["alerts"].list(PID)[0].open
    assert store.repositories["patients"].summary(PID).open_item9_alerts == 0


def test_a_total_only_screener_still_alerts_and_other_instruments_never_raise_a_screener_alert():
    from novamind_core.domain.assessments import score_assessment, score_total_only

    on = date(2026, 6, 1)
    kind, message, value = screener_alert(score_total_only("C-SSRS", 2), on)  # type: ignore[misc]
    assert kind is AlertKind.ITEM9 and value == 2 and "moderate risk" in message and "not available" in message
    assert screener_alert(score_assessment("GAD-7", [3] * 7), on) is None
    assert [k for k, _, _ in evaluate_alerts(score_assessment("PHQ-9", [1] * 8 + [0]), on, [])] == []


def kiosk_request(store: FakeStore, instruments: tuple[Instrument, ...]) -> str:
    """A kiosk request written straight to the store: the C-SSRS is not offered to patients today, so the reporting
    service would refuse to create one; this checks the path it would take if it were."""
    token = new_link_token()
    store.repositories["requests"].add(PID, instruments, token_digest(token), Channel.KIOSK, NOW.date(), NOW,
                                       NOW + timedelta(hours=2), created_by=CLINICIAN.id)
    return token


def test_a_positive_screener_from_the_patient_is_urgent_emails_the_care_team_and_shows_the_crisis_message(store):
    ReportingService(ctx(store)).set_notification_preferences(CLINICIAN, email="dr.a@clinic.invalid",
                                                              urgent_by_email=True)
    token = kiosk_request(store, (Instrument.CSSRS,))
    result = PortalService(ctx(store)).submit(token, {"C-SSRS": [1, 0, 0, 0, 0, 0, 0]}, "tablet")
    assert result.accepted and result.crisis_message and "116 123" in result.crisis_message
    [alert] = store.repositories["alerts"].list(PID)
    assert alert.urgent and alert.text.startswith("Urgent · Suicide risk screen: C-SSRS screener, low risk")
    [mail] = [i for i in store.repositories["outbox"].items.values() if i.kind is OutboxKind.URGENT_ALERT]
    assert mail.message.to == "dr.a@clinic.invalid" and f"alert={alert.id}" in mail.message.text
    assert "C-SSRS" not in mail.message.subject + mail.message.text, "the e-mail carries a link, not the finding"


def test_a_patients_phq9_item_10_is_stored_beside_the_nine_and_not_in_the_total(store):
    token = kiosk_request(store, (Instrument.PHQ9,))
    assert PortalService(ctx(store)).submit(token, {"PHQ-9": [1, 1, 0, 0, 0, 0, 0, 0, 0, 2]}, "tablet").accepted
    [stored] = store.repositories["assessments"].records
    assert stored.source is AssessmentSource.KIOSK
    assert (stored.answers, stored.extra_answers, stored.total) == ((1, 1, 0, 0, 0, 0, 0, 0, 0), (2,), 2)
