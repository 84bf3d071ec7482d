"""Model panels (AppTest of tests/app/ui_model_panels.py, signed-in clinician): ranking, forecast and insight for a
seeded patient, each with the synthetic-data notice and the disclaimer; missing data and refusals are explained."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

SCRIPT = Path(__file__).with_name("ui_model_panels.py")


def panels_for(username: str, patient_id: int) -> AppTest:
    at = AppTest.from_file(str(SCRIPT), default_timeout=60)
    for key, value in (("authentication_status", True), ("username", username), ("name", username),
                       ("roles", ["clinician"]), ("logout", None)):
        at.session_state[key] = value
    at.query_params["pid"] = str(patient_id)
    return at


def chart_titles(at: AppTest) -> list[str]:
    return [json.loads(el.proto.spec)["layout"]["title"]["text"] for el in at.get("plotly_chart")]


def test_a_clinician_sees_the_ranking_and_forecast_with_uncertainty_and_honesty_notes(seeded, page_text):  # type: ignore[no-untyped-def]
    _, cohort = seeded
    at = panels_for("demo.clinician", cohort.responder_id)
    at.run()
    assert not at.exception
    titles = chart_titles(at)
    assert "Predicted response and remission at week 8 by drug (80% intervals)" in titles
    assert any(t.startswith("PHQ-9 forecast if the current treatment continues") for t in titles)
    table = next(df.value for df in at.dataframe if "Response 80% interval" in df.value.columns)
    assert len(table) == 11 and table["Main reasons"].str.contains("the chance").all()
    text = page_text(at)
    assert "synthetic data" in text and "Chekroud et al. 2016" in text and "not a medical device" in text
    assert "if the current treatment continues: median PHQ-9" in text
    forecast = next(json.loads(el.proto.spec) for el in at.get("plotly_chart")
                    if json.loads(el.proto.spec)["layout"]["title"]["text"].startswith("PHQ-9 forecast"))
    names = {t.get("name") for t in forecast["data"]}
    assert {"observed PHQ-9", "forecast 90% band", "forecast 50% band"} <= names


def test_the_insight_is_written_on_request_with_its_sections(seeded, page_text):  # type: ignore[no-untyped-def]
    _, cohort = seeded
    at = panels_for("demo.clinician", cohort.responder_id)
    at.run()
    assert "What changed" not in page_text(at)
    next(b for b in at.button if b.label == "Summarise this patient's twin").click().run()
    assert not at.exception
    text = page_text(at)
    assert "What changed" in text and "What the models predict" in text and "offline provider" in text


def test_a_patient_without_a_phq9_gets_an_explanation_instead_of_a_chart(seeded, page_text):  # type: ignore[no-untyped-def]
    _, cohort = seeded
    at = panels_for("demo.clinician", cohort.new_patient_id)
    at.run()
    assert not at.exception
    assert chart_titles(at) == []
    text = page_text(at)
    assert "No PHQ-9 yet" in text and "Enter one in Assessments" in text


def test_a_clinician_off_the_care_team_is_refused_without_any_prediction(seeded, page_text):  # type: ignore[no-untyped-def]
    _, cohort = seeded
    at = panels_for("demo.clinician", cohort.other_patient_id)
    at.run()
    assert chart_titles(at) == [] and not at.dataframe
    assert "care team" in page_text(at)
