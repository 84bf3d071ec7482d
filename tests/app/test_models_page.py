"""Models page (AppTest, signed-in analyst): every model's card with computed metrics, calibration plot, baselines,
checksum status, training provenance and the published performance context; other roles are refused."""

from __future__ import annotations

import json


def test_an_analyst_sees_one_tab_per_model_with_verified_checksums(seeded, app_as, page_text):  # type: ignore[no-untyped-def]
    at = app_as("models", "demo.analyst")
    at.run()
    assert not at.exception
    labels = [t.label for t in at.tabs]
    assert any(label.startswith("Treatment response") for label in labels)
    assert any(label.startswith("PHQ-9 symptom forecaster") for label in labels)
    assert any(label.startswith("Actigraphy transformer") for label in labels)
    overview = next(df.value for df in at.dataframe if "Checksum" in df.value.columns and "Headline (held-out)"
                    in df.value.columns)
    assert set(overview["Checksum"]) == {"verified"} and set(overview["Data"]) == {"synthetic"}
    assert sum("Checksum verified" in s.value for s in at.success) == 3


def test_cards_show_calibration_plots_baselines_and_the_published_context(seeded, app_as, page_text):  # type: ignore[no-untyped-def]
    at = app_as("models", "demo.analyst")
    at.run()
    titles = [json.loads(el.proto.spec)["layout"]["title"]["text"] for el in at.get("plotly_chart")]
    assert any(t.endswith("Calibration on held-out data (reliability diagram)") and t.startswith("Treatment")
               for t in titles)
    assert "Forecaster against its baselines on held-out series" in titles
    text = page_text(at)
    assert "Chekroud et al. 2016" in text and "Ruan et al. 2024" in text
    assert "synthetic data" in text and "Seed 0" in text and "python -m novamind_core train response" in text
    metric_names = {m for df in at.dataframe if "Metric" in df.value.columns for m in df.value["Metric"]}
    assert {"Response: AUC", "Remission: AUC", "90% band coverage", "AUC"} <= metric_names


def test_a_clinician_cannot_open_the_models_page(seeded, app_as, page_text):  # type: ignore[no-untyped-def]
    at = app_as("models", "demo.clinician")
    at.run()
    assert "This page is not available for your role." in page_text(at)
    assert not at.tabs
