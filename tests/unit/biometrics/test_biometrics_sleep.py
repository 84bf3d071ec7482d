"""Sleep/wake scoring, per-night metrics and the Sleep Regularity Index on constructed recordings."""

import numpy as np
import pandas as pd
import pytest

from novamind_core.biometrics import cole_kripke, sadeh, sleep_nights, sleep_regularity_index, summarize_nights
from novamind_core.biometrics.synthetic import synthetic_actigraphy


def minutes(values, start="2024-01-01 12:00"):
    return pd.Series(np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq="min"))


def constructed_night():
    """Noon to noon: awake until 23:00, still 23:00-07:00 except a 20-min awakening at 03:00, awake after."""
    x = np.full(1440, 600.0)
    x[11 * 60 : 19 * 60] = 0.0  # 23:00 .. 07:00
    x[15 * 60 : 15 * 60 + 20] = 600.0  # 03:00 .. 03:20 awake
    return minutes(x)


def slow_cole_kripke(x):
    a = [min(v / 100, 300) for v in x]
    w = [106, 54, 58, 76, 230, 74, 67]
    out = []
    for t in range(len(a)):
        d = 0.0
        for k, off in enumerate(range(-4, 3)):
            if 0 <= t + off < len(a):
                d += w[k] * a[t + off]
        out.append(1.0 if 0.001 * d < 1 else 0.0)
    return out


@pytest.mark.parametrize("scorer", [cole_kripke, sadeh])
def test_both_scorers_call_still_minutes_sleep_and_active_minutes_wake(scorer):
    s = scorer(constructed_night()).to_numpy()
    assert s[12 * 60 : 14 * 60].all()  # 00:00-02:00
    assert not s[2 * 60 : 10 * 60].any()  # 14:00-22:00
    assert not s[15 * 60 + 5 : 15 * 60 + 15].any()  # in the awakening


def test_cole_kripke_matches_the_slow_reference():
    x = np.random.default_rng(0).gamma(0.8, 120, 3000)
    assert cole_kripke(minutes(x)).tolist() == slow_cole_kripke(x)


def test_a_constructed_night_gives_known_sleep_metrics():
    nights = sleep_nights(cole_kripke(constructed_night()))
    assert len(nights) == 1
    n = nights[0]
    # Cole-Kripke looks 4 minutes back and 2 ahead, so edges move by a few minutes.
    assert n.total_sleep_min == pytest.approx(480 - 20, abs=8)
    assert n.waso_min == pytest.approx(20, abs=8)
    assert n.awakenings == 1
    assert n.sleep_midpoint.strftime("%H:%M") in {"02:57", "02:58", "02:59", "03:00", "03:01", "03:02"}
    assert n.sleep_efficiency_percent == pytest.approx(100 * n.total_sleep_min / n.time_in_bed_min)


def test_diary_bed_times_give_sleep_onset_latency():
    x = constructed_night()
    nights = sleep_nights(cole_kripke(x), bed_intervals=[(pd.Timestamp("2024-01-01 22:30"),
                                                          pd.Timestamp("2024-01-02 07:30"))])
    assert nights[0].sleep_onset_latency_min == pytest.approx(30, abs=5)
    assert nights[0].time_in_bed_min == 540


def test_identical_days_have_sleep_regularity_index_100_and_shifted_days_less():
    day = np.r_[np.ones(420), np.zeros(1020)]
    assert sleep_regularity_index(minutes(np.tile(day, 5))) == pytest.approx(100.0)
    shifted = np.concatenate([np.roll(day, 120 * (i % 2)) for i in range(5)])
    assert sleep_regularity_index(minutes(shifted)) == pytest.approx(-100 + 200 * (1 - 240 / 1440))


def test_random_sleep_has_sleep_regularity_index_near_zero():
    s = (np.random.default_rng(0).random(1440 * 20) < 0.5).astype(float)
    assert abs(sleep_regularity_index(minutes(s))) < 5


def test_depressive_episode_in_synthetic_data_worsens_sleep_metrics():
    healthy = synthetic_actigraphy(14, seed=5)
    episode = synthetic_actigraphy(14, seed=5, episode_days=((0, 13),), episode_severity=1.0)
    h = summarize_nights(sleep_nights(cole_kripke(healthy.counts)))
    e = summarize_nights(sleep_nights(cole_kripke(episode.counts)))
    assert e["waso_min"] > h["waso_min"]
    assert e["sleep_efficiency_percent"] < h["sleep_efficiency_percent"]
    assert sleep_regularity_index(cole_kripke(episode.counts)) < sleep_regularity_index(cole_kripke(healthy.counts))


def test_scored_sleep_agrees_with_the_generator_truth_most_of_the_time():
    s = synthetic_actigraphy(7, seed=2, nonwear_per_week=0)
    agree = (cole_kripke(s.counts).to_numpy() == s.asleep.to_numpy()).mean()
    assert agree > 0.9
