from __future__ import annotations

import pytest

from novamind_core.insights import OfflineInsightProvider, TwinInsightInput, generate_insight


@pytest.fixture()
def inputs() -> TwinInsightInput:
    return TwinInsightInput.from_dict({
        "assessments": [{"date": "2024-01-01", "instrument": "PHQ-9", "total": 19},
                        {"date": "2024-02-01", "instrument": "PHQ-9", "total": 14},
                        {"date": "2024-03-01", "instrument": "PHQ-9", "total": 8},
                        {"date": "2024-01-01", "instrument": "GAD-7", "total": 12},
                        {"date": "2024-03-01", "instrument": "GAD-7", "total": 7}],
        "medications": [{"name": "citalopram", "dose_mg_per_day": 20, "start": "2023-11-01", "stop": "2023-12-20"},
                        {"name": "sertraline", "dose_mg_per_day": 100, "start": "2024-01-05"}],
        "drug_predictions": [
            {"drug": "escitalopram", "p_response": 0.52, "p_response_low": 0.45, "p_response_high": 0.60,
             "top_features": ["previous treatment failures", "baseline PHQ-9 total"]},
            {"drug": "mirtazapine", "p_response": 0.48, "p_response_low": 0.40, "p_response_high": 0.55}],
        "forecast": {"weeks_ahead": [1, 2, 3, 4], "p05": [4, 3, 3, 2], "p50": [8, 7, 7, 6],
                     "p95": [12, 12, 13, 13], "method": "twin"},
        "twin_p_response_week8": 0.41, "twin_p_remission_week8": 0.22,
        "patient_name": "Ada Lovelace", "mrn": "NM-0012345"})


def test_offline_summary_states_the_changes_with_their_numbers(inputs):
    text = generate_insight(inputs).text
    assert "PHQ-9 fell 11 points (-58%), from 19 (moderately severe) to 8 (mild)" in text
    assert "Response (at least 50% reduction)" in text
    assert "Since the previous score (14) it fell 6 points" in text
    assert "GAD-7 fell 5 points" in text


def test_offline_summary_gives_predictions_with_intervals_and_names_overlap(inputs):
    text = generate_insight(inputs).text
    assert "escitalopram 52% (45%-60%) (mainly: previous treatment failures, baseline PHQ-9 total)" in text
    assert "intervals of escitalopram and mirtazapine overlap" in text
    assert "probability of response by week 8 of 41% and remission 22%" in text
    assert "PHQ-9 forecast (twin) in 4 weeks: median 6, 90% band 2-13" in text


def test_offline_summary_reports_medications_and_the_latest_change(inputs):
    text = generate_insight(inputs).text
    assert "Current: sertraline 100 mg/day for 8 weeks." in text
    assert "citalopram stopped" not in text  # the latest change is the sertraline start, not the stop
    later = TwinInsightInput(medications=inputs.medications[:1], as_of="2024-01-17")
    assert "citalopram stopped 4 weeks ago" in generate_insight(later).text


def test_offline_summary_says_models_are_synthetic_and_cites_published_accuracy(inputs):
    text = generate_insight(inputs).text
    assert "trained on synthetic data" in text and "60-65%" in text and "not a medical device" in text


def test_offline_summary_is_deterministic_and_never_names_the_patient(inputs):
    a, b = OfflineInsightProvider().summarise(inputs), OfflineInsightProvider().summarise(inputs)
    assert a == b and a.provider == "offline" and not a.notices
    assert "Ada" not in a.text and "NM-0012345" not in a.text
    assert "Ada" not in repr(inputs)


def test_an_empty_record_gives_a_plain_statement_instead_of_numbers():
    text = generate_insight(TwinInsightInput(as_of="2024-01-01")).text
    assert "No PHQ-9 or GAD-7 scores on record." in text and "No model predictions were available." in text
