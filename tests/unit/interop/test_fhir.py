"""FHIR R4 mapping: Bundle import (codes, MRN rule, unknown resources, malformed input) and export round trip."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from novamind_core.biometrics.problems import ImportProblems
from novamind_core.domain.assessments import Instrument
from novamind_core.domain.medications import ChangeKind, Frequency, MedicationOrder
from novamind_core.domain.patients import Contact, Diagnosis, Patient, PatientStatus, SexAtBirth
from novamind_core.domain.records import AssessmentRecord
from novamind_core.interop import parse_bundle, patient_bundle, read_bundle
from novamind_core.interop.codes import INSTRUMENT_CODES, LOINC, RXNORM

DATA = Path(__file__).resolve().parents[2] / "data" / "fhir"
TODAY = date(2026, 3, 12)


def _parse(source, **kw):
    return parse_bundle(source, today=TODAY, timezone="Europe/London", **kw)


def _patient(**over) -> Patient:
    values = dict(id=7, mrn="NM-000123", given_name="Ada Mary", family_name="Lovelace",
                  date_of_birth=date(1985, 12, 10), sex_at_birth=SexAtBirth.FEMALE, gender_identity=None,
                  contact=Contact("+44 7700 900001", "ada@example.invalid", "1 Example Street"),
                  diagnoses=(Diagnosis("F41.1", "Generalized anxiety disorder"),
                             Diagnosis("F32.1", "Moderate depressive episode", primary=True)),
                  status=PatientStatus.ACTIVE, care_team=(1,), cyp2d6=None, cyp2c19=None, version=1,
                  created_at=datetime(2025, 1, 1, tzinfo=UTC), discharged_on=None)
    values.update(over)
    return Patient(**values)


def _assessment(i: int, instrument: Instrument, on: date, answers: tuple[int, ...]) -> AssessmentRecord:
    return AssessmentRecord(i, 7, instrument, on, answers, sum(answers), "x", False, datetime(2026, 1, 1, tzinfo=UTC),
                            1)


def _order(i: int, drug: str, dose: float, freq: Frequency, start: date, stop: date | None = None, **kw):
    return MedicationOrder(i, 7, drug, dose, freq, start, stop, kw.pop("change_kind", ChangeKind.START), **kw)


ASSESSMENTS = (
    _assessment(1, Instrument.PHQ9, date(2025, 9, 1), (3, 3, 2, 2, 2, 2, 2, 1, 1)),
    _assessment(2, Instrument.GAD7, date(2025, 9, 1), (2, 2, 2, 1, 1, 1, 0)),
    _assessment(3, Instrument.PHQ9, date(2025, 10, 6), (1, 1, 1, 1, 1, 1, 0, 0, 0)),
    _assessment(4, Instrument.ISI, date(2025, 10, 6), (4, 3, 2, 1, 0, 1, 2)),
)
ORDERS = (
    _order(10, "sertraline", 50, Frequency.DAILY, date(2025, 9, 1), date(2025, 9, 15), start_reason="first episode",
           stop_reason="titrated to 100 mg: tolerating"),
    _order(11, "sertraline", 100, Frequency.DAILY, date(2025, 9, 15), change_kind=ChangeKind.TITRATE,
           previous_id=10, start_reason="tolerating"),
    _order(12, "mirtazapine", 15, Frequency.NIGHTLY, date(2025, 10, 6)),
    _order(13, "vortioxetine", 10, Frequency.DAILY, date(2024, 1, 1), date(2024, 6, 1)),
)


def _export(**kw) -> dict:
    return patient_bundle(_patient(**kw), ASSESSMENTS, ORDERS, mrn_system="urn:novamind:mrn",
                          now=datetime(2026, 3, 12, tzinfo=UTC))


# ---------------------------------------------------------------------------------------------- export
def test_export_writes_loinc_panels_with_one_component_per_item_and_the_total():
    bundle = _export()
    obs = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    phq = obs[0]
    assert phq["code"]["coding"][0] == {"system": LOINC, "code": "44249-1", "display": "Patient Health Questionnaire-9"}
    codes = [c["code"]["coding"][0]["code"] for c in phq["component"]]
    assert codes == [*INSTRUMENT_CODES[Instrument.PHQ9].items[:9], "44261-6"]  # item 10 not answered here
    assert phq["component"][-1]["valueInteger"] == 18
    assert obs[1]["code"]["coding"][0]["code"] == "69737-5"


def test_export_codes_catalogue_drugs_with_rxnorm_and_keeps_the_name_as_text():
    bundle = _export()
    meds = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "MedicationStatement"]
    assert meds[0]["medicationCodeableConcept"]["coding"][0] == {"system": RXNORM, "code": "36437",
                                                                 "display": "sertraline"}
    assert meds[0]["status"] == "completed" and meds[1]["status"] == "active"
    assert meds[2]["dosage"][0]["timing"]["repeat"]["when"] == ["HS"]
    assert meds[3]["medicationCodeableConcept"] == {"text": "vortioxetine"}  # no verified RxCUI: by name only


def test_export_is_valid_fhir_json_and_stable_between_runs():
    first, second = _export(), _export()
    assert json.dumps(first) == json.dumps(second)
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(json.loads(json.dumps(first)))


def test_round_trip_keeps_every_assessment_medication_and_diagnosis():
    batch = read_bundle(json.dumps(_export()), today=TODAY, timezone="Europe/London")
    assert batch.patient is not None and batch.patient.mrn == "NM-000123"
    assert (batch.patient.given_name, batch.patient.family_name) == ("Ada Mary", "Lovelace")
    assert batch.patient.contact == _patient().contact
    assert [(a.instrument, a.administered_on, a.answers) for a in batch.assessments] == \
        sorted([(a.instrument, a.administered_on, a.answers) for a in ASSESSMENTS], key=lambda t: t[1])
    got = {(m.drug, m.dose_mg, m.frequency, m.start_date, m.stop_date, m.start_reason, m.stop_reason)
           for m in batch.medications}
    assert got == {(o.drug, o.dose_mg, o.frequency, o.start_date, o.stop_date, o.start_reason, o.stop_reason)
                   for o in ORDERS}
    assert [(d.code, d.primary) for d in batch.diagnoses] == [("F32.1", True), ("F41.1", False)]
    assert batch.notes == ()


# ---------------------------------------------------------------------------------------------- import
def test_ehr_bundle_maps_panels_members_answer_codes_rxnorm_text_and_icd10():
    result = _parse(DATA / "ehr_bundle.json")
    assert result.ok, result.problems
    b = result.batch
    total_only, phq, gad = b.assessments
    assert (total_only.instrument, total_only.administered_on, total_only.answers, total_only.total) == (
        Instrument.PHQ9, date(2025, 10, 1), (), 19)  # a total with no items: kept as a total-only assessment
    assert (phq.instrument, phq.administered_on, phq.answers) == (Instrument.PHQ9, date(2025, 11, 3),
                                                                  (2, 3, 1, 2, 1, 2, 1, 1, 0))
    assert (gad.instrument, gad.answers) == (Instrument.GAD7, (2, 2, 1, 1, 0, 1, 1))
    assert [(m.drug, m.dose_mg, m.frequency, m.start_date, m.stop_date) for m in b.medications] == [
        ("sertraline", 50.0, Frequency.DAILY, date(2025, 10, 1), date(2025, 10, 29)),
        ("sertraline", 100.0, Frequency.DAILY, date(2025, 10, 29), None),  # 0.1 g converted to mg
        ("mirtazapine", 15.0, Frequency.NIGHTLY, date(2025, 11, 10), None),  # by name in the text; HS = nightly
    ]
    assert [d.code for d in b.diagnoses] == ["F32.1"]


def test_unknown_resources_and_unmapped_codes_are_reported_not_dropped():
    notes = _parse(DATA / "ehr_bundle.json").batch.notes
    text = "\n".join(str(n) for n in notes)
    assert "Encounter is not imported" in text
    assert "'Heart rate' is not imported" in text
    assert "total without item answers" not in text  # imported as a total-only assessment since step 10
    assert "Atorvastatin 20 MG Oral Tablet" in text
    assert "Condition without an ICD-10 code" in text
    assert all(n.row is not None for n in notes)


def test_mrn_is_the_identifier_of_the_configured_system_even_when_it_is_not_first():
    assert _parse(DATA / "ehr_bundle.json").batch.patient.mrn == "EHR-004211"


def test_mrn_falls_back_to_the_first_identifier_when_no_system_matches():
    batch = _parse(DATA / "ehr_bundle.json", mrn_system="urn:other:system").batch
    assert batch.patient.mrn == "INS-998877"


def test_malformed_bundle_lists_every_problem_with_entry_path_and_value():
    result = _parse(DATA / "malformed_bundle.json")
    got = {(p.row, p.column) for p in result.problems}
    assert (1, "entry[1].resource.birthDate") in got
    assert (2, "entry[2].resource.component") in got  # GAD-7 item 4 answered 7
    assert (3, "entry[3].resource.component") in got  # PHQ-9 panel with 7 of 9 items
    assert (4, "entry[4].resource.dosage[0].doseAndRate") in got  # no dose
    assert (5, "entry[5].resource.valueInteger") in got
    by_row = {p.row: p for p in result.problems}
    assert "item 4" in by_row[2].message and by_row[2].value == 7
    assert "missing item(s) 8, 9" in by_row[3].message
    with pytest.raises(ImportProblems) as exc:
        read_bundle(DATA / "malformed_bundle.json", today=TODAY)
    assert len(exc.value.problems) == len(result.problems)


@pytest.mark.parametrize("text, expected", [
    ("{not json", "not valid JSON"),
    (json.dumps({"resourceType": "Patient"}), "expected a FHIR Bundle"),
    (json.dumps({"resourceType": "Bundle", "type": "collection", "entry": []}), "the Bundle has no entries"),
])
def test_input_that_is_not_a_bundle_is_refused_with_a_plain_reason(text, expected):
    problems = _parse(text).problems
    assert problems and expected in problems[0].message


def test_panel_whose_stated_total_disagrees_with_its_items_is_refused():
    bundle = _export()
    for e in bundle["entry"]:
        if e["resource"]["resourceType"] == "Observation":
            e["resource"]["component"][-1]["valueInteger"] += 1
            break
    problems = _parse(bundle).problems
    assert len(problems) == 1 and "does not equal the sum" in problems[0].message


def test_future_dates_and_a_second_patient_are_refused():
    bundle = _export()
    bundle["entry"][3]["resource"]["effectiveDateTime"] = "2026-04-01"
    second = json.loads(json.dumps(bundle["entry"][0]))
    second["fullUrl"] = "urn:uuid:other"
    bundle["entry"].append(second)
    messages = [p.message for p in _parse(bundle).problems]
    assert any("in the future" in m for m in messages)
    assert any("one patient per Bundle" in m for m in messages)


def test_resources_about_another_patient_are_refused():
    bundle = _export()
    bundle["entry"][3]["resource"]["subject"]["reference"] = "Patient/someone-else"
    problems = _parse(bundle).problems
    assert [p.message for p in problems] == ["refers to a patient other than the Bundle's Patient"]


@pytest.mark.parametrize("repeat,ok", [
    ({"frequency": 1, "period": None, "periodUnit": "d"}, True),  # JSON null = absent: once a day
    ({"frequency": None, "period": 1, "periodUnit": None}, True),
    ({"frequency": 1, "period": 0, "periodUnit": "d"}, False),  # would divide by zero
])
def test_null_or_zero_dosing_timing_is_read_as_absent_or_reported_never_a_crash(repeat, ok):
    bundle = json.loads((DATA / "ehr_bundle.json").read_text())
    med = next(e["resource"] for e in bundle["entry"] if e["resource"].get("id") == "med-1")
    med["dosage"][0]["timing"] = {"repeat": repeat}
    result = _parse(bundle)
    assert result.ok is ok
    if not ok:
        assert any("positive frequency and period" in p.message for p in result.problems)
