"""FHIR step 10: QuestionnaireResponse export and import, the total as its own Observation, total-only
Observations, MedicationRequest for orders, sex at birth and gender identity, and the official R4 JSON schema."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from novamind_core.biometrics.problems import ImportProblems
from novamind_core.domain.assessments import Instrument
from novamind_core.domain.records import AssessmentRecord
from novamind_core.domain.reporting import AssessmentSource
from novamind_core.interop import parse_bundle, patient_bundle, read_bundle
from novamind_core.interop.codes import LOINC
from tests.unit.interop.fhir_schema import schema_errors
from tests.unit.interop.test_fhir import ASSESSMENTS, ORDERS, TODAY, _patient

LOINC_ANSWERS = {"LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"}
KIOSK_PHQ = AssessmentRecord(5, 7, Instrument.PHQ9, date(2026, 2, 2), (1, 1, 1, 1, 1, 1, 1, 1, 2), 10, "moderate",
                             True, datetime(2026, 2, 2, 10, tzinfo=UTC), None, source=AssessmentSource.KIOSK,
                             completed_at=datetime(2026, 2, 2, 9, 41, 7, tzinfo=UTC))
TOTAL_ONLY = AssessmentRecord(6, 7, Instrument.GAD7, date(2024, 5, 1), (), 12, "moderate", False,
                              datetime(2026, 1, 1, tzinfo=UTC), 1, source=AssessmentSource.IMPORT)


def _export(assessments=ASSESSMENTS + (KIOSK_PHQ, TOTAL_ONLY), orders=ORDERS, **patient) -> dict:
    return patient_bundle(_patient(**patient), assessments, orders, mrn_system="urn:novamind:mrn",
                          now=datetime(2026, 3, 12, tzinfo=UTC))


def _resources(bundle: dict, rtype: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == rtype]


def _parse(source):
    return parse_bundle(source, today=TODAY, timezone="Europe/London")


def _only(bundle: dict, *types: str) -> dict:
    """The Bundle with only the Patient and resources of ``types``."""
    out = json.loads(json.dumps(bundle))
    out["entry"] = [e for e in out["entry"] if e["resource"]["resourceType"] in ("Patient", *types)]
    return out


# ---------------------------------------------------------------------------------------------- export
def test_every_itemised_assessment_is_a_questionnaire_response_against_the_loinc_form_with_loinc_answer_codes():
    responses = _resources(_export(), "QuestionnaireResponse")
    assert [r["questionnaire"] for r in responses] == ["http://loinc.org/q/44249-1", "http://loinc.org/q/69737-5",
                                                       "http://loinc.org/q/44249-1", "urn:novamind:questionnaire:ISI",
                                                       "http://loinc.org/q/44249-1"]
    phq = responses[0]
    assert phq["status"] == "completed" and [i["linkId"] for i in phq["item"]][:2] == ["44250-9", "44255-8"]
    first = phq["item"][0]["answer"][0]["valueCoding"]
    assert first == {"system": LOINC, "code": "LA6571-9", "display": "Nearly every day"}  # item 1 answered 3
    assert {i["answer"][0]["valueCoding"]["code"] for i in phq["item"][:9]} <= LOINC_ANSWERS
    assert phq["item"][-1] == {"linkId": "44261-6", "text": "PHQ-9 total score", "answer": [{"valueInteger": 18}]}
    isi = responses[3]
    assert [i["answer"][0] for i in isi["item"][:7]] == [{"valueInteger": v} for v in (4, 3, 2, 1, 0, 1, 2)]


def test_the_total_is_an_observation_of_its_own_with_the_total_code_so_a_search_for_44261_6_finds_it():
    bundle = _export()
    totals = [o for o in _resources(bundle, "Observation") if "valueInteger" in o]
    codes = [o["code"]["coding"][0]["code"] for o in totals]
    assert codes == ["44261-6", "70274-6", "44261-6", "ISI-total", "44261-6", "70274-6"]
    assert [o["valueInteger"] for o in totals] == [18, 9, 6, 13, 10, 12]
    response_urls = {e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse"}
    assert all(o["derivedFrom"][0]["reference"] in response_urls for o in totals[:5])
    panels = [o for o in _resources(bundle, "Observation") if "component" in o]
    assert len(panels) == 5 and all(p["derivedFrom"][0]["reference"] in response_urls for p in panels)


def test_authored_and_author_say_when_and_by_whom_the_answers_were_given():
    responses = _resources(_export(), "QuestionnaireResponse")
    patient_ref = responses[0]["subject"]["reference"]
    kiosk = responses[-1]
    assert kiosk["authored"] == "2026-02-02T09:41:07+00:00"  # completion time, not just the day
    assert kiosk["author"] == {"reference": patient_ref} and kiosk["source"] == {"reference": patient_ref}
    clinician = responses[0]
    assert clinician["authored"] == "2025-09-01"
    assert clinician["author"] == {"display": "clinician (entered in Novamind)",
                                   "identifier": {"system": "urn:novamind:user", "value": "1"}}


def test_a_total_only_assessment_exports_only_its_total_observation_saying_item_answers_are_not_available():
    bundle = _export(assessments=(TOTAL_ONLY,))
    assert _resources(bundle, "QuestionnaireResponse") == []
    (total,) = _resources(bundle, "Observation")
    assert total["code"]["coding"][0]["code"] == "70274-6" and total["valueInteger"] == 12
    assert total["note"] == [{"text": "item answers not available"}] and "derivedFrom" not in total


def test_orders_go_out_as_medication_requests_and_the_statements_of_taking_them_are_based_on_them():
    bundle = _export()
    requests = _resources(bundle, "MedicationRequest")
    assert [(r["status"], r["intent"], r["authoredOn"]) for r in requests] == [
        ("completed", "order", "2025-09-01"), ("active", "order", "2025-09-15"), ("active", "order", "2025-10-06"),
        ("completed", "order", "2024-01-01")]
    assert requests[0]["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"] == {"start": "2025-09-01",
                                                                                        "end": "2025-09-15"}
    assert requests[0]["statusReason"] == {"text": "titrated to 100 mg: tolerating"}
    urls = [e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "MedicationRequest"]
    assert requests[1]["priorPrescription"] == {"reference": urls[0]}  # the titration continues the first order
    statements = _resources(bundle, "MedicationStatement")
    assert [s["basedOn"] for s in statements] == [[{"reference": u}] for u in urls]


def test_sex_at_birth_goes_in_the_us_core_birthsex_extension_and_gender_identity_is_exported():
    patient = _resources(_export(gender_identity="non-binary"), "Patient")[0]
    assert "gender" not in patient  # administrative gender is not recorded, so it is not claimed
    assert patient["extension"] == [
        {"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex", "valueCode": "F"},
        {"url": "http://hl7.org/fhir/StructureDefinition/individual-genderIdentity",
         "extension": [{"url": "value", "valueCodeableConcept": {"text": "non-binary"}}]}]


def test_exports_have_no_errors_against_the_official_fhir_r4_json_schema():
    bundle = _export(gender_identity="woman")
    assert {e["resource"]["resourceType"] for e in bundle["entry"]} == {
        "Patient", "Condition", "Observation", "QuestionnaireResponse", "MedicationRequest", "MedicationStatement"}
    assert schema_errors(bundle) == []


def test_the_schema_check_finds_a_resource_that_is_not_valid_r4():
    bundle = _export()
    bundle["entry"][0]["resource"]["gender"] = "woman"  # not an AdministrativeGender code
    _resources(bundle, "QuestionnaireResponse")[0]["item"][0]["answer"][0]["valueText"] = "x"  # no such element
    errors = schema_errors(bundle)
    assert any(e.startswith("entry[1] Patient.gender") for e in errors)
    assert any("QuestionnaireResponse" in e for e in errors)


# ---------------------------------------------------------------------------------------------- import
def test_round_trip_reads_each_assessment_once_with_its_total_only_and_patient_reported_ones():
    result = _parse(json.dumps(_export(gender_identity="non-binary")))
    assert result.ok and result.batch.notes == ()
    got = [(a.instrument, a.administered_on, a.answers, a.total) for a in result.batch.assessments]
    assert got == sorted([(a.instrument, a.administered_on, a.answers, a.total)
                          for a in ASSESSMENTS + (KIOSK_PHQ, TOTAL_ONLY)], key=lambda t: t[1])
    assert len(result.batch.medications) == 4  # requests, not requests and statements
    assert (result.batch.patient.sex_at_birth.value, result.batch.patient.gender_identity) == ("female", "non-binary")


def test_a_questionnaire_response_on_its_own_imports_as_an_itemised_assessment():
    bundle = _only(_export(assessments=(KIOSK_PHQ,)), "QuestionnaireResponse")
    (a,) = read_bundle(json.dumps(bundle), today=TODAY, timezone="Europe/London").assessments
    assert (a.instrument, a.administered_on, a.answers) == (Instrument.PHQ9, date(2026, 2, 2), KIOSK_PHQ.answers)


def test_a_questionnaire_response_from_another_system_is_read_by_its_item_codes_and_answer_values():
    bundle = _only(_export(assessments=(ASSESSMENTS[1],)), "QuestionnaireResponse")
    response = _resources(bundle, "QuestionnaireResponse")[0]
    response["questionnaire"] = "http://example.org/Questionnaire/gad7|3.1"  # unknown canonical: item codes decide
    for item in response["item"][:7]:
        item["linkId"] = "/" + item["linkId"]  # LHC-Forms style link ids
    response["item"][0]["answer"] = [{"valueInteger": 2}]
    (a,) = read_bundle(json.dumps(bundle), today=TODAY, timezone="Europe/London").assessments
    assert (a.instrument, a.answers) == (Instrument.GAD7, (2, 2, 2, 1, 1, 1, 0))


def test_questionnaire_response_problems_name_the_entry_the_item_path_and_the_value_and_nothing_is_imported():
    bundle = _only(_export(assessments=ASSESSMENTS[:2]), "QuestionnaireResponse")
    phq, gad = _resources(bundle, "QuestionnaireResponse")
    phq["item"][2]["answer"] = [{"valueCoding": {"system": LOINC, "code": "LA9999-9"}}]
    phq["item"][-1]["answer"] = [{"valueInteger": 27}]
    del gad["item"][6]
    result = _parse(bundle)
    got = {(p.row, p.column, p.value) for p in result.problems}
    assert (2, "entry[2].resource.item[2].answer[0]", json.dumps({"coding": [{"system": LOINC, "code": "LA9999-9"}]})
            ) in got
    assert any(p.row == 3 and "missing item(s) 7" in p.message and p.column == "entry[3].resource.item"
               for p in result.problems)
    with pytest.raises(ImportProblems):
        read_bundle(bundle, today=TODAY, timezone="Europe/London")


def test_a_response_whose_answers_differ_from_the_panel_derived_from_it_is_refused():
    bundle = _export(assessments=ASSESSMENTS[:1])
    items = _resources(bundle, "QuestionnaireResponse")[0]["item"]
    items[0]["answer"], items[8]["answer"] = [{"valueInteger": 2}], [{"valueInteger": 2}]  # same total, items differ
    problems = _parse(bundle).problems
    assert [p.column for p in problems] == ["entry[5].resource.item"] and "differ" in problems[0].message


def test_a_stand_alone_total_observation_imports_as_a_total_only_assessment():
    bundle = _only(_export(assessments=(ASSESSMENTS[0],)), "Observation")
    bundle["entry"] = [e for e in bundle["entry"] if "component" not in e["resource"]]  # the total alone
    total = bundle["entry"][1]["resource"]
    del total["derivedFrom"]
    total["valueQuantity"] = {"value": 18, "unit": "{score}"}
    del total["valueInteger"]
    result = _parse(bundle)
    assert result.ok and result.batch.notes == ()
    (a,) = result.batch.assessments
    assert (a.instrument, a.answers, a.total, a.answers_available) == (Instrument.PHQ9, (), 18, False)


def test_a_total_out_of_range_or_disagreeing_with_its_source_is_refused_with_entry_path_and_value():
    bundle = _only(_export(assessments=(TOTAL_ONLY,)), "Observation")
    bundle["entry"][1]["resource"]["valueInteger"] = 22  # GAD-7 totals run 0-21
    problems = _parse(bundle).problems
    assert [(p.row, p.column, p.value) for p in problems] == [(2, "entry[2].resource.value", 22)]
    assert "out of range" in problems[0].message
    linked = _export(assessments=(ASSESSMENTS[0],))
    next(o for o in _resources(linked, "Observation") if "valueInteger" in o)["valueInteger"] = 17
    assert any("does not equal the total" in p.message for p in _parse(linked).problems)


def test_exports_with_statements_only_and_patient_gender_still_import_as_before():
    bundle = _export()
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "MedicationRequest"]
    for s in _resources(bundle, "MedicationStatement"):
        del s["basedOn"]
    patient = bundle["entry"][0]["resource"]
    patient["gender"] = "male"
    del patient["extension"]
    batch = read_bundle(json.dumps(bundle), today=TODAY, timezone="Europe/London")
    assert len(batch.medications) == 4 and batch.patient.sex_at_birth.value == "male"


def test_us_core_gender_identity_extension_is_read_too():
    bundle = _export()
    bundle["entry"][0]["resource"]["extension"] = [
        {"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-genderIdentity",
         "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "446141000124107",
                                              "display": "Identifies as female gender"}]}}]
    patient = read_bundle(json.dumps(bundle), today=TODAY, timezone="Europe/London").patient
    assert patient.gender_identity == "Identifies as female gender"


def test_a_medication_request_from_another_system_uses_its_validity_period_when_it_has_no_bounds():
    bundle = _only(_export(orders=ORDERS[:1]), "MedicationRequest")
    request = _resources(bundle, "MedicationRequest")[0]
    del request["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"]
    request["dispenseRequest"] = {"validityPeriod": {"start": "2025-09-02", "end": "2025-09-16"}}
    (m,) = read_bundle(json.dumps(bundle), today=TODAY, timezone="Europe/London").medications
    assert (m.start_date, m.stop_date) == (date(2025, 9, 2), date(2025, 9, 16))


def test_the_assessment_entry_key_keeps_a_total_only_assessment_apart_from_an_itemised_one():
    batch = read_bundle(json.dumps(_export()), today=TODAY, timezone="Europe/London")
    total_only = next(a for a in batch.assessments if not a.answers)
    assert total_only.key == ("GAD-7", date(2024, 5, 1), (), 12)
    assert replace(total_only, stated_total=13).key != total_only.key
