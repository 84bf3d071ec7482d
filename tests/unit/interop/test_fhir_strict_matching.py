"""FHIR import edges (issue 17, break 8): records are matched to the Bundle's Patient strictly (no id means nothing
can point at it: refused, never assumed), a Bundle without a Patient must be about one subject, and a FHIR
``integer`` is a JSON whole number (``true`` is not 1)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from novamind_core.interop import parse_bundle

DATA = Path(__file__).resolve().parents[2] / "data" / "fhir"
TODAY = date(2026, 3, 12)


def _bundle() -> dict:
    return json.loads((DATA / "ehr_bundle.json").read_text())


def _parse(bundle: dict):  # type: ignore[no-untyped-def]
    return parse_bundle(bundle, today=TODAY, timezone="Europe/London")


def _resource(bundle: dict, rid: str) -> dict:
    return next(e["resource"] for e in bundle["entry"] if e["resource"].get("id") == rid)


def test_an_observation_for_another_patient_is_not_imported_when_the_patient_resource_has_no_id():
    bundle = _bundle()
    patient_entry = bundle["entry"][0]
    del patient_entry["resource"]["id"], patient_entry["fullUrl"]
    _resource(bundle, "phq-total-only")["subject"]["reference"] = "Patient/somebody-else"
    result = _parse(bundle)
    refused = [p for p in result.problems if "cannot be matched" in p.message]
    assert any(p.value == "Patient/somebody-else" for p in refused)
    assert not result.batch.assessments and not result.batch.medications


def test_a_record_with_no_subject_is_refused_rather_than_filed_under_the_bundles_patient():
    bundle = _bundle()
    del _resource(bundle, "phq-total-only")["subject"]
    problems = _parse(bundle).problems
    assert [(p.column, p.message) for p in problems if "subject" in (p.column or "")] == [
        ("entry[15].resource.subject.reference",
         "has no subject reference, so it cannot be matched to the Bundle's Patient")]


def test_a_bundle_without_a_patient_whose_records_name_two_subjects_is_refused():
    bundle = _bundle()
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "Patient"]
    _resource(bundle, "phq-total-only")["subject"]["reference"] = "Patient/p2"
    messages = [p.message for p in _parse(bundle).problems]
    assert any("refers to a different patient" in m and "one patient per Bundle" in m for m in messages), messages


def test_a_bundle_whose_records_all_point_at_its_patient_still_imports_them():
    result = _parse(_bundle())
    assert not result.problems and result.batch.assessments


def test_value_integer_true_is_refused_not_read_as_one():
    bundle = _bundle()
    _resource(bundle, "phq-total-only")["valueInteger"] = True
    result = _parse(bundle)
    assert [(p.column, p.value) for p in result.problems if "whole number" in p.message] == [
        ("entry[15].resource.valueInteger", True)]


def test_an_item_answer_of_true_is_refused_too():
    bundle = _bundle()
    item = _resource(bundle, "phq-item-1")
    item.pop("valueCodeableConcept")
    item["valueInteger"] = True
    messages = [p.message for p in _parse(bundle).problems]
    assert any("valueInteger must be a whole number" in m for m in messages), messages
