"""Data import page (AppTest): preview with a problems table, confirm, result, biometrics panel, patient choice."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[1] / "data" / "fhir"
HEADER = "date,instrument,item1,item2,item3,item4,item5,item6,item7,item8,item9\n"


def open_import(app_as, patient_id: int | None = None, kind: str | None = None):  # type: ignore[no-untyped-def]
    at = app_as("data_import", "demo.clinician")
    if patient_id is not None:
        at.session_state["nm_selected_patient_id"] = patient_id
    at.run()
    assert not at.exception
    if kind is not None:
        at.selectbox(key="nm_import_kind").set_value(kind).run()
    return at


def upload(at, kind: str, name: str, body: bytes, mime: str = "text/csv"):  # type: ignore[no-untyped-def]
    at.file_uploader(key=f"nm_import_file_{kind}").set_value((name, body, mime)).run()
    assert not at.exception
    return at


def test_a_file_with_problems_shows_each_row_column_and_value_and_offers_no_import(seeded, app_as, page_text):
    services, cohort = seeded
    at = open_import(app_as, cohort.new_patient_id, "assessments")
    upload(at, "assessments", "bad.csv", (HEADER + "2026-01-05,PHQ-9,2,2,1,1,1,1,1,1,5\n"
                                         "2026/01/06,GAD-7,1,1,1,1,1,1,1,,\n").encode())
    assert "2 problem(s) found: nothing will be imported" in page_text(at)
    table = at.dataframe[0].value
    assert list(zip(table["Row"], table["Column"], table["Value"], strict=True)) == [
        (2, "item9", "5"), (3, "date", "2026/01/06")]
    assert not [b for b in at.button if b.label.startswith("Import ")]


def test_previewed_assessments_are_imported_on_confirmation_with_a_summary(seeded, app_as, page_text):
    services, cohort = seeded
    clinician = services.users.get_by_username("demo.clinician")
    before = len(services.assessments.history(clinician, cohort.new_patient_id))
    at = open_import(app_as, cohort.new_patient_id, "assessments")
    upload(at, "assessments", "phq.csv", (HEADER + "2025-12-01,PHQ-9,2,2,1,1,1,1,1,1,0\n"
                                          "2025-12-15,PHQ-9,1,1,1,1,1,1,1,1,0\n").encode())
    assert [m.value for m in at.metric] == ["2"]
    assert "Dates from 1 Dec 2025 to 15 Dec 2025." in page_text(at)
    assert len(services.assessments.history(clinician, cohort.new_patient_id)) == before  # preview wrote nothing
    at.button(key="nm_import_confirm").click().run()
    assert not at.exception
    assert "Imported phq.csv into" in page_text(at) and "2 assessments" in page_text(at)
    assert len(services.assessments.history(clinician, cohort.new_patient_id)) == before + 2


def test_minute_activity_import_ends_with_the_biometrics_panel(seeded, app_as, page_text):
    _, cohort = seeded
    idx = pd.date_range("2026-02-01", periods=7 * 1440, freq="min")
    hour = idx.hour.to_numpy()
    counts = np.where((hour >= 7) & (hour < 23), 400, 5)
    body = pd.DataFrame({"timestamp": idx.strftime("%Y-%m-%dT%H:%M:%S"), "counts": counts}).to_csv(index=False)
    at = open_import(app_as, cohort.new_patient_id, "activity")
    upload(at, "activity", "watch.csv", body.encode())
    assert [m.value for m in at.metric] == ["7"]
    at.button(key="nm_import_confirm").click().run()
    assert not at.exception
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    titles = [c["layout"]["title"]["text"] for c in charts]
    assert any(t.startswith("Actogram") for t in titles)
    heat = next(c for c in charts if c["layout"]["title"]["text"].startswith("Actogram"))["data"][0]
    assert (len(heat["y"]), len(heat["x"])) == (7, 24) and heat["y"][0] == "1 Feb 2026"
    assert "Wear time" in page_text(at)


def test_a_fhir_bundle_with_a_new_mrn_is_previewed_as_a_new_patient(seeded, app_as, page_text):
    at = open_import(app_as, None, "fhir")
    assert at.selectbox(key="nm_import_patient").value is None  # the Bundle's own Patient by default
    upload(at, "fhir", "ehr.json", (DATA / "ehr_bundle.json").read_bytes(), "application/json")
    text = page_text(at)
    assert "registers a new patient Robin Alex Example-Smith (MRN EHR-004211)" in text
    assert "4 note(s)" in [e.label for e in at.expander][0]  # its lone PHQ-9 total is imported (total-only)


def test_the_patient_list_holds_only_the_clinicians_own_patients(seeded, app_as):
    _, cohort = seeded
    at = open_import(app_as, None, "daily")
    options = at.selectbox(key="nm_import_patient").options
    assert any("NM-100001" in o for o in options)
    assert not any(cohort.other_patient_mrn in o for o in options)
