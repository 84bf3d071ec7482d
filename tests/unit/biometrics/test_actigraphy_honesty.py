"""Actigraphy metrics the data cannot support are reported as not computable with the reason (never 0), and a sleep
period never spans hours of sustained activity. Constructed signals only."""

import numpy as np
import pandas as pd
import pytest

from novamind_core.biometrics import actigraphy_report, cole_kripke, sleep_nights

ACTIVE = 600.0  # counts/min: Cole-Kripke scores wake
STILL = 5.0  # counts/min: asleep but never a zero run, so never non-wear


def days_of(n_days: int, start: str = "2026-01-05") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n_days * 1440, freq="min")


def test_a_still_sleeper_read_as_non_wear_gets_no_l5_no_sleep_and_says_why():
    idx = days_of(7)
    h = idx.hour.to_numpy()
    x = np.where((h >= 23) | (h < 7), 0.0, ACTIVE)  # eight hours of exact zeros each night
    report = actigraphy_report(pd.Series(x, index=idx))
    d = report.as_dict()
    assert d["l5"] is None and d["m10"] is None and d["relative_amplitude"] is None and d["l5_onset"] is None
    assert "non-wear" in d["not_computable"]["l5"] and "00:00-07:00" in d["not_computable"]["l5"]
    assert d["sleep"]["total_sleep_min"] is None and d["sleep"]["n_nights"] == 0
    assert "non-wear" in report.reason_not_computable("sleep")
    assert d["sleep"]["sleep_regularity_index"] is None  # not a "perfectly regular" 100 from wake alone
    assert report.reason_not_computable("sleep_regularity_index")
    assert d["interdaily_stability"] is not None  # the rhythm of the worn hours is still there


def test_two_hours_of_wear_make_every_rhythm_metric_not_computable_never_zero():
    idx = days_of(3)
    x = np.full(idx.size, np.nan)
    x[600:720] = 200.0
    d = actigraphy_report(pd.Series(x, index=idx)).as_dict()
    for metric in ("interdaily_stability", "intradaily_variability", "relative_amplitude", "m10", "l5"):
        assert d[metric] is None, metric
        assert "too little wear" in d["not_computable"][metric]
    assert all(v is None for v in d["cosinor"].values())
    assert d["sleep"]["total_sleep_min"] is None and "not recorded" in d["not_computable"]["sleep"]


def test_a_single_worn_day_gives_no_interdaily_stability_instead_of_a_perfect_one():
    idx = days_of(1)
    h = idx.hour.to_numpy()
    x = np.where((h >= 23) | (h < 7), STILL, ACTIVE)
    d = actigraphy_report(pd.Series(x, index=idx)).as_dict()
    assert d["interdaily_stability"] is None
    assert "compare days" in d["not_computable"]["interdaily_stability"]


def test_a_fully_worn_week_has_every_metric_and_l5_in_the_rest_hours():
    idx = days_of(7)
    h = idx.hour.to_numpy()
    x = np.where((h >= 23) | (h < 7), STILL, ACTIVE)
    d = actigraphy_report(pd.Series(x, index=idx)).as_dict()
    assert d["not_computable"] == {}
    l5_start = int(d["l5_onset"][:2])
    assert l5_start in (23, 0, 1, 2)  # the five least active hours lie inside 23:00-07:00
    assert d["sleep"]["n_nights"] >= 6


def test_a_sleep_period_is_never_joined_across_sustained_activity():
    x = np.full(1440, ACTIVE)  # noon to noon
    x[11 * 60:14 * 60] = STILL  # 23:00-02:00 asleep
    x[14 * 60:14 * 60 + 45] = 3000.0  # 02:00-02:45 up and walking (a gap shorter than the 60-min bridge)
    x[14 * 60 + 45:19 * 60] = STILL  # 02:45-07:00 asleep again
    idx = pd.date_range("2026-01-05 12:00", periods=1440, freq="min")
    nights = sleep_nights(cole_kripke(pd.Series(x, index=idx)))
    active_from, active_to = idx[14 * 60], idx[14 * 60 + 45]
    assert nights
    for n in nights:
        assert n.out_of_bed <= active_from or n.in_bed >= active_to
        assert n.final_awakening <= active_from or n.sleep_onset >= active_to


def test_a_short_quiet_awakening_is_still_inside_the_night():
    x = np.full(1440, ACTIVE)
    x[11 * 60:19 * 60] = STILL
    x[15 * 60:15 * 60 + 20] = ACTIVE  # 20 min awake at 03:00: not sustained activity
    idx = pd.date_range("2026-01-05 12:00", periods=1440, freq="min")
    (night,) = sleep_nights(cole_kripke(pd.Series(x, index=idx)))
    assert night.total_sleep_min == pytest.approx(460, abs=8) and night.awakenings == 1
