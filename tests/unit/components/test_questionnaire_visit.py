"""The patient's visit (components/questionnaire/state.py) asks PHQ-9 item 10 only once a problem is reported, puts
it after the nine, and sends it only while it is asked (no Streamlit run needed)."""

from __future__ import annotations

from datetime import UTC, datetime

from components.questionnaire.state import PortalVisit, Stage
from novamind_core.domain.instruments import Instrument
from novamind_core.domain.reporting_views import PortalRequest


def visit(*instruments: Instrument) -> PortalVisit:
    v = PortalVisit(token="x" * 32)
    v.begin(PortalRequest(instruments=instruments, clinic_name="Riverside Clinic", needs_dob=False, kiosk=True,
                          expires_at=datetime(2026, 12, 7, tzinfo=UTC)))
    return v


def test_no_problem_means_nine_screens_and_nine_answers_sent():
    v = visit(Instrument.PHQ9, Instrument.GAD7)
    assert v.stage is Stage.QUESTIONS
    v.answers[Instrument.PHQ9][:9] = [0] * 9
    v.answers[Instrument.GAD7][:] = [1] * 7
    assert [s for s in v.screens if s[0] is Instrument.PHQ9] == [(Instrument.PHQ9, n) for n in range(1, 10)]
    assert v.all_answered and v.complete_answers()[Instrument.PHQ9] == [0] * 9


def test_a_problem_adds_item_10_after_the_nine_and_before_the_next_questionnaire():
    v = visit(Instrument.PHQ9, Instrument.GAD7)
    v.answers[Instrument.PHQ9][2] = 2
    assert v.screens[9] == (Instrument.PHQ9, 10) and v.screens[10] == (Instrument.GAD7, 1)
    assert v.asked(Instrument.PHQ9) == 10


def test_item_10_must_be_answered_while_it_is_asked_and_is_then_sent():
    v = visit(Instrument.PHQ9)
    v.answers[Instrument.PHQ9][:9] = [1, 1, 0, 0, 0, 0, 0, 0, 0]
    assert not v.all_answered
    v.answers[Instrument.PHQ9][9] = 2
    assert v.all_answered and v.complete_answers() == {Instrument.PHQ9: [1, 1, 0, 0, 0, 0, 0, 0, 0, 2]}


def test_an_item_10_answer_is_dropped_when_the_patient_goes_back_and_clears_every_problem():
    v = visit(Instrument.PHQ9)
    v.answers[Instrument.PHQ9][:] = [1, 0, 0, 0, 0, 0, 0, 0, 0, 3]
    v.answers[Instrument.PHQ9][0] = 0
    assert len(v.screens) == 9 and v.all_answered
    assert v.complete_answers() == {Instrument.PHQ9: [0] * 9}
