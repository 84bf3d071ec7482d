"""NHS Talking Therapies and US depression outcome definitions, each at its boundaries (docs/science.md §12)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from novamind_core.domain.episodes import ScoredContact, build_episodes
from novamind_core.domain.errors import ValidationError
from novamind_core.domain.instruments import Instrument
from novamind_core.domain.outcomes import (
    TALKING_THERAPIES_THRESHOLDS,
    add_months,
    days_to_response,
    episode_talking_therapies_outcome,
    finished_course,
    four_month_period,
    is_case,
    phq9_utilisation,
    talking_therapies_change,
    talking_therapies_outcome,
    us_depression_outcome,
)

DAY0 = date(2024, 3, 15)


def phq(day: date, total: int) -> ScoredContact:
    return ScoredContact(Instrument.PHQ9, day, total)


def gad(day: date, total: int) -> ScoredContact:
    return ScoredContact(Instrument.GAD7, day, total)


# --------------------------------------------------------------------------------------- Talking Therapies
def test_the_programme_thresholds_are_the_published_ones():
    assert (TALKING_THERAPIES_THRESHOLDS[Instrument.PHQ9].caseness_min,
            TALKING_THERAPIES_THRESHOLDS[Instrument.PHQ9].reliable_change_points) == (10, 6)
    assert (TALKING_THERAPIES_THRESHOLDS[Instrument.GAD7].caseness_min,
            TALKING_THERAPIES_THRESHOLDS[Instrument.GAD7].reliable_change_points) == (8, 4)


@pytest.mark.parametrize(("instrument", "total", "case"), [
    ("PHQ-9", 9, False), ("PHQ-9", 10, True), ("PHQ-9", 11, True),
    ("GAD-7", 7, False), ("GAD-7", 8, True), ("GAD-7", 9, True),
])
def test_caseness_starts_at_phq9_ten_and_gad7_eight(instrument, total, case):
    assert is_case(instrument, total) is case


@pytest.mark.parametrize(("instrument", "baseline", "drop", "improved"), [
    ("PHQ-9", 20, 5, False), ("PHQ-9", 20, 6, True), ("PHQ-9", 20, 7, True),
    ("GAD-7", 15, 3, False), ("GAD-7", 15, 4, True), ("GAD-7", 15, 5, True),
])
def test_a_single_measure_reliably_improves_from_its_reliable_amount(instrument, baseline, drop, improved):
    change = talking_therapies_change(instrument, baseline, baseline - drop)
    assert change.reliable_improvement is improved and change.reliable_deterioration is False


@pytest.mark.parametrize(("instrument", "baseline", "rise", "worse"), [
    ("PHQ-9", 5, 5, False), ("PHQ-9", 5, 6, True), ("PHQ-9", 5, 7, True),
    ("GAD-7", 5, 3, False), ("GAD-7", 5, 4, True), ("GAD-7", 5, 5, True),
])
def test_a_single_measure_reliably_deteriorates_from_its_reliable_amount(instrument, baseline, rise, worse):
    change = talking_therapies_change(instrument, baseline, baseline + rise)
    assert change.reliable_deterioration is worse and change.reliable_improvement is False


def test_the_change_json_block_has_exactly_the_four_published_fields():
    block = talking_therapies_change("PHQ-9", 16, 9).to_json()
    assert block == {"caseness_baseline": True, "caseness_current": False, "reliable_improvement": True,
                     "reliable_deterioration": False}


@pytest.mark.parametrize(("instrument", "baseline", "current"), [("ISI", 20, 10), ("PHQ-9", 28, 3),
                                                                  ("GAD-7", 5, -1), ("PHQ-9", 5.0, 3)])
def test_talking_therapies_change_refuses_other_instruments_and_impossible_totals(instrument, baseline, current):
    with pytest.raises(ValidationError):
        talking_therapies_change(instrument, baseline, current)


def test_reliable_improvement_needs_neither_measure_reliably_worse():
    assert talking_therapies_outcome(20, 14, 10, 13).reliable_improvement  # GAD-7 up 3: not reliably worse
    mixed = talking_therapies_outcome(20, 14, 10, 14)  # PHQ-9 down 6, GAD-7 up 4
    assert not mixed.reliable_improvement and not mixed.reliable_deterioration and mixed.no_reliable_change


def test_reliable_deterioration_needs_neither_measure_reliably_improved():
    assert talking_therapies_outcome(8, 14, 10, 7).reliable_deterioration  # GAD-7 down 3: not reliably improved
    assert not talking_therapies_outcome(8, 14, 10, 6).reliable_deterioration  # GAD-7 down 4


def test_either_measure_alone_can_carry_reliable_improvement():
    assert talking_therapies_outcome(12, 12, 12, 8).reliable_improvement
    assert not talking_therapies_outcome(12, 12, 12, 9).reliable_improvement


@pytest.mark.parametrize(("phq_end", "gad_end", "recovered"), [(9, 7, True), (10, 7, False), (9, 8, False)])
def test_recovery_is_a_case_at_start_and_below_caseness_on_both_at_the_end(phq_end, gad_end, recovered):
    outcome = talking_therapies_outcome(10, phq_end, 5, gad_end)
    assert outcome.case_at_start and outcome.recovery is recovered


@pytest.mark.parametrize(("phq_start", "gad_start", "case"), [(9, 7, False), (10, 7, True), (9, 8, True)])
def test_only_a_case_at_the_start_can_recover(phq_start, gad_start, case):
    outcome = talking_therapies_outcome(phq_start, 2, gad_start, 2)
    assert outcome.case_at_start is case and outcome.recovery is case


def test_reliable_recovery_is_recovery_with_reliable_improvement():
    recovered_not_reliably = talking_therapies_outcome(10, 5, 5, 5)  # PHQ-9 down 5
    assert recovered_not_reliably.recovery and not recovered_not_reliably.reliable_recovery
    reliably = talking_therapies_outcome(11, 5, 5, 5)  # PHQ-9 down 6
    assert reliably.recovery and reliably.reliable_recovery
    assert reliably.to_json()["reliable_recovery"] is True


def closed_episode(phq_scores, gad_scores, discharge=True):
    events = [phq(DAY0 + timedelta(days=14 * i), s) for i, s in enumerate(phq_scores)]
    events += [gad(DAY0 + timedelta(days=14 * i), s) for i, s in enumerate(gad_scores)]
    last = DAY0 + timedelta(days=14 * max(len(phq_scores), len(gad_scores)))
    (episode,) = build_episodes("p1", events, discharges=[last] if discharge else [])
    return episode


def test_a_finished_course_is_closed_with_a_pair_on_both_measures():
    assert finished_course(closed_episode([15, 12, 6], [12, 6]))
    assert not finished_course(closed_episode([15, 12, 6], [12, 6], discharge=False))
    assert not finished_course(closed_episode([15, 6], [12]))
    assert not finished_course(closed_episode([15, 6], []))


def test_an_episode_outcome_uses_its_first_and_last_scores():
    outcome = episode_talking_therapies_outcome(closed_episode([15, 18, 6], [12, 3, 7]))
    assert outcome is not None and outcome.recovery and outcome.reliable_recovery
    assert (outcome.phq9.baseline, outcome.phq9.current, outcome.gad7.current) == (15, 6, 7)
    assert episode_talking_therapies_outcome(closed_episode([15], [12])) is None


# -------------------------------------------------------------------------------------------------- US measures
def test_add_months_clamps_to_the_end_of_a_shorter_month():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert add_months(date(2024, 3, 15), 12) == date(2025, 3, 15)


@pytest.mark.parametrize(("index_score", "in_denominator"), [(9, False), (10, True), (11, True)])
def test_the_us_denominator_needs_an_index_phq9_above_nine(index_score, in_denominator):
    assert (us_depression_outcome([phq(DAY0, index_score)]) is not None) is in_denominator


def test_the_index_is_the_first_phq9_above_nine():
    result = us_depression_outcome([phq(DAY0, 8), phq(DAY0 + timedelta(days=7), 14), phq(DAY0 + timedelta(days=9), 20)])
    assert (result.index_on, result.index_score) == (DAY0 + timedelta(days=7), 14)


@pytest.mark.parametrize("months", [6, 12])
@pytest.mark.parametrize(("offset", "counted"), [(-61, False), (-60, True), (0, True), (60, True), (61, False)])
def test_the_follow_up_window_is_the_target_date_plus_or_minus_sixty_days(months, offset, counted):
    target = add_months(DAY0, months)
    result = us_depression_outcome([phq(DAY0, 18), phq(target + timedelta(days=offset), 3)])
    follow = result.six_months if months == 6 else result.twelve_months
    assert follow.remission is counted and (follow.score == 3) is counted
    assert follow.window_start == target - timedelta(days=60) and follow.window_end == target + timedelta(days=60)


@pytest.mark.parametrize(("score", "remitted"), [(3, True), (4, True), (5, False)])
def test_us_remission_is_a_phq9_below_five(score, remitted):
    result = us_depression_outcome([phq(DAY0, 18), phq(add_months(DAY0, 12), score)])
    assert result.twelve_months.remission is remitted


def test_the_last_score_in_the_window_decides_remission():
    target = add_months(DAY0, 12)
    result = us_depression_outcome([phq(DAY0, 18), phq(target - timedelta(days=30), 2), phq(target, 7)])
    assert result.twelve_months.score == 7 and result.twelve_months.remission is False


def test_no_score_in_the_window_counts_as_not_remitted():
    result = us_depression_outcome([phq(DAY0, 18)])
    assert result.twelve_months.remission is False and result.twelve_months.score is None


@pytest.mark.parametrize(("days_before_end", "decided"), [(1, False), (0, True)])
def test_a_window_still_open_on_as_of_is_not_yet_decided(days_before_end, decided):
    result = us_depression_outcome([phq(DAY0, 18), phq(add_months(DAY0, 6), 3)],
                                   as_of=add_months(DAY0, 6) + timedelta(days=60 - days_before_end))
    assert (result.six_months.remission is not None) is decided
    assert result.six_months.score == 3


@pytest.mark.parametrize(("index_score", "score", "responded"), [(20, 11, False), (20, 10, True), (20, 9, True),
                                                                 (15, 8, False), (15, 7, True)])
def test_us_response_is_a_reduction_of_at_least_half_the_index_score(index_score, score, responded):
    result = us_depression_outcome([phq(DAY0, index_score), phq(add_months(DAY0, 6), score)])
    assert result.six_months.response is responded


def test_a_denominator_exclusion_removes_the_patient():
    assert us_depression_outcome([phq(DAY0, 18)], excluded=True) is None


def test_us_measures_refuse_other_instruments():
    with pytest.raises(ValidationError):
        us_depression_outcome([gad(DAY0, 18)])


@pytest.mark.parametrize(("day", "period"), [(date(2024, 1, 1), 1), (date(2024, 4, 30), 1), (date(2024, 5, 1), 2),
                                             (date(2024, 8, 31), 2), (date(2024, 9, 1), 3), (date(2024, 12, 31), 3)])
def test_the_year_splits_into_three_four_month_periods(day, period):
    assert four_month_period(day) == (2024, period)


def test_phq9_utilisation_counts_periods_with_a_contact_and_a_phq9():
    result = phq9_utilisation([date(2024, 2, 1), date(2024, 6, 1), date(2024, 10, 1)],
                              [date(2024, 3, 1), date(2024, 10, 2)])
    assert (result.numerator, result.denominator, result.every_period_measured) == (2, 3, False)
    assert phq9_utilisation([date(2024, 2, 1)], [date(2024, 4, 30)]).every_period_measured
    assert phq9_utilisation([], [date(2025, 1, 2)]).periods_with_contact == ((2025, 1),)


def test_days_to_response_is_the_first_reading_at_half_the_baseline_or_censored():
    readings = [phq(DAY0, 20), phq(DAY0 + timedelta(days=14), 11), phq(DAY0 + timedelta(days=28), 10)]
    assert days_to_response(readings) == (28, True)
    assert days_to_response(readings[:2], censor_on=DAY0 + timedelta(days=40)) == (40, False)
    assert days_to_response([phq(DAY0, 0), phq(DAY0 + timedelta(days=5), 0)]) is None
    assert days_to_response([]) is None
