"""Early improvement as evidence (Wagner et al. 2017; de Vries et al. 2018): numbers, Bayes and wording."""

import pytest

from novamind_core.twin.early_improvement import early_improvement, likelihood_ratio


def test_likelihood_ratios_follow_wagner_2017_sensitivity_and_specificity():
    assert likelihood_ratio(True) == pytest.approx(0.85 / 0.46)
    assert likelihood_ratio(False) == pytest.approx(0.15 / 0.54)


def test_a_20_percent_fall_by_week_2_counts_as_early_improvement_and_raises_the_odds_of_response():
    ev = early_improvement(((0, 20), (14, 16)))
    assert ev is not None and ev.improved and ev.improvement_fraction == pytest.approx(0.2)
    assert ev.response_probability(0.5) == pytest.approx(1.85 / 2.85, rel=1e-3)


def test_no_early_improvement_lowers_the_odds_but_the_wording_says_consider_not_switch():
    ev = early_improvement(((0, 20), (13, 19)))
    assert ev is not None and not ev.improved
    assert ev.response_probability(0.5) < 0.5
    assert "consider" in ev.wording.lower() and "switch" not in ev.wording.lower()


def test_without_a_week_2_score_there_is_no_early_improvement_evidence():
    assert early_improvement(((0, 20), (28, 10))) is None
    assert early_improvement(((0, 0), (14, 0))) is None
