"""The structured risk review on the in-memory unit of work: an item-9 alert closes only through a complete review."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from novamind_core.domain.alerts import AlertKind
from novamind_core.domain.errors import ConflictError, PermissionDenied, ValidationError
from novamind_core.domain.forms import FormName
from novamind_core.domain.patients import Patient, SexAtBirth
from novamind_core.domain.risk import SAFETY_PLAN_STEPS, RiskLevel
from novamind_core.domain.users import Role, User
from novamind_core.insights import TwinInsightInput, generate_insight
from novamind_core.security.audit import AuditOutcome
from novamind_core.services.alerts import AlertService
from novamind_core.services.assessments import AssessmentService
from novamind_core.services.drafts import DraftService
from novamind_core.services.risk_reviews import RISK_REVIEW_CREATE, RiskReviewService
from tests.fakes.uow import FakeStore, fake_context

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
CLINICIAN = User(id=7, username="dr.a", display_name="Dr A", role=Role.CLINICIAN)
OUTSIDER = User(id=9, username="dr.c", display_name="Dr C", role=Role.CLINICIAN)
PID = 101

PLAN = {
    "warning_signs": "Not sleeping\nWithdrawing from friends",
    "coping_strategies": ["Walk the dog", "Shower and music"],
    "distraction_contacts": ["Sister's house", "Café on the corner"],
    "help_contacts": ["Sister 07700 900123"],
    "professional_contacts": ["Clinic 020 7946 0000", "Crisis line 116 123"],
    "environment_safety": ["Partner keeps the medicines locked away"],
}


def complete_review(**overrides):  # type: ignore[no-untyped-def]
    values = dict(cssrs_answers=[1, 1, 0, 0, 0, 0, 0], formulation="Passive ideation since the redundancy; no plan, "
                  "no intent; protective: children, engaged in care.", risk_level="low", safety_plan=PLAN,
                  action_taken="Safety plan agreed; sister informed with consent; review in clinic.",
                  follow_up_on="2026-06-08")
    values.update(overrides)
    return values


@pytest.fixture
def store() -> FakeStore:
    store = FakeStore()
    for user in (CLINICIAN, OUTSIDER):
        store.repositories["users"].put(user)
    store.repositories["patients"].put(
        Patient(id=PID, mrn="NM-000101", given_name="Ada", family_name="Testcase", date_of_birth=date(1980, 1, 2),
                sex_at_birth=SexAtBirth.FEMALE, care_team=(CLINICIAN.id,)),
        registered_on=date(2026, 5, 20))
    return store


def ctx(store: FakeStore):  # type: ignore[no-untyped-def]
    return fake_context(store, clock=lambda: NOW, overdue_assessment_days=28)


def item9_alert(store: FakeStore):  # type: ignore[no-untyped-def]
    return AssessmentService(ctx(store)).record(CLINICIAN, PID, "PHQ-9", [1, 1, 1, 1, 1, 1, 1, 1, 2, 1]).alerts[0]


def test_an_item9_alert_can_no_longer_be_closed_with_one_click(store):
    alert = item9_alert(store)
    with pytest.raises(ValidationError, match="only through a risk review"):
        AlertService(ctx(store)).acknowledge(CLINICIAN, alert.id)
    assert AlertService(ctx(store)).list_for_patient(CLINICIAN, PID)[0].open


def test_a_worsening_alert_is_still_acknowledged_with_one_click(store):
    AssessmentService(ctx(store)).record(CLINICIAN, PID, "PHQ-9", [0] * 9, administered_on="2026-05-01")
    worse = AssessmentService(ctx(store)).record(CLINICIAN, PID, "PHQ-9", [2] * 8 + [0]).alerts[0]
    assert worse.kind is AlertKind.WORSENING
    assert not AlertService(ctx(store)).acknowledge(CLINICIAN, worse.id).open


def test_the_review_form_shows_the_answers_that_raised_the_alert_in_the_patients_words(store):
    alert = item9_alert(store)
    form = RiskReviewService(ctx(store)).form(CLINICIAN, alert.id)
    item9 = form.answers[8]
    assert (item9.number, item9.answer, item9.answer_label) == (9, 2, "More than half the days")
    assert "better off dead" in item9.question
    assert form.answers[9].answer_label == "Somewhat difficult"  # item 10, unscored, shown too
    assert form.total == 10 and form.previous_plan is None and form.today == date(2026, 6, 1)


@pytest.mark.parametrize(("override", "field"), [
    ({"cssrs_answers": [1, 1, None, 0, 0, 0, 0]}, "cssrs_3"),
    ({"formulation": "   "}, "formulation"),
    ({"risk_level": None}, "risk_level"),
    ({"safety_plan": {**PLAN, "environment_safety": []}}, "safety_plan.environment_safety"),
    ({"action_taken": ""}, "action_taken"),
    ({"follow_up_on": None}, "follow_up_on"),
    ({"follow_up_on": "2026-05-31"}, "follow_up_on"),
])
def test_an_incomplete_review_is_refused_naming_the_missing_part_and_the_alert_stays_open(store, override, field):
    alert = item9_alert(store)
    with pytest.raises(ValidationError) as refused:
        RiskReviewService(ctx(store)).complete(CLINICIAN, alert.id, **complete_review(**override))
    assert refused.value.field == field
    assert AlertService(ctx(store)).list_for_patient(CLINICIAN, PID)[0].open
    assert store.repositories["risk_reviews"].reviews == {}


def test_a_complete_review_closes_the_alert_stores_the_plan_and_writes_one_audit_event(store):
    alert = item9_alert(store)
    before = len(store.repositories["audit"].actions())
    review = RiskReviewService(ctx(store)).complete(CLINICIAN, alert.id, **complete_review())
    assert store.repositories["audit"].actions()[before:] == [RISK_REVIEW_CREATE]
    assert (review.cssrs_level, review.risk_level, review.follow_up_on) == ("low", RiskLevel.LOW, date(2026, 6, 8))
    assert review.safety_plan.warning_signs == ("Not sleeping", "Withdrawing from friends")
    closed = next(a for a in AlertService(ctx(store)).list_for_patient(CLINICIAN, PID) if a.id == alert.id)
    assert not closed.open and closed.acknowledged_by == CLINICIAN.id
    assert store.repositories["patients"].summary(PID).open_item9_alerts == 0


def test_a_second_review_of_a_closed_alert_is_refused(store):
    alert = item9_alert(store)
    RiskReviewService(ctx(store)).complete(CLINICIAN, alert.id, **complete_review())
    with pytest.raises(ConflictError, match="already closed"):
        RiskReviewService(ctx(store)).complete(CLINICIAN, alert.id, **complete_review())


def test_a_repeated_submission_returns_the_first_review_and_the_draft_is_dropped_with_the_save(store):
    alert = item9_alert(store)
    DraftService(ctx(store)).save(CLINICIAN, PID, FormName.RISK_REVIEW, {"formulation": "Half written"})
    token = "risk-review-token-0001"
    first = RiskReviewService(ctx(store)).complete(CLINICIAN, alert.id, submission_token=token, **complete_review())
    again = RiskReviewService(ctx(store)).complete(CLINICIAN, alert.id, submission_token=token, **complete_review())
    assert again.id == first.id
    assert [r.id for r in RiskReviewService(ctx(store)).history(CLINICIAN, PID)] == [first.id]
    assert DraftService(ctx(store)).load(CLINICIAN, PID, FormName.RISK_REVIEW) is None


def test_the_printable_safety_plan_carries_the_patient_the_six_steps_and_the_follow_up(store):
    alert = item9_alert(store)
    RiskReviewService(ctx(store)).complete(CLINICIAN, alert.id, **complete_review())
    view = RiskReviewService(ctx(store)).safety_plan(CLINICIAN, PID)
    assert view is not None and view.patient_name == "Ada Testcase" and view.written_by_name == "Dr A"
    assert all(view.plan.step(s.key) for s in SAFETY_PLAN_STEPS)
    assert view.follow_up_on == date(2026, 6, 8)
    assert RiskReviewService(ctx(store)).form(CLINICIAN, item9_alert(store).id).previous_plan == view.plan


def test_a_clinician_outside_the_care_team_cannot_review_and_the_refusal_is_audited(store):
    alert = item9_alert(store)
    with pytest.raises(PermissionDenied):
        RiskReviewService(ctx(store)).complete(OUTSIDER, alert.id, **complete_review())
    assert store.repositories["audit"].records[-1].outcome == AuditOutcome.DENIED
    assert AlertService(ctx(store)).list_for_patient(CLINICIAN, PID)[0].open


def test_the_insight_leads_with_an_open_risk_alert():
    text = "Self-harm item: PHQ-9 item 9 (thoughts of self-harm) answered 2 on 1 Jun 2026"
    insight = generate_insight(TwinInsightInput(open_risk_alerts=(text,), as_of="2026-06-01"))
    assert insight.sections[0][0] == "Open risk alert"
    assert text in insight.sections[0][1] and "risk review" in insight.sections[0][1]
    assert generate_insight(TwinInsightInput(as_of="2026-06-01")).sections[0][0] != "Open risk alert"


_text = st.one_of(st.none(), st.text(max_size=40), st.just(" " * 3))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=st.lists(st.one_of(st.none(), st.integers(-1, 2), st.booleans()), max_size=9),
       formulation=_text, level=st.one_of(st.none(), st.sampled_from(["low", "moderate", "high", "extreme", ""])),
       plan=st.dictionaries(st.sampled_from([s.key for s in SAFETY_PLAN_STEPS]), st.lists(st.text(max_size=20),
                                                                                           max_size=3)),
       action=_text, follow=st.one_of(st.none(), st.dates(date(2026, 1, 1), date(2027, 1, 1)).map(str)))
def test_fuzzed_reviews_either_close_the_alert_completely_or_change_nothing(answers, formulation, level, plan,
                                                                             action, follow):
    store = FakeStore()
    store.repositories["users"].put(CLINICIAN)
    store.repositories["patients"].put(
        Patient(id=PID, mrn="NM-000101", given_name="Ada", family_name="Testcase", date_of_birth=date(1980, 1, 2),
                sex_at_birth=SexAtBirth.FEMALE, care_team=(CLINICIAN.id,)), registered_on=date(2026, 5, 20))
    alert = item9_alert(store)
    try:
        review = RiskReviewService(ctx(store)).complete(
            CLINICIAN, alert.id, cssrs_answers=answers, formulation=formulation, risk_level=level, safety_plan=plan,
            action_taken=action, follow_up_on=follow)
    except ValidationError:
        assert store.repositories["risk_reviews"].reviews == {}
        assert AlertService(ctx(store)).list_for_patient(CLINICIAN, PID)[0].open
    else:
        assert review.formulation.strip() and review.action_taken.strip() and len(review.cssrs_answers) == 7
        assert not AlertService(ctx(store)).list_for_patient(CLINICIAN, PID)[0].open
