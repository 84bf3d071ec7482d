"""Case-mix expectation from the twin's population model: the vectorised outcome rules agree with the domain's
definitions, probabilities are reproducible and move the right way with severity."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from novamind_core.domain.instruments import Instrument
from novamind_core.domain.outcomes import TALKING_THERAPIES_THRESHOLDS, talking_therapies_outcome
from novamind_core.twin import case_mix


def test_the_vectorised_thresholds_are_the_programmes():
    phq, gad = TALKING_THERAPIES_THRESHOLDS[Instrument.PHQ9], TALKING_THERAPIES_THRESHOLDS[Instrument.GAD7]
    assert (phq.caseness_min, phq.reliable_change_points) == (case_mix._PHQ_CASE, case_mix._PHQ_RELIABLE)
    assert (gad.caseness_min, gad.reliable_change_points) == (case_mix._GAD_CASE, case_mix._GAD_RELIABLE)
    assert Instrument.PHQ9.spec.remission_max_total == case_mix._REMISSION_MAX


def test_the_vectorised_outcome_rules_agree_with_the_domain_classifier_on_every_boundary():
    values = [(p0, p1, g0, g1) for p0, p1 in itertools.product((0, 4, 9, 10, 15, 16, 27), repeat=2)
              for g0, g1 in itertools.product((0, 3, 7, 8, 11, 12, 21), repeat=2)]
    a = np.array(values, dtype=float)
    flags = case_mix.outcome_flags(a[:, 0], a[:, 1], a[:, 2], a[:, 3])
    for i, (p0, p1, g0, g1) in enumerate(values):
        slow = talking_therapies_outcome(p0, p1, g0, g1)
        for name in ("recovery", "reliable_improvement", "reliable_deterioration", "reliable_recovery"):
            assert bool(flags[name][i]) == getattr(slow, name), (name, p0, p1, g0, g1)
        assert bool(flags["remission"][i]) == (p1 < 5)


def test_expected_probabilities_are_reproducible_bounded_and_fall_with_baseline_severity():
    args = ([10, 15, 22], [8, 12, 18], ["sertraline"] * 3, ["normal"] * 3, [None] * 3, [84.0] * 3)
    first = case_mix.expected_probabilities("remission", *args)
    case_mix.outcome_table.cache_clear()
    again = case_mix.expected_probabilities("remission", *args)
    assert np.array_equal(first, again)
    assert np.all((first > 0) & (first < 1))
    assert first[0] > first[1] > first[2]


def test_unknown_drugs_and_no_drug_still_get_an_expectation_and_an_unknown_outcome_is_refused():
    p = case_mix.expected_probabilities("reliable_recovery", [16, 16], [12, 12], ["trialdrug-9", None],
                                        ["poor", "normal"], ["normal", "ultrarapid"], [56.0, 56.0])
    assert np.all((p > 0) & (p < 1))
    with pytest.raises(ValueError, match="unknown outcome"):
        case_mix.expected_probabilities("cure", [16], [12], [None], [None], [None], [56.0])


@pytest.mark.parametrize(("days", "weeks"), [(0, 4), (30, 4), (84, 12), (180, 24), (10_000, 60)])
def test_horizons_round_to_four_week_steps_within_four_to_sixty_weeks(days, weeks):
    assert case_mix.horizon_weeks(days) == weeks
