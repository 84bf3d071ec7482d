"""FHIR import honesty: a dose without a mass unit is refused (never read as mg) and the MR-typed identifier is the MRN
when the configured MRN system is absent."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from novamind_core.interop import parse_bundle

DATA = Path(__file__).resolve().parents[2] / "data" / "fhir"
TODAY = date(2026, 3, 12)
MR_TYPE = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR",
                       "display": "Medical Record Number"}]}


def _bundle() -> dict:
    return json.loads((DATA / "ehr_bundle.json").read_text())


def _med_1(bundle: dict) -> dict:
    return next(e["resource"] for e in bundle["entry"] if e["resource"].get("id") == "med-1")


def _parse(bundle: dict, **kw):
    return parse_bundle(bundle, today=TODAY, timezone="Europe/London", **kw)


@pytest.mark.parametrize("quantity", [
    {"value": 1},  # Synthea: "1" (one tablet), no unit at all
    {"value": 1, "unit": "  "},
])
def test_a_dose_with_no_unit_is_refused_not_stored_as_milligrams(quantity):
    bundle = _bundle()
    _med_1(bundle)["dosage"][0]["doseAndRate"][0]["doseQuantity"] = quantity
    result = _parse(bundle)
    assert not result.ok
    problem = next(p for p in result.problems if "no unit" in p.message)
    assert problem.column.endswith("doseQuantity.unit")
    assert "not imported" in problem.message


def test_a_dose_counted_in_tablets_is_refused_as_not_a_mass():
    bundle = _bundle()
    _med_1(bundle)["dosage"][0]["doseAndRate"][0]["doseQuantity"] = {"value": 1, "unit": "tablet"}
    result = _parse(bundle)
    assert any("must be a mass" in p.message for p in result.problems)


def test_a_dose_in_milligrams_is_still_imported_as_written():
    result = _parse(_bundle())
    assert result.ok
    assert 50.0 in {m.dose_mg for m in result.batch.medications}


def test_mrn_is_the_identifier_typed_mr_when_no_identifier_has_the_configured_system():
    bundle = _bundle()
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    patient["identifier"] = [
        {"system": "https://github.com/synthetichealth/synthea", "value": "b3c1-uuid-like"},
        {"system": "http://hospital.example/mrn", "type": MR_TYPE, "value": "mr-445566"},
        {"system": "http://hl7.org/fhir/sid/us-ssn", "value": "999-12-3456"},
    ]
    assert _parse(bundle, mrn_system="urn:other:system").batch.patient.mrn == "MR-445566"


def test_the_configured_mrn_system_wins_over_an_mr_typed_identifier():
    bundle = _bundle()
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    patient["identifier"].insert(0, {"system": "http://hospital.example/mrn", "type": MR_TYPE, "value": "mr-1"})
    assert _parse(bundle).batch.patient.mrn == "EHR-004211"
