"""What-if scenarios through the real pharmacology engine: invariants of the twin's predictions."""

import numpy as np
import pytest

from novamind_core.domain.errors import ValidationError
from novamind_core.twin import compare_scenarios, run_scenario
from novamind_core.twin.params import default_params

SERTRALINE = {"name": "sertraline", "steps": [{"drug": "sertraline", "dose_mg": 50, "days": 14},
                                              {"drug": "sertraline", "dose_mg": 100, "days": 200}],
              "horizon_weeks": 26}
NO_DRUG = {"name": "no drug", "steps": [{"drug": "none", "days": 200}], "horizon_weeks": 26}
HISTORY = {"phq9": [[0, 19], [7, 18], [14, 16], [21, 15], [28, 13], [35, 12]],
           "medications": [{"drug": "sertraline", "dose_mg": 50, "days": 35}]}


@pytest.fixture(scope="module")
def params():
    return default_params()


def test_same_seed_gives_the_same_answer_and_another_seed_a_different_one(params):
    a = run_scenario(SERTRALINE, draws=300, seed=5, params=params).to_dict()
    b = run_scenario(SERTRALINE, draws=300, seed=5, params=params).to_dict()
    c = run_scenario(SERTRALINE, draws=300, seed=6, params=params).to_dict()
    assert a == b
    assert a["phq9"] != c["phq9"]


def test_no_drug_gives_the_placebo_course_with_no_occupancy(params):
    r = run_scenario(NO_DRUG, draws=500, seed=0, params=params)
    assert r.pk["occupancy_percent"] == {}
    assert all(v == 1.0 for region in r.neurotransmitters.values() for series in region.values() for v in series)
    assert r.phq9["p50"][12] < r.phq9["p50"][0]  # placebo + natural course still improve
    drug = run_scenario(SERTRALINE, draws=500, seed=0, params=params)
    assert drug.p_response_week8 > r.p_response_week8


def test_higher_adherence_is_no_worse_on_average(params):
    low = run_scenario({**SERTRALINE, "adherence": 0.3, "seed": 2}, draws=1000, seed=1, params=params)
    high = run_scenario({**SERTRALINE, "adherence": 1.0, "seed": 2}, draws=1000, seed=1, params=params)
    assert high.p_response_week12 >= low.p_response_week12
    assert np.mean(high.phq9["p50"][4:]) <= np.mean(low.phq9["p50"][4:])


def test_scores_stay_within_the_instrument_ranges(params):
    r = run_scenario({**SERTRALINE, "psychotherapy": True}, draws=500, seed=0, params=params)
    assert all(0 <= v <= 27 for q in r.phq9.values() for v in q)
    assert all(0 <= v <= 21 for q in r.gad7.values() for v in q)


def test_prediction_intervals_widen_with_the_horizon_for_a_patient_with_history(params):
    r = run_scenario({**SERTRALINE, "steps": [{"drug": "sertraline", "dose_mg": 100, "days": 200}]},
                     patient_history=HISTORY, draws=1000, seed=0, params=params)
    width = np.array(r.phq9["p95"]) - np.array(r.phq9["p05"])
    assert width[8] > width[0]
    assert r.calibration["is_prior"] is False and r.calibration["n_observations"] == 6


def test_without_history_the_result_says_it_uses_the_prior(params):
    r = run_scenario(SERTRALINE, draws=100, seed=0, params=params)
    assert r.calibration["is_prior"] is True
    assert any("population prior" in w["message"] for w in r.warnings)


def test_horizon_beyond_52_weeks_is_rejected(params):
    with pytest.raises(ValidationError):
        run_scenario({**SERTRALINE, "horizon_weeks": 53}, draws=10, params=params)


def test_response_probabilities_after_the_horizon_are_empty(params):
    r = run_scenario({**SERTRALINE, "horizon_weeks": 10}, draws=100, seed=0, params=params)
    assert r.p_response_week8 is not None and r.p_response_week12 is None


def test_pharmacology_warnings_and_dose_guidance_reach_the_scenario(params):
    r = run_scenario({**SERTRALINE, "cyp2c19": "PM"}, draws=100, seed=0, params=params)
    assert any(w["severity"] == "major" for w in r.warnings)
    assert r.dose_guidance and r.dose_guidance[0]["max_dose_mg_per_day"] == 75


def test_compare_runs_up_to_four_scenarios_with_common_random_numbers(params):
    out = compare_scenarios([SERTRALINE, NO_DRUG], draws=200, seed=0, params=params)
    assert [row["name"] for row in out["table"]] == ["sertraline", "no drug"]
    with pytest.raises(ValidationError):
        compare_scenarios([NO_DRUG] * 5, draws=10, params=params)
