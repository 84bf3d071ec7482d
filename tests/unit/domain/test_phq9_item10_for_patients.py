"""PHQ-9 item 10 on the patient's own questionnaire: asked once any of the nine is above 0, as the published form
asks it ("If you checked off any problems"), and never added to the total."""

from __future__ import annotations

import pytest

from novamind_core.domain.assessments import score_assessment
from novamind_core.domain.instruments import PHQ9_FUNCTION_ITEM, Instrument
from novamind_core.domain.reporting import REPORTABLE_INSTRUMENTS, patient_item_count


def test_a_patient_who_reports_no_problem_is_asked_the_nine():
    assert patient_item_count(Instrument.PHQ9, [0] * 9 + [None]) == 9
    assert patient_item_count(Instrument.PHQ9, [None] * 10) == 9


@pytest.mark.parametrize("problem", range(9))
def test_any_problem_among_the_nine_brings_item_10(problem):
    answers: list[int | None] = [0] * 9 + [None]
    answers[problem] = 1
    assert patient_item_count(Instrument.PHQ9, answers) == 10
    assert Instrument.PHQ9.spec.all_items[9] == PHQ9_FUNCTION_ITEM


def test_an_item_10_answer_alone_does_not_bring_item_10():
    assert patient_item_count(Instrument.PHQ9, [0] * 9 + [3]) == 9


def test_other_instruments_ask_what_they_always_ask():
    for instrument in REPORTABLE_INSTRUMENTS:
        if instrument is Instrument.PHQ9:
            continue
        answers = [1] * len(instrument.spec.all_items)
        assert patient_item_count(instrument, answers) == instrument.spec.asked_item_count, instrument
    assert patient_item_count(Instrument.MDQ, [0] * 15) == 15  # its two further questions are always asked


def test_item_10_is_kept_beside_the_nine_and_never_counted_in_the_total():
    score = score_assessment("PHQ-9", [1, 1, 0, 0, 0, 0, 0, 0, 0, 3])
    assert score.total == 2 and score.item_answers == (1, 1, 0, 0, 0, 0, 0, 0, 0) and score.extra_answers == (3,)
