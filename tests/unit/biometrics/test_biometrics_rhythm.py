"""Rhythm metrics on constructed signals with known answers, and against slow textbook references."""

import numpy as np
import pandas as pd
import pytest

from novamind_core.biometrics import (
    cosinor,
    extreme_windows,
    hourly_means,
    interdaily_stability,
    intradaily_variability,
    relative_amplitude,
)
from novamind_core.domain.errors import ValidationError


def minutes(values, start="2024-01-01"):
    return pd.Series(np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq="min"))


def slow_is_iv(series):
    """van Someren 1999 written out with Python loops over hourly means (complete data only)."""
    x = [float(v) for v in series.resample("1h").mean()]
    n, p = len(x), 24
    mean = sum(x) / n
    total = sum((v - mean) ** 2 for v in x)
    profile = [sum(x[h::p]) / len(x[h::p]) for h in range(p)]
    is_ = n * sum((m - mean) ** 2 for m in profile) / (p * total)
    iv = n * sum((x[i] - x[i - 1]) ** 2 for i in range(1, n)) / ((n - 1) * total)
    return is_, iv


def test_a_signal_repeating_every_24_hours_has_interdaily_stability_one():
    day = np.random.default_rng(0).gamma(2, 100, 1440)
    assert interdaily_stability(minutes(np.tile(day, 7))) == pytest.approx(1.0)


def test_white_noise_has_intradaily_variability_near_two_and_low_stability():
    noise = np.random.default_rng(1).normal(100, 10, 1440 * 60)  # 60 days of hourly means
    assert intradaily_variability(minutes(noise)) == pytest.approx(2.0, abs=0.1)
    assert interdaily_stability(minutes(noise)) < 0.05


def test_a_smooth_sine_has_intradaily_variability_near_zero():
    t = np.arange(1440 * 7)
    assert intradaily_variability(minutes(100 + 50 * np.sin(2 * np.pi * t / 1440))) < 0.1


def test_fast_is_and_iv_match_the_slow_reference_on_random_data():
    x = minutes(np.random.default_rng(2).gamma(1.5, 200, 1440 * 9))
    is_ref, iv_ref = slow_is_iv(x)
    assert interdaily_stability(x) == pytest.approx(is_ref, rel=1e-9)
    assert intradaily_variability(x) == pytest.approx(iv_ref, rel=1e-9)


def test_missing_hours_are_left_out_of_interdaily_stability():
    day = np.random.default_rng(3).gamma(2, 100, 1440)
    x = np.tile(day, 5)
    x[33 * 60 : 38 * 60] = np.nan  # five whole hours
    assert interdaily_stability(minutes(x)) == pytest.approx(1.0)


def test_square_wave_gives_known_m10_l5_onsets_and_relative_amplitude():
    day = np.full(1440, 20.0)  # 20 counts from 22:00 to 08:00
    day[8 * 60 : 22 * 60] = 500.0  # 500 counts from 08:00 to 22:00 (14 h)
    w = extreme_windows(minutes(np.tile(day, 4)))
    assert w.m10 == pytest.approx(500.0)
    assert w.l5 == pytest.approx(20.0)
    assert 8 * 60 <= w.m10_onset_min <= 12 * 60
    assert w.l5_onset_min >= 22 * 60 or w.l5_onset_min <= 3 * 60  # window may wrap midnight
    assert relative_amplitude(minutes(np.tile(day, 4))) == pytest.approx((500 - 20) / (500 + 20))


def test_l5_window_that_wraps_midnight_is_found():
    day = np.full(1440, 300.0)
    day[:120] = 0.0
    day[-180:] = 0.0  # 21:00 to 02:00 quiet
    w = extreme_windows(minutes(np.tile(day, 3)))
    assert w.l5 == pytest.approx(0.0)
    assert w.l5_onset == "21:00"


def test_cosinor_recovers_a_known_sine():
    t = np.arange(1440 * 5)
    y = 200 + 80 * np.cos(2 * np.pi * (t / 60 - 15.5) / 24)
    fit = cosinor(minutes(y))
    assert fit.mesor == pytest.approx(200, abs=1e-6)
    assert fit.amplitude == pytest.approx(80, abs=1e-6)
    assert fit.acrophase_h == pytest.approx(15.5, abs=1e-6)
    assert fit.r_squared == pytest.approx(1.0)
    assert fit.acrophase == "15:30"


def test_hourly_means_average_each_clock_hour():
    x = minutes(np.repeat([10.0, 20.0, 30.0], 60), start="2024-01-01 05:00")
    h = hourly_means(x)
    assert list(h) == [10.0, 20.0, 30.0]
    assert h.index[0] == pd.Timestamp("2024-01-01 05:00")


def test_irregular_series_is_rejected_with_a_reason():
    s = pd.Series([1.0, 2.0, 3.0], index=pd.to_datetime(["2024-01-01 00:00", "2024-01-01 00:01", "2024-01-01 00:05"]))
    with pytest.raises(ValidationError, match="1-minute grid"):
        interdaily_stability(s)
