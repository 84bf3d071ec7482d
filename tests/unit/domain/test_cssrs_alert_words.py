"""A positive C-SSRS screener's alert reads in a clinician's words: the triage level, the date and each yes answer,
never a raw code (domain/risk.py, domain/alerts.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from novamind_core.domain.alerts import Alert, AlertKind
from novamind_core.domain.assessments import score_assessment
from novamind_core.domain.risk import cssrs_alert_reason, cssrs_findings

ON = date(2026, 12, 6)


def test_no_yes_answer_gives_no_finding():
    assert cssrs_findings([0] * 7) == ()


def test_each_yes_answer_is_named_in_words_with_its_question_number_in_question_order():
    findings = cssrs_findings([1, 1, 1, 1, 1, 0, 0])
    assert [f.rsplit("(question ", 1)[1] for f in findings] == ["1)", "2)", "3)", "4)", "5)"]
    assert findings[3] == "some intention of acting on these thoughts (question 4)"


def test_behaviour_is_read_with_its_timing():
    assert cssrs_findings([0, 0, 0, 0, 0, 1, 1]) == ("suicidal behaviour within the past 3 months (questions 6 and 7)",)
    assert cssrs_findings([0, 0, 0, 0, 0, 1, 0]) == ("suicidal behaviour more than 3 months ago (question 6)",)
    assert cssrs_findings([0, 0, 0, 0, 0, 0, 1]) == (), "question 7 counts only with a yes to question 6"


@pytest.mark.parametrize(("answers", "level"), [
    ([1, 0, 0, 0, 0, 0, 0], "low"),  # a wish to be dead
    ([1, 1, 0, 0, 0, 0, 0], "low"),  # non-specific thoughts
    ([1, 1, 1, 0, 0, 0, 0], "moderate"),  # a method
    ([0, 0, 0, 0, 0, 1, 0], "moderate"),  # behaviour more than 3 months ago
    ([1, 1, 1, 1, 0, 0, 0], "high"),  # intent
    ([1, 1, 1, 0, 1, 0, 0], "high"),  # a plan with intent
    ([0, 0, 0, 0, 0, 1, 1], "high"),  # behaviour in the past 3 months
])
def test_the_reason_leads_with_the_published_triage_level_and_the_date(answers, level):
    score = score_assessment("C-SSRS", answers)
    reason = cssrs_alert_reason(score.total, score.answers, ON)
    assert reason.startswith(f"C-SSRS screener, {level} risk, on 6 Dec 2026: ")
    assert all(f in reason for f in cssrs_findings(answers))


def test_a_total_only_screener_says_the_answers_are_not_available():
    assert cssrs_alert_reason(3, (), ON) == ("C-SSRS screener, high risk, on 6 Dec 2026: triage level only, the "
                                             "answers are not available")


def test_a_screener_alert_is_called_a_suicide_risk_screen_and_an_item9_alert_keeps_its_words():
    at = datetime(2026, 12, 6, tzinfo=UTC)
    screen = Alert(id=1, patient_id=1, kind=AlertKind.ITEM9, raised_at=at, instrument="C-SSRS",
                   message=cssrs_alert_reason(3, (0, 0, 0, 1, 0, 0, 0), ON))
    assert screen.text == ("Suicide risk screen: C-SSRS screener, high risk, on 6 Dec 2026: some intention of acting "
                           "on these thoughts (question 4)")
    assert "item9" not in screen.text and "item 9" not in screen.text
    phq = Alert(id=2, patient_id=1, kind=AlertKind.ITEM9, raised_at=at, instrument="PHQ-9", message="PHQ-9 item 9")
    assert phq.text.startswith("Self-harm item: ")
