"""FHIR export of the step-15 instruments and of PHQ-9 item 10 (LOINC where LOINC publishes the code)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from novamind_core.domain.assessments import score_assessment
from novamind_core.interop.codes import LOINC, NOVAMIND_INSTRUMENT_SYSTEM, questionnaire_canonical
from novamind_core.interop.fhir_questionnaires import panel_observation, questionnaire_response, total_observation


def _assessment(instrument: str, answers: list[int]) -> SimpleNamespace:
    score = score_assessment(instrument, answers)
    return SimpleNamespace(instrument=score.instrument, answers=score.answers, total=score.total,
                           administered_on=date(2026, 5, 1))


def test_auditc_exports_under_its_loinc_panel_total_and_question_codes_with_integer_answers():
    a = _assessment("AUDIT-C", [2, 1, 1])
    response = questionnaire_response(a, "Patient/1")
    assert response["questionnaire"] == questionnaire_canonical(a.instrument) == "http://loinc.org/q/72109-2"
    assert [i["linkId"] for i in response["item"]] == ["68518-0", "68519-8", "68520-6", "75626-2"]
    assert response["item"][0]["answer"] == [{"valueInteger": 2}]  # never the PHQ frequency answer codes
    total = total_observation(a, "Patient/1")["code"]["coding"][0]
    assert (total["system"], total["code"]) == (LOINC, "75626-2")


def test_an_instrument_without_loinc_codes_travels_under_the_local_system():
    a = _assessment("WSAS", [2, 2, 2, 2, 2])
    panel = panel_observation(a, "Patient/1")
    assert panel["code"]["coding"][0]["system"] == NOVAMIND_INSTRUMENT_SYSTEM
    assert panel["component"][-1]["valueInteger"] == 10


def test_phq9_item_10_is_exported_with_its_loinc_code_and_is_not_in_the_total():
    a = _assessment("PHQ-9", [1] * 9 + [2])
    response = questionnaire_response(a, "Patient/1")
    item10 = response["item"][9]
    assert item10["linkId"] == "69722-7" and item10["answer"] == [{"valueInteger": 2}]
    assert response["item"][-1]["answer"] == [{"valueInteger": 9}]


def test_a_phq9_without_item_10_exports_its_nine_items_as_before():
    response = questionnaire_response(_assessment("PHQ-9", [1] * 9), "Patient/1")
    assert len(response["item"]) == 10 and response["item"][-1]["linkId"] == "44261-6"
