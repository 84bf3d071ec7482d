"""Pure helpers of the chart's visit note and episodes components: the draft keeps what was typed, and each outcome
definition is worded apart."""

from __future__ import annotations

from components.patient.episodes import talking_therapies_words
from components.patient.visit_note import draft_key, with_measurement_lines
from novamind_core.domain.outcomes import talking_therapies_outcome

LINE_A = "PHQ-9 administered and scored 2026-05-04: total 12/27 (moderate); action: score reviewed; plan continued."
LINE_B = "GAD-7 administered and scored 2026-05-04: total 9/21 (mild); action: score reviewed; plan continued."


def test_measurement_lines_go_after_the_typed_text_which_is_kept_as_it_was():
    assert with_measurement_lines("Mood better.  \n", [LINE_A, LINE_B]) == f"Mood better.\n\n{LINE_A}\n{LINE_B}"
    assert with_measurement_lines("", [LINE_A]) == LINE_A


def test_a_measurement_line_already_in_the_draft_is_not_added_again():
    draft = f"Mood better.\n\n{LINE_A}"
    assert with_measurement_lines(draft, [LINE_A]) == draft
    assert with_measurement_lines(draft, [LINE_A, LINE_B]) == f"{draft}\n\n{LINE_B}"


def test_each_patient_has_their_own_note_draft():
    assert draft_key(1) != draft_key(2)


def test_the_talking_therapies_outcome_is_worded_in_the_programmes_terms():
    assert talking_therapies_words(talking_therapies_outcome(18, 4, 13, 3)).startswith("reliable recovery")
    assert talking_therapies_words(talking_therapies_outcome(18, 8, 14, 8)) == (
        "reliable improvement, still a case at the end")
    assert talking_therapies_words(talking_therapies_outcome(8, 16, 5, 12)) == (
        "reliable deterioration; not a case at the start, so outside the recovery count")
