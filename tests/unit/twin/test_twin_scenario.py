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
    assert r.pk.occupancy_percent == {}
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
    assert r.calibration.is_prior is False and r.calibration.n_observations == 6


def test_without_history_the_result_says_it_uses_the_prior(params):
    r = run_scenario(SERTRALINE, draws=100, seed=0, params=params)
    assert r.calibration.is_prior is True
    assert any("population prior" in w.message for w in r.warnings)


def test_horizon_beyond_52_weeks_is_rejected(params):
    with pytest.raises(ValidationError):
        run_scenario({**SERTRALINE, "horizon_weeks": 53}, draws=10, params=params)


def test_response_probabilities_after_the_horizon_are_empty(params):
    r = run_scenario({**SERTRALINE, "horizon_weeks": 10}, draws=100, seed=0, params=params)
    assert r.p_response_week8 is not None and r.p_response_week12 is None


def test_pharmacology_warnings_and_dose_guidance_reach_the_scenario(params):
    r = run_scenario({**SERTRALINE, "cyp2c19": "PM"}, draws=100, seed=0, params=params)
    assert any(w.severity == "major" for w in r.warnings)
    assert r.dose_guidance and r.dose_guidance[0].max_dose_mg_per_day == 75


def test_compare_runs_up_to_four_scenarios_with_common_random_numbers(params):
    out = compare_scenarios([SERTRALINE, NO_DRUG], draws=200, seed=0, params=params)
    assert [row.name for row in out.table] == ["sertraline", "no drug"]
    with pytest.raises(ValidationError):
        compare_scenarios([NO_DRUG] * 5, draws=10, params=params)


def test_a_scenario_read_from_json_names_the_bad_field():
    from novamind_core.twin import Scenario

    for bad, field in (({**SERTRALINE, "horizon_weeks": 60}, "horizon_weeks"),
                       ({**SERTRALINE, "adherence": 1.5}, "adherence"),
                       ({**SERTRALINE, "cyp2d6": "XX"}, "cyp2d6"),
                       ({**SERTRALINE, "steps": [{"drug": "sertraline", "dose_mg": 50, "days": -1}]}, "steps[0].days")):
        with pytest.raises(ValidationError) as err:
            Scenario.from_mapping(bad)
        assert err.value.field == field


def test_a_scenario_round_trips_through_its_stored_form_and_runs_the_same():
    from novamind_core.twin import Scenario

    plan = Scenario.from_mapping({**SERTRALINE, "adherence": 0.8, "missed_days": [3, 10], "cyp2c19": "PM"})
    assert Scenario.from_mapping(plan.to_mapping()) == plan
    a = run_scenario(plan, draws=100, seed=2, params=default_params()).to_dict()
    b = run_scenario(plan.to_mapping(), draws=100, seed=2, params=default_params()).to_dict()
    assert a == b


def test_the_comparison_table_counts_clinical_warnings_but_not_the_models_own_notes(params):
    out = compare_scenarios([{**SERTRALINE, "cyp2c19": "PM"}, NO_DRUG], draws=100, seed=0, params=params)
    with_pgx, placebo = out.results
    assert any(w.source == "twin" for w in placebo.warnings)  # "uses the population prior" is an info note
    assert out.table[1].n_warnings == 0
    assert out.table[0].n_warnings == len([w for w in with_pgx.warnings if w.severity != "info"]) > 0
    assert out.table[0].phq9_p50_week8 == with_pgx.phq9.p50[8]


def test_missed_days_count_from_the_scenario_start_for_a_patient_with_history(params):
    from novamind_core.twin import PatientHistory, Scenario
    from novamind_core.twin.scenario import _regimen

    plan = Scenario.from_mapping({**SERTRALINE, "missed_days": [3]})
    history = PatientHistory.from_dict(HISTORY)
    regimen = _regimen(plan, history, 35)
    assert regimen.missed_days == (38,)
    assert regimen.steps[0].drug == "sertraline" and regimen.steps[0].days == 35


def test_remission_uses_the_phq9_instruments_own_cut_off():
    from novamind_core.domain.instruments import Instrument
    from novamind_core.domain.scenario_limits import PHQ9_REMISSION_MAX_TOTAL

    assert PHQ9_REMISSION_MAX_TOTAL == Instrument.PHQ9.spec.remission_max_total == 4
