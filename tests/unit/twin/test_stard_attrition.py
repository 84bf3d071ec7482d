"""STAR*D attrition: dropout between levels, intolerance within them, and the QIDS-SR -> PHQ-9 remission cut-off."""

import numpy as np
import pytest

from novamind_core.twin.cohort import STARD_ATTRITION, STARD_SEQUENCE, qids_sr_remission_phq9_max, simulate_cohort


def test_continuation_fractions_reproduce_stard_level_sizes_rush_2006():
    n, sizes = 3671.0, [3671.0]
    for k, r in enumerate((0.368, 0.306, 0.137)):
        n = n * (1 - r) * STARD_ATTRITION.continuation_fraction[k]
        sizes.append(n)
    assert np.allclose(sizes, [3671, 1439, 390, 123], rtol=0.01)


def test_stard_remission_is_judged_on_qids_sr_5_mapped_to_phq9():
    assert qids_sr_remission_phq9_max() == 5.0 == STARD_ATTRITION.remission_phq9_max


def test_dropout_shrinks_later_levels_and_cumulative_follows_rush_2006_formula(params, synthetic_libraries):
    libs = {**synthetic_libraries, **{d: synthetic_libraries["sertraline"] for d, _ in STARD_SEQUENCE}}
    kw = dict(n=6000, weeks=12, steps=4, seed=5, params=params, libraries=libs)
    stay = simulate_cohort("citalopram", 40, **kw)
    leave = simulate_cohort("citalopram", 40, attrition=STARD_ATTRITION, **kw)
    assert leave.by_step[3]["n_entered"] < 0.2 * stay.by_step[3]["n_entered"]
    rates = [s["remission_rate"] for s in leave.by_step]
    assert leave.cumulative_remission_rate == pytest.approx(1 - np.prod([1 - r for r in rates]), abs=1e-3)
    assert leave.cumulative_remission_observed_rate < leave.cumulative_remission_rate
    assert stay.cumulative_remission_rate == pytest.approx(stay.cumulative_remission_observed_rate, abs=1e-3)


def test_a_new_step_repeats_the_first_steps_placebo_responsiveness_only_when_the_correlation_is_one(params):
    from novamind_core.twin.cohort import _renewed_placebo
    from novamind_core.twin.symptoms import placebo_fraction

    z = np.random.default_rng(0).standard_normal(20_000)
    same = _renewed_placebo(z, params.with_values(placebo_renewal_correlation=1.0), np.random.default_rng(1))
    np.testing.assert_array_equal(same, placebo_fraction(z, params))
    fresh = _renewed_placebo(z, params.with_values(placebo_renewal_correlation=0.0), np.random.default_rng(1))
    half = _renewed_placebo(z, params.with_values(placebo_renewal_correlation=0.5), np.random.default_rng(1))
    assert abs(np.corrcoef(z, fresh)[0, 1]) < 0.05 < np.corrcoef(z, half)[0, 1] < np.corrcoef(z, same)[0, 1]


def test_open_label_courses_remit_more_often_than_the_drug_arm_of_a_blinded_trial(params, synthetic_libraries):
    kw = dict(n=8000, weeks=12, steps=1, seed=3, params=params.with_values(open_label_placebo_logit_shift=1.0),
              libraries=synthetic_libraries)
    blinded = simulate_cohort("citalopram", 40, **kw)
    open_label = simulate_cohort("citalopram", 40, open_label=True, **kw)
    assert open_label.remission_rate > blinded.remission_rate + 0.03


def test_each_failed_step_after_the_first_leaves_less_drug_responsiveness_for_the_next_one(params, synthetic_libraries):
    libs = {**synthetic_libraries, **{d: synthetic_libraries["sertraline"] for d, _ in STARD_SEQUENCE}}
    kw = dict(n=8000, weeks=12, steps=4, seed=4, libraries=libs)
    name = "drug_response_retained_per_further_failed_step"
    keep = simulate_cohort("citalopram", 40, params=params.with_values(**{name: 1.0}), **kw)
    lose = simulate_cohort("citalopram", 40, params=params.with_values(**{name: 0.3}), **kw)
    assert keep.by_step[:2] == lose.by_step[:2]  # resistance counts from the second failed step
    for k in (2, 3):
        assert lose.by_step[k]["remission_rate"] < keep.by_step[k]["remission_rate"]


@pytest.fixture(scope="module")
def committed():
    from novamind_core.twin.calibration import stard_libraries, trial_libraries
    from novamind_core.twin.params import load_population_params

    params = load_population_params()
    assert params.calibrated, "run `python -m novamind_core calibrate` and commit data/twin_population_params.json"
    trial = trial_libraries()
    return params, trial, {**trial, **stard_libraries()}


def test_committed_calibration_reproduces_stard_remission_by_level_and_cumulative_rush_2006(committed):
    """Rush et al. 2006, Am J Psychiatry 163:1905: QIDS-SR remission 36.8 / 30.6 / 13.7 / 13.0% by level, 67% in all;
    the twin's open-label STAR*D-like sequence with STAR*D's attrition, each level within 3 points."""
    from novamind_core.twin.params import STARD_CUMULATIVE_REMISSION, STARD_REMISSION_BY_STEP

    params, _, libs = committed
    r = simulate_cohort(STARD_SEQUENCE[0][0], STARD_SEQUENCE[0][1], n=200_000, weeks=12, steps=4, seed=77,
                        params=params, libraries=libs, attrition=STARD_ATTRITION, open_label=True)
    by_level = [s["remission_rate"] for s in r.by_step]
    assert np.allclose(by_level, STARD_REMISSION_BY_STEP, atol=0.03), by_level
    assert r.cumulative_remission_rate == pytest.approx(STARD_CUMULATIVE_REMISSION, abs=0.03)


def test_committed_calibration_keeps_the_cipriani_2018_odds_ratios_and_furukawa_2016_placebo_response(committed):
    from novamind_core.twin.params import CIPRIANI_2018_RESPONSE_OR

    params, trial, _ = committed
    placebo = simulate_cohort("placebo", n=20_000, weeks=8, seed=78, params=params).response_rate
    assert 0.35 <= placebo <= 0.40
    odds = placebo / (1 - placebo)
    for drug, target in CIPRIANI_2018_RESPONSE_OR.items():
        r = simulate_cohort(drug, n=20_000, weeks=8, seed=78, params=params, libraries=trial).response_rate
        assert r / (1 - r) / odds == pytest.approx(target, abs=0.15), drug
