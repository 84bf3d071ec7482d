"""Risk reviews, safety plans and unscored extra answers on SQLite and PostgreSQL: stored, read back, encrypted."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from novamind_core.domain.errors import ValidationError
from tests.risk_support import complete_review_values


def test_a_review_and_its_plan_round_trip_and_their_words_are_ciphertext_at_rest(services, clinician, patient):
    alert = services.assessments.record(clinician, patient.id, "PHQ-9", [1] * 8 + [2, 1]).alerts[0]
    today = services.context.today()
    review = services.risk_reviews.complete(clinician, alert.id, **complete_review_values(
        today, formulation="Plughword formulation", risk_level="moderate"))
    [stored] = services.risk_reviews.history(clinician, patient.id)
    assert stored == review and stored.risk_level.value == "moderate" and stored.reviewed_by_name
    assert stored.safety_plan.professional_contacts == ("Clinic 020 7946 0000", "Crisis line 116 123")
    assert services.risk_reviews.safety_plan(clinician, patient.id).plan == stored.safety_plan
    with services.engine.connect() as conn:
        content = conn.execute(text("SELECT content FROM risk_reviews")).scalar_one()
        plan = conn.execute(text("SELECT plan FROM safety_plans")).scalar_one()
    assert content.startswith("gAAAAA") and "Plughword" not in content
    assert plan.startswith("gAAAAA") and "Crisis line" not in plan


def test_an_incomplete_review_stores_nothing_and_leaves_the_alert_open(services, clinician, patient):
    alert = services.assessments.record(clinician, patient.id, "PHQ-9", [0] * 8 + [1]).alerts[0]
    with pytest.raises(ValidationError):
        services.risk_reviews.complete(clinician, alert.id,
                                       **complete_review_values(services.context.today(), action_taken=""))
    assert services.risk_reviews.history(clinician, patient.id) == ()
    assert services.alerts.list_for_patient(clinician, patient.id)[0].open


def test_phq9_item_10_is_kept_beside_the_nine_scored_answers(services, clinician, patient):
    saved = services.assessments.record(clinician, patient.id, "PHQ-9", [1] * 9 + [2]).assessment
    [read] = services.assessments.history(clinician, patient.id, "PHQ-9")
    assert (read.answers, read.extra_answers, read.total) == ((1,) * 9, (2,), 9) == (
        saved.answers, saved.extra_answers, saved.total)


def test_the_insight_leads_with_an_open_risk_alert_until_the_review_closes_it(services, clinician, patient):
    alert = services.assessments.record(clinician, patient.id, "PHQ-9", [2] * 8 + [1]).alerts[0]
    insight = services.predictions.insight(clinician, patient.id)
    assert insight.sections[0][0] == "Open risk alert" and "Self-harm item" in insight.sections[0][1]
    services.risk_reviews.complete(clinician, alert.id, **complete_review_values(services.context.today()))
    assert services.predictions.insight(clinician, patient.id).sections[0][0] != "Open risk alert"
