"""Non-wear, wear time, data quality, daily summaries, the report/CLI, and real Actiwatch recordings."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from novamind_core.biometrics import (
    actigraphy_report,
    activity_quality,
    completeness_score,
    daily_completeness,
    detect_nonwear,
    interdaily_stability,
    intradaily_variability,
    rmssd_ms,
    wear_time_per_day,
)
from novamind_core.biometrics.synthetic import synthetic_actigraphy, synthetic_daily_summaries
from novamind_core.cli import main


def minutes(values, start="2024-01-01"):
    return pd.Series(np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq="min"))


def test_sixty_zero_minutes_are_nonwear_and_fifty_nine_are_not():
    x = np.full(600, 300.0)
    x[100:160] = 0  # 60 min
    x[300:359] = 0  # 59 min
    nw = detect_nonwear(minutes(x)).to_numpy()
    assert nw[100:160].all() and nw.sum() == 60


def test_a_short_low_spike_does_not_break_a_nonwear_run_but_a_high_one_does():
    x = np.full(600, 300.0)
    x[100:200] = 0
    x[150:152] = 50  # 2-min spike <= 100 counts: tolerated (Troiano 2008)
    x[300:400] = 0
    x[330] = 500  # breaks the run into 30 + 69
    nw = detect_nonwear(minutes(x)).to_numpy()
    assert nw[100:200].all()
    assert not nw[300:331].any() and nw[331:400].all()


def test_wear_time_per_day_counts_worn_minutes_and_valid_days():
    x = np.full(2 * 1440, 200.0)
    x[1440 : 1440 + 900] = 0  # 15 h off on day 2
    w = wear_time_per_day(minutes(x))
    assert list(w["wear_min"]) == [1440, 540]
    assert list(w["valid_day"]) == [True, False]


def test_quality_reports_coverage_gaps_and_a_completeness_score():
    x = np.full(3 * 1440, 200.0)
    x[1440 + 600 : 1440 + 720] = np.nan  # 2 h missing on day 2
    q = activity_quality(minutes(x), devices=["watch"], expected_dates=pd.date_range("2024-01-01", periods=4).date)
    assert q.expected_days == 4
    assert q.completeness == pytest.approx((1 + (1440 - 120) / 1440 + 1 + 0) / 4)
    assert [(g.kind, g.minutes) for g in q.gaps] == [("missing", 120)]
    assert q.coverage_per_hour.loc[pd.Timestamp("2024-01-02").date(), 10] == 0.0
    assert q.devices == ("watch",)


def test_completeness_score_is_bounded_between_zero_and_one():
    assert completeness_score([2000, 1440, 0]) == pytest.approx(2 / 3)
    assert completeness_score([], expected_days=3) == 0.0


def test_daily_completeness_counts_filled_cells_over_expected_days():
    df = synthetic_daily_summaries(10, missing_fraction=0.0)
    assert daily_completeness(df) == 1.0
    assert daily_completeness(df, expected_dates=pd.date_range("2024-01-01", periods=20).date) == 0.5


def test_rmssd_of_alternating_intervals_is_their_difference():
    assert rmssd_ms([800, 850, 800, 850]) == pytest.approx(50.0)


def test_report_has_every_field_the_cli_promises():
    d = actigraphy_report(synthetic_actigraphy(7, seed=4).counts).as_dict()
    assert {"interdaily_stability", "intradaily_variability", "relative_amplitude", "m10", "l5", "m10_onset",
            "l5_onset", "cosinor", "sleep", "wear_time_percent", "days", "nights"} <= d.keys()
    assert {"total_sleep_min", "sleep_efficiency_percent", "sleep_onset_latency_min", "waso_min", "awakenings",
            "sleep_midpoint"} <= d["sleep"].keys()
    assert d["days"] == 7 and len(d["nights"]) >= 6
    assert d["sleep"]["total_sleep_min"] == pytest.approx(np.mean([n["total_sleep_min"] for n in d["nights"]]))


def test_cli_prints_json_metrics_for_a_csv(tmp_path, capsys):
    s = synthetic_actigraphy(5, seed=6).counts
    path = tmp_path / "act.csv"
    s.rename_axis("timestamp").reset_index().to_csv(path, index=False)
    assert main(["actigraphy", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert 0 < out["interdaily_stability"] <= 1 and out["days"] == 5


def test_cli_reports_a_malformed_csv_in_one_line_with_exit_code_2(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("timestamp,counts\n2024-01-01 00:00,abc\n")
    assert main(["actigraphy", str(path)]) == 2
    assert "row 2, column 'counts': not a number (value 'abc')" in capsys.readouterr().err


def _pyactigraphy_data() -> Path | None:
    spec = importlib.util.find_spec("pyActigraphy")  # only its shipped data files are used, never its code
    if spec is None or not spec.submodule_search_locations:
        return None
    d = Path(list(spec.submodule_search_locations)[0]) / "tests" / "data"
    return d if d.exists() else None


@pytest.mark.skipif(_pyactigraphy_data() is None, reason="pyActigraphy (pip install --no-deps) not installed")
@pytest.mark.parametrize("name", ["example_01.AWD", "example_02.AWD", "example_03.AWD"])
def test_real_actiwatch_recordings_give_plausible_metrics_and_match_the_slow_reference(name):
    from novamind_core.biometrics.parsers import read_awd

    s = read_awd(_pyactigraphy_data() / name)
    assert len(s) > 7 * 1440
    report = actigraphy_report(s)
    assert 0 < report.interdaily_stability < 1
    assert 0 < report.intradaily_variability < 2.5
    assert 0 < report.extremes.relative_amplitude <= 1
    assert len(report.nights) >= 5
    # Actiwatch counts are not ActiGraph counts and these are patients: only check a plausible middle.
    assert 180 <= np.median([n.total_sleep_min for n in report.nights]) <= 720
    assert all(0 < n.total_sleep_min <= n.time_in_bed_min for n in report.nights)
    # Fast IS/IV equal the van Someren formulas written out (complete whole days only).
    whole = s.iloc[(1440 - (s.index[0].hour * 60 + s.index[0].minute)) % 1440:]
    whole = whole.iloc[: len(whole) // 1440 * 1440]
    hourly = [float(v) for v in whole.resample("1h").mean()]
    n, mean = len(hourly), sum(hourly) / len(hourly)
    total = sum((v - mean) ** 2 for v in hourly)
    profile = [sum(hourly[h::24]) / len(hourly[h::24]) for h in range(24)]
    assert interdaily_stability(whole) == pytest.approx(n * sum((m - mean) ** 2 for m in profile) / (24 * total))
    iv_ref = n * sum((hourly[i] - hourly[i - 1]) ** 2 for i in range(1, n)) / ((n - 1) * total)
    assert intradaily_variability(whole) == pytest.approx(iv_ref)
