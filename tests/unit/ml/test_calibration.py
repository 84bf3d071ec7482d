from __future__ import annotations

import itertools

import numpy as np

from novamind_core.ml.calibration import (
    IsotonicCalibrator,
    PlattCalibrator,
    calibrator_from_dict,
    pav,
    reliability_curve,
    roc_auc,
)


def _slow_isotonic(y: np.ndarray) -> np.ndarray:
    """Reference: least-squares non-decreasing fit by the min-max formula (Robertson et al. 1988)."""
    n = len(y)
    out = np.empty(n)
    for i in range(n):
        out[i] = max(min(np.mean(y[lo:hi + 1]) for hi in range(i, n)) for lo in range(0, i + 1))
    return out


def test_pool_adjacent_violators_matches_the_min_max_formula():
    rng = np.random.default_rng(1)
    for _ in range(20):
        y = rng.random(12)
        np.testing.assert_allclose(pav(y), _slow_isotonic(y), atol=1e-12)


def test_isotonic_calibration_is_monotone_and_keeps_the_order_of_distinct_scores():
    rng = np.random.default_rng(0)
    s = rng.random(3000)
    y = rng.random(3000) < s**2
    cal = IsotonicCalibrator.fit(s, y)
    grid = np.linspace(cal.x_[0], cal.x_[-1], 500)
    out = cal.transform(grid)
    assert np.all(np.diff(out) > 0)  # strictly increasing between the first and last knots (centred isotonic)
    assert np.all(np.diff(cal.transform(np.linspace(0, 1, 200))) >= 0)
    # calibrated: squares of the score, roughly
    assert abs(float(cal.transform(np.array([0.7]))[0]) - 0.49) < 0.08


def test_platt_calibration_is_monotone_and_round_trips_through_its_dict():
    rng = np.random.default_rng(2)
    s = rng.random(2000)
    y = rng.random(2000) < 0.2 + 0.5 * s
    cal = PlattCalibrator.fit(s, y)
    assert np.all(np.diff(cal.transform(np.linspace(0.01, 0.99, 50))) > 0)
    again = calibrator_from_dict(cal.to_dict())
    np.testing.assert_allclose(again.transform(s), cal.transform(s))


def test_roc_auc_equals_the_pairwise_probability_with_ties_counted_half():
    rng = np.random.default_rng(3)
    y = rng.random(60) < 0.4
    s = np.round(rng.random(60), 1)  # ties
    pos, neg = s[y], s[~y]
    pairs = [(1.0 if a > b else 0.5 if a == b else 0.0) for a, b in itertools.product(pos, neg)]
    assert abs(roc_auc(y, s) - np.mean(pairs)) < 1e-12


def test_reliability_curve_bins_count_every_prediction_once():
    p = np.array([0.05, 0.15, 0.15, 0.95])
    y = np.array([0, 1, 0, 1])
    curve = reliability_curve(y, p, n_bins=10)
    assert sum(b["n"] for b in curve) == 4
    assert [b["observed"] for b in curve] == [0.0, 0.5, 1.0]
