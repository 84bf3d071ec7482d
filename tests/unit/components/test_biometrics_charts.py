"""Pure wearable chart builders: actogram cells, sleep timeline geometry, metric trends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from components.patient.biometrics_charts import (
    actogram_figure,
    hourly_grid,
    metric_trends_figure,
    minute_series,
    sleep_caption,
    sleep_timeline_figure,
)
from novamind_core.biometrics import actigraphy_report
from novamind_core.biometrics.synthetic import synthetic_actigraphy


def _slow_hourly(counts: np.ndarray) -> np.ndarray:
    out = np.full((counts.shape[0], 24), np.nan)
    for d in range(counts.shape[0]):
        for h in range(24):
            block = counts[d, h * 60:(h + 1) * 60]
            block = block[~np.isnan(block)]
            if block.size:
                out[d, h] = block.mean()
    return out


def test_hourly_grid_matches_a_plain_loop_and_leaves_hours_without_data_blank():
    rng = np.random.default_rng(1)
    counts = rng.integers(0, 900, (3, 1440)).astype(float)
    counts[1, 120:180] = np.nan  # 02:00-02:59 missing entirely
    counts[2, 600:630] = np.nan  # half of 10:00 missing
    fast = hourly_grid(counts)
    np.testing.assert_allclose(fast, _slow_hourly(counts), equal_nan=True)
    assert np.isnan(fast[1, 2]) and fast[2, 10] == counts[2, 630:660].mean()


def test_actogram_has_one_row_per_day_and_one_column_per_hour_in_counts_per_minute():
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(5)]
    counts = np.zeros((5, 1440))
    counts[:, 8 * 60:9 * 60] = 300.0
    fig = actogram_figure(days, counts)
    heat = fig.data[0]
    assert np.asarray(heat.z).shape == (5, 24) and list(heat.y)[0] == "1 Jan 2026"
    assert np.asarray(heat.z)[0, 8] == 300.0 and np.asarray(heat.z)[0, 7] == 0.0
    assert "Actogram" in fig.layout.title.text and fig.layout.xaxis.title.text.startswith("clock hour")


def test_minute_series_pads_missing_days_so_the_recording_stays_on_a_regular_grid():
    days = [date(2026, 1, 1), date(2026, 1, 3)]
    s = minute_series(days, np.ones((2, 1440)))
    assert len(s) == 3 * 1440 and s.index.freq == pd.Timedelta(minutes=1)
    assert s["2026-01-02"].isna().all() and s["2026-01-03"].eq(1).all()


@dataclass
class _Night:
    night: date
    in_bed: pd.Timestamp
    out_of_bed: pd.Timestamp
    sleep_onset: pd.Timestamp
    final_awakening: pd.Timestamp
    total_sleep_min: float = 420.0
    sleep_efficiency_percent: float = 90.0
    waso_min: float = 30.0


def test_sleep_timeline_places_bars_in_hours_after_noon_of_the_evening():
    night = _Night(date(2026, 1, 1), pd.Timestamp("2026-01-01 22:30"), pd.Timestamp("2026-01-02 07:00"),
                   pd.Timestamp("2026-01-01 23:00"), pd.Timestamp("2026-01-02 06:30"))
    fig = sleep_timeline_figure([night])
    in_bed, asleep = fig.data
    assert in_bed.base[0] == 10.5 and in_bed.x[0] == 8.5  # 22:30 -> 07:00
    assert asleep.base[0] == 11.0 and asleep.x[0] == 7.5  # 23:00 -> 06:30
    assert "Sleep timeline" in fig.layout.title.text


def test_sleep_timeline_and_caption_from_a_real_report_of_synthetic_actigraphy():
    acti = synthetic_actigraphy(7, start="2026-01-01", seed=3)
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(7)]
    report = actigraphy_report(minute_series(days, acti.counts.to_numpy().reshape(7, 1440)))
    fig = sleep_timeline_figure(report.nights)
    assert len(fig.data[1].y) == len(report.nights) >= 5
    assert all(9 <= b <= 15 for b in fig.data[1].base)  # sleep onsets between 21:00 and 03:00
    assert sleep_caption(report.as_dict(), 7).startswith(f"Over {len(report.nights)} nights: mean total sleep")
    assert sleep_caption(None, 28) == "No night with enough data in the last 28 days to score sleep."


@dataclass
class _Day:
    day: date
    steps: int | None = None
    sleep_minutes: float | None = None
    resting_hr: float | None = None
    hrv_rmssd: float | None = None


def test_metric_trends_draw_only_measured_metrics_and_show_sleep_in_hours():
    rows = [_Day(date(2026, 1, 1) + timedelta(days=i), steps=8000 + i, sleep_minutes=420.0) for i in range(10)]
    fig = metric_trends_figure(rows)
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["Steps per day (steps)", "Sleep (device) (hours)"]
    assert list(fig.data[2].y)[:2] == [7.0, 7.0]
    assert np.isnan(fig.data[1].y[0]) and fig.data[1].y[9] == np.mean([8000 + i for i in range(3, 10)])


def test_panel_lines_say_not_computable_with_the_reason_for_a_rest_period_read_as_non_wear():
    from components.patient.biometrics_charts import not_computable_lines

    idx = pd.date_range("2026-01-05", periods=7 * 1440, freq="min")
    h = idx.hour.to_numpy()
    report = actigraphy_report(pd.Series(np.where((h >= 23) | (h < 7), 0.0, 600.0), index=idx)).as_dict()
    lines = not_computable_lines(report["not_computable"])
    assert any(line.startswith("Relative amplitude, M10 and L5: not computable: no worn minutes") for line in lines)
    assert any(line.startswith("Sleep: not computable:") and "non-wear" in line for line in lines)
    assert sleep_caption(report, 28).startswith("Sleep not computable:")
    assert not any(" 0 " in line or line.endswith(" 0.") for line in lines)
