"""Clinic outcome statistics against slow, obviously-correct references (docs/science.md §12)."""

from __future__ import annotations

import itertools
import time
from datetime import date, timedelta

import numpy as np
import pytest
from scipy import stats

from novamind_core.analytics.cohort_stats import kaplan_meier, wilson_interval
from novamind_core.analytics.outcome_stats import (
    SUPPRESSION_MIN_COUNT,
    data_completeness,
    funnel_position,
    observed_expected,
    observed_expected_by_group,
    oe_exact_limits,
    oe_funnel_limits,
    outcome_rate,
    poisson_binomial_pmf,
    proportion_funnel_limits,
    rates_by_group,
    suppress_cells,
    time_to_response,
)
from novamind_core.domain.episodes import ScoredContact, build_episodes
from novamind_core.domain.errors import ValidationError
from novamind_core.domain.instruments import Instrument
from novamind_core.domain.outcomes import episode_talking_therapies_outcome


# ------------------------------------------------------------------------------------------------ references
def slow_binomial_limit(p: float, n: int, target: float) -> float:
    """Spiegelhalter 2005 A.1.1 by a plain loop over r with scipy's binomial CDF."""
    r = next(k for k in range(n + 1) if stats.binom.cdf(k, n, target) >= p)
    at, below = stats.binom.cdf(r, n, target), stats.binom.cdf(r - 1, n, target)
    return min(1.0, max(0.0, (r - (at - p) / (at - below)) / n))


def brute_force_pmf(probabilities: list[float]) -> np.ndarray:
    pmf = np.zeros(len(probabilities) + 1)
    for outcome in itertools.product((0, 1), repeat=len(probabilities)):
        pmf[sum(outcome)] += np.prod([p if o else 1 - p for o, p in zip(outcome, probabilities, strict=True)])
    return pmf


# ------------------------------------------------------------------------------------------- rates, suppression
def test_a_rate_reuses_the_cohort_wilson_interval():
    assert outcome_rate(37, 80).rate == wilson_interval(37, 80)
    assert data_completeness(60, 80).rate == wilson_interval(60, 80)


@pytest.mark.parametrize(("numerator", "denominator", "suppressed"), [
    (0, 20, False), (1, 20, True), (4, 20, True), (5, 20, False), (6, 20, False),
    (0, 4, True), (0, 5, False), (0, 0, False),
])
def test_counts_from_one_to_four_are_suppressed(numerator, denominator, suppressed):
    rate = outcome_rate(numerator, denominator)
    assert SUPPRESSION_MIN_COUNT == 5
    assert rate.suppressed is suppressed
    assert (rate.shown_numerator is None) is suppressed and (rate.shown_estimate is None) is (
        suppressed or denominator == 0)


def test_one_hidden_cell_hides_the_smallest_other_cell_when_a_total_is_shown():
    assert suppress_cells([3, 10, 20]).cells == (True, True, False)
    assert suppress_cells([20, 3, 10, 10]).cells == (False, True, True, False)
    assert suppress_cells([3, 4, 20]).cells == (True, True, False)  # two hidden: the total reveals only their sum
    assert suppress_cells([3, 10, 20], total_shown=False).cells == (True, False, False)
    assert suppress_cells([0, 10, 20]).cells == (False, False, False)


def test_a_single_small_cell_hides_the_total_instead():
    assert suppress_cells([3]) == suppress_cells([3]).__class__(cells=(True,), total=True)


def test_rates_by_group_count_each_group_and_apply_secondary_suppression():
    groups = ["b"] * 10 + ["a"] * 20 + ["c"] * 30
    outcome = [True] * 3 + [False] * 7 + [True] * 10 + [False] * 10 + [True] * 20 + [False] * 10
    rates = rates_by_group(groups, outcome)
    assert [r.label for r in rates] == ["a", "b", "c"]
    assert [(r.numerator, r.denominator) for r in rates] == [(10, 20), (3, 10), (20, 30)]
    assert [r.suppressed for r in rates] == [True, True, False]  # b primary, a secondary (smallest other)
    eligible = [True] * 5 + [False] * 55
    assert rates_by_group(groups, outcome, eligible)[1].denominator == 5


def test_rates_by_group_refuses_mismatched_lengths():
    with pytest.raises(ValidationError):
        rates_by_group(["a", "b"], [True])


