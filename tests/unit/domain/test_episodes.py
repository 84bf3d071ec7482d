"""Episodes of care: opening, closing (discharge or gap), baseline and final scores (docs/science.md §12)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from novamind_core.domain.episodes import (
    DEFAULT_EPISODE_GAP_DAYS,
    EpisodeCloseReason,
    ScoredContact,
    build_episodes,
)
from novamind_core.domain.errors import ValidationError
from novamind_core.domain.instruments import Instrument

START = date(2024, 1, 10)


def phq(day: date, total: int) -> ScoredContact:
    return ScoredContact(Instrument.PHQ9, day, total)


def gad(day: date, total: int) -> ScoredContact:
    return ScoredContact(Instrument.GAD7, day, total)


def test_the_default_gap_is_ninety_days():
    assert DEFAULT_EPISODE_GAP_DAYS == 90


@pytest.mark.parametrize(("gap", "episodes"), [(89, 1), (90, 1), (91, 2)])
def test_a_contact_more_than_the_gap_after_the_last_opens_a_new_episode(gap, episodes):
    result = build_episodes("p1", [phq(START, 15), phq(START + timedelta(days=gap), 8)])
    assert len(result) == episodes
    if episodes == 2:
        assert result[0].close_reason is EpisodeCloseReason.NO_CONTACT
        assert result[0].closed_on == START
        assert result[1].opened_on == START + timedelta(days=gap)
        assert result[1].number == 2 and result[1].close_reason is EpisodeCloseReason.OPEN


def test_a_custom_gap_is_used_instead_of_the_default():
    result = build_episodes("p1", [phq(START, 15), phq(START + timedelta(days=31), 8)], gap_days=30)
    assert [e.number for e in result] == [1, 2]


@pytest.mark.parametrize("gap", [0, -5, 1.5, True])
def test_a_gap_that_is_not_a_positive_whole_number_is_refused(gap):
    with pytest.raises(ValidationError):
        build_episodes("p1", [phq(START, 15)], gap_days=gap)


def test_a_referral_opens_the_episode_before_the_first_assessment():
    (episode,) = build_episodes("p1", [phq(START + timedelta(days=20), 15)], referrals=[START])
    assert episode.opened_on == START
    assert episode.score("PHQ-9").baseline_on == START + timedelta(days=20)


def test_baseline_is_the_first_and_final_the_last_score_of_each_instrument():
    events = [phq(START, 18), gad(START, 12), phq(START + timedelta(days=14), 12),
              phq(START + timedelta(days=28), 6), gad(START + timedelta(days=28), 5)]
    (episode,) = build_episodes("p1", events, discharges=[START + timedelta(days=28)])
    p = episode.score(Instrument.PHQ9)
    assert (p.baseline, p.baseline_on, p.final, p.final_on, p.n) == (18, START, 6, START + timedelta(days=28), 3)
    g = episode.score("gad7")
    assert (g.baseline, g.final, g.n, g.change) == (12, 5, 2, -7)
    assert episode.score(Instrument.ISI) is None
    assert [s.instrument for s in episode.scores] == [Instrument.PHQ9, Instrument.GAD7]


def test_an_assessment_on_the_discharge_date_belongs_to_the_episode_it_ends():
    end = START + timedelta(days=40)
    (episode,) = build_episodes("p1", [phq(START, 15), phq(end, 4)], discharges=[end])
    assert episode.close_reason is EpisodeCloseReason.DISCHARGED
    assert episode.closed_on == end and episode.score("PHQ-9").final == 4
    assert episode.is_closed and episode.length_days == 40


def test_an_assessment_the_day_after_discharge_opens_a_second_episode():
    end = START + timedelta(days=40)
    first, second = build_episodes("p1", [phq(START, 15), phq(end + timedelta(days=1), 12)], discharges=[end])
    assert first.closed_on == end and first.close_reason is EpisodeCloseReason.DISCHARGED
    assert second.opened_on == end + timedelta(days=1) and not second.is_closed


def test_a_discharge_after_the_gap_has_closed_the_episode_is_ignored():
    (episode,) = build_episodes("p1", [phq(START, 15)], discharges=[START + timedelta(days=91)])
    assert episode.close_reason is EpisodeCloseReason.NO_CONTACT and episode.closed_on == START


def test_a_discharge_with_no_open_episode_is_ignored():
    assert build_episodes("p1", [], discharges=[START]) == ()


def test_a_referral_while_an_episode_is_open_is_a_contact_of_that_episode():
    events = [phq(START, 15), phq(START + timedelta(days=150), 8)]
    (episode,) = build_episodes("p1", events, referrals=[START + timedelta(days=80)])
    assert episode.last_contact_on == START + timedelta(days=150) and episode.score("PHQ-9").n == 2


@pytest.mark.parametrize(("days_after", "closed"), [(89, False), (90, False), (91, True)])
def test_as_of_closes_an_episode_only_once_the_gap_has_passed(days_after, closed):
    (episode,) = build_episodes("p1", [phq(START, 15)], as_of=START + timedelta(days=days_after))
    assert episode.is_closed is closed
    assert episode.close_reason is (EpisodeCloseReason.NO_CONTACT if closed else EpisodeCloseReason.OPEN)


def test_events_after_as_of_are_ignored():
    (episode,) = build_episodes("p1", [phq(START, 15), phq(START + timedelta(days=10), 3)],
                                as_of=START + timedelta(days=9))
    assert episode.score("PHQ-9").n == 1


def test_a_pair_needs_two_scores_on_different_dates():
    (one,) = build_episodes("p1", [phq(START, 15)])
    (same_day,) = build_episodes("p2", [phq(START, 15), phq(START, 14)])
    (two,) = build_episodes("p3", [phq(START, 15), phq(START + timedelta(days=1), 14)])
    assert not one.score("PHQ-9").has_pair
    assert not same_day.score("PHQ-9").has_pair and same_day.score("PHQ-9").final == 14
    assert two.score("PHQ-9").has_pair


def test_events_given_out_of_order_are_sorted_by_date():
    events = [phq(START + timedelta(days=20), 5), phq(START, 20)]
    (episode,) = build_episodes("p1", events)
    assert (episode.score("PHQ-9").baseline, episode.score("PHQ-9").final) == (20, 5)


def test_a_patient_can_have_several_numbered_episodes():
    events = [phq(START + timedelta(days=200 * k), 15) for k in range(4)]
    episodes = build_episodes("p9", events)
    assert [e.number for e in episodes] == [1, 2, 3, 4]
    assert {e.patient_id for e in episodes} == {"p9"}
