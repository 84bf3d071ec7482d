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
