"""Virtual cohorts and population calibration (synthetic PK signal libraries: no PK engine needed)."""

import numpy as np
import pytest

from novamind_core.domain.errors import ValidationError
from novamind_core.twin.calibration import calibrate
from novamind_core.twin.cohort import STARD_SEQUENCE, simulate_cohort, step_sequence
from novamind_core.twin.params import CIPRIANI_2018_RESPONSE_OR, STARD_REMISSION_BY_STEP


def test_cohort_is_deterministic_for_a_seed(params, synthetic_libraries):
    a = simulate_cohort("sertraline", n=3000, weeks=8, seed=3, params=params, libraries=synthetic_libraries)
    b = simulate_cohort("sertraline", n=3000, weeks=8, seed=3, params=params, libraries=synthetic_libraries)
    c = simulate_cohort("sertraline", n=3000, weeks=8, seed=4, params=params, libraries=synthetic_libraries)
    assert a == b
    assert a != c


def test_chunking_does_not_change_the_cohort_size_or_bound_the_rates(params, synthetic_libraries):
    r = simulate_cohort("sertraline", n=10_001, weeks=8, steps=2, seed=0, params=params,
                        libraries=synthetic_libraries, chunk_size=1000)
    assert r.by_step[0]["n_entered"] == 10_001
    assert r.by_step[1]["n_entered"] == 10_001 - round(r.remission_rate * 10_001)
    assert 0 <= r.response_rate <= 1 and r.remission_rate <= r.response_rate + 0.05


def test_a_drug_beats_placebo_in_a_trial_like_cohort(params, synthetic_libraries):
    drug = simulate_cohort("sertraline", n=5000, weeks=8, seed=1, params=params, libraries=synthetic_libraries)
    placebo = simulate_cohort("placebo", n=5000, weeks=8, seed=1, params=params)
    assert drug.response_rate > placebo.response_rate
    assert drug.mean_change_phq9 < placebo.mean_change_phq9 < 0


def test_later_steps_follow_the_documented_stard_sequence_without_repeating_the_first_drug():
    assert [d for d, _ in step_sequence("citalopram", 40, 4)] == [d for d, _ in STARD_SEQUENCE]
    assert [d for d, _ in step_sequence("sertraline", None, 3)] == ["sertraline", "bupropion", "mirtazapine"]
    with pytest.raises(ValidationError):
        step_sequence("sertraline", None, 5)


@pytest.fixture(scope="module")
def calibrated():
    rng = np.random.default_rng(0)
    libs = {n: np.clip(rng.normal(0.5, 0.05, 50), 0.2, 0.8) for n in CIPRIANI_2018_RESPONSE_OR}
    return calibrate(quick=True, trial_libs=libs, stard_libs=libs, n=2000, stard_maxiter=8), libs


def test_calibration_reproduces_placebo_response_of_furukawa_2016(calibrated):
    result, _ = calibrated
    assert 0.35 <= result.placebo_response <= 0.40


def test_calibration_reproduces_cipriani_2018_odds_ratios(calibrated):
    result, _ = calibrated
    for drug, target in CIPRIANI_2018_RESPONSE_OR.items():
        assert result.drug_or[drug] == pytest.approx(target, abs=0.25), drug


def test_calibration_reproduces_falling_stard_remission_by_step(calibrated):
    result, _ = calibrated
    assert result.stard_by_step[0] > result.stard_by_step[2] > 0
    assert np.allclose(result.stard_by_step, STARD_REMISSION_BY_STEP, atol=0.15)
    assert result.params.calibrated and result.params.provenance["targets"]


def test_committed_calibration_gives_a_placebo_response_within_furukawa_2016_range():
    from novamind_core.twin.params import load_population_params

    params = load_population_params()
    assert params.calibrated, "run `python -m novamind_core calibrate` and commit data/twin_population_params.json"
    r = simulate_cohort("placebo", n=20_000, weeks=8, seed=11, params=params)
    assert 0.35 <= r.response_rate <= 0.40
    assert all(p.fitted or p.source for p in params.values.values())