# -------------------------------------------------------------------------------------------------- funnels
@pytest.mark.parametrize("target", [0.1, 0.5, 0.73])
def test_proportion_funnel_limits_match_the_exact_binomial_reference(target):
    sizes = [1, 2, 5, 17, 50, 200, 1000]
    limits = proportion_funnel_limits(target, sizes)
    for i, n in enumerate(sizes):
        assert limits.lower_95[i] == pytest.approx(slow_binomial_limit(0.025, n, target), abs=1e-9)
        assert limits.upper_95[i] == pytest.approx(slow_binomial_limit(0.975, n, target), abs=1e-9)
        assert limits.lower_998[i] == pytest.approx(slow_binomial_limit(0.001, n, target), abs=1e-9)
        assert limits.upper_998[i] == pytest.approx(slow_binomial_limit(0.999, n, target), abs=1e-9)


def test_funnel_limits_nest_around_the_target_and_narrow_with_more_episodes():
    n = np.arange(5, 5000, 5)
    f = proportion_funnel_limits(0.4, n)
    assert np.all(f.lower_998 <= f.lower_95) and np.all(f.lower_95 <= 0.4) and np.all(f.upper_95 >= 0.4)
    assert np.all(f.upper_95 <= f.upper_998)
    width = f.upper_95 - f.lower_95
    assert width[-1] < width[len(width) // 2] < width[0]
    assert f.upper_95[-1] == pytest.approx(0.4 + 1.96 * np.sqrt(0.4 * 0.6 / n[-1]), abs=2e-3)  # normal limit


def test_funnel_limits_are_missing_for_no_episodes_and_refuse_a_degenerate_target():
    assert np.isnan(proportion_funnel_limits(0.5, [0]).upper_95[0])
    with pytest.raises(ValidationError):
        proportion_funnel_limits(1.0, [10])
    with pytest.raises(ValidationError):
        proportion_funnel_limits(0.5, [2.5])


@pytest.mark.parametrize(("value", "position"), [
    (0.80, "within"), (0.8 + 1e-9, "above 95%"), (0.90, "above 95%"), (0.9 + 1e-9, "above 99.8%"),
    (0.20, "within"), (0.2 - 1e-9, "below 95%"), (0.1 - 1e-9, "below 99.8%"),
])
def test_a_point_is_outside_a_limit_only_when_strictly_beyond_it(value, position):
    assert funnel_position(value, 0.2, 0.8, 0.1, 0.9) == position


# ----------------------------------------------------------------------------------------- observed/expected
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_poisson_binomial_pmf_matches_brute_force_enumeration(seed):
    p = np.random.default_rng(seed).random(7).tolist()
    pmf = poisson_binomial_pmf(p)
    assert pmf == pytest.approx(brute_force_pmf(p), abs=1e-12)
    k = np.arange(pmf.size)
    assert (k * pmf).sum() == pytest.approx(sum(p))
    assert (k ** 2 * pmf).sum() - (k * pmf).sum() ** 2 == pytest.approx(sum(q * (1 - q) for q in p))


def test_observed_expected_uses_the_poisson_binomial_variance():
    p = np.array([0.2, 0.5, 0.7, 0.9])
    y = np.array([True, False, True, True])
    oe = observed_expected(y, p, label="dr x")
    e, v = p.sum(), (p * (1 - p)).sum()
    assert (oe.observed, oe.expected, oe.variance, oe.n) == (3, pytest.approx(e), pytest.approx(v), 4)
    assert oe.ratio == pytest.approx(3 / e)
    assert oe.lower == pytest.approx(max(0.0, (3 - 1.959964 * np.sqrt(v)) / e), abs=1e-6)
    assert oe.upper == pytest.approx((3 + 1.959964 * np.sqrt(v)) / e, abs=1e-6)


def test_observed_expected_is_undefined_when_nothing_was_expected():
    oe = observed_expected([False, False], [0.0, 0.0])
    assert oe.ratio is None and oe.lower is None


def test_observed_expected_refuses_probabilities_outside_zero_to_one():
    with pytest.raises(ValidationError):
        observed_expected([True], [1.2])


def test_observed_expected_by_group_equals_each_group_alone():
    rng = np.random.default_rng(4)
    groups = rng.choice(["a", "b", "c"], 300)
    p = rng.random(300)
    y = rng.random(300) < p
    for result in observed_expected_by_group(groups, y, p):
        alone = observed_expected(y[groups == result.label], p[groups == result.label], label=result.label)
        assert (result.observed, result.n) == (alone.observed, alone.n)
        assert result.expected == pytest.approx(alone.expected) and result.upper == pytest.approx(alone.upper)


def test_exact_oe_limits_with_equal_probabilities_are_the_binomial_funnel_over_the_target():
    for n, q in [(10, 0.3), (60, 0.5), (250, 0.65)]:
        exact = oe_exact_limits(np.full(n, q))
        funnel = proportion_funnel_limits(q, [n])
        assert exact == pytest.approx((funnel.lower_95[0] / q, funnel.upper_95[0] / q,
                                       funnel.lower_998[0] / q, funnel.upper_998[0] / q), abs=1e-9)


def test_exact_oe_limits_match_brute_force_quantiles_for_a_small_case():
    p = [0.1, 0.35, 0.5, 0.6, 0.8, 0.95]
    pmf = brute_force_pmf(p)
    cdf = np.cumsum(pmf)
    expected = []
    for q in (0.025, 0.975, 0.001, 0.999):
        r = next(k for k in range(len(p) + 1) if cdf[k] >= q)
        below = cdf[r - 1] if r else 0.0
        expected.append(max(0.0, r - (cdf[r] - q) / (cdf[r] - below)) / sum(p))
    assert oe_exact_limits(p) == pytest.approx(tuple(expected), abs=1e-9)


def test_oe_funnel_limits_spread_as_the_root_variance_over_the_expected_count():
    f = oe_funnel_limits([10.0, 40.0, 0.0], [6.0, 20.0, 0.0])
    assert f.upper_95[:2] == pytest.approx(1 + 1.959964 * np.sqrt([6.0, 20.0]) / [10.0, 40.0], abs=1e-6)
    assert f.lower_998[0] == pytest.approx(max(0.0, 1 - 3.090232 * np.sqrt(6) / 10), abs=1e-6)
    assert np.isnan(f.upper_95[2])


def test_time_to_response_is_the_cohort_kaplan_meier():
    assert time_to_response([10, 20, 30], [True, False, True], "x") == kaplan_meier([10, 20, 30], [True, False, True],
                                                                                    label="x")


# ------------------------------------------------------------------------------------------------- performance
def test_ten_thousand_episodes_are_classified_and_aggregated_within_a_second():
    rng = np.random.default_rng(7)
    n = 10_000
    start = date(2024, 1, 1)
    base_phq, base_gad = rng.integers(5, 27, n), rng.integers(3, 21, n)
    drop_phq, drop_gad = rng.integers(-4, 15, n), rng.integers(-3, 12, n)
    clinicians = rng.choice(["dr a", "dr b", "dr c"], n)
    began = time.perf_counter()
    outcomes = []
    for i in range(n):
        day = start + timedelta(days=int(i % 300))
        end = day + timedelta(days=70)
        events = [ScoredContact(Instrument.PHQ9, day, int(base_phq[i])),
                  ScoredContact(Instrument.GAD7, day, int(base_gad[i])),
                  ScoredContact(Instrument.PHQ9, end, int(np.clip(base_phq[i] - drop_phq[i], 0, 27))),
                  ScoredContact(Instrument.GAD7, end, int(np.clip(base_gad[i] - drop_gad[i], 0, 21)))]
        (episode,) = build_episodes(f"p{i}", events, discharges=[end])
        outcomes.append(episode_talking_therapies_outcome(episode))
    classified = time.perf_counter() - began
    recovered = np.array([o.recovery for o in outcomes])
    case = np.array([o.case_at_start for o in outcomes])
    began = time.perf_counter()
    rates = rates_by_group(clinicians, recovered, case)
    oe = observed_expected_by_group(clinicians[case], recovered[case], np.full(int(case.sum()), 0.5))
    funnel = proportion_funnel_limits(float(recovered[case].mean()), np.arange(1, n + 1))
    aggregated = time.perf_counter() - began
    assert len(rates) == len(oe) == 3 and funnel.x.size == n
    assert aggregated < 1.0, f"aggregation took {aggregated:.2f} s"
    assert classified < 3.0, f"classification took {classified:.2f} s"  # plain Python, linear; slack for shared CI
