"""Parsers: valid files load; malformed files are rejected with every problem named by row, column and value."""

import json

import numpy as np
import pandas as pd
import pytest

from novamind_core.biometrics import ImportProblems, daily_summaries
from novamind_core.biometrics.parsers import read_activity_csv, read_apple_health, read_daily_csv, read_fitbit_json
from novamind_core.biometrics.synthetic import write_apple_health_export
from novamind_core.domain.errors import ValidationError


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_activity_csv_loads_naive_times_in_the_given_zone_and_converts_aware_ones(tmp_path):
    p = write(tmp_path, "a.csv", "timestamp,counts\n2024-03-01 08:00:00,10\n2024-03-01T07:01:00Z,20\n"
                                 "2024-03-01 08:02:00,30\n2024-03-01 08:03:00,40\n")
    s = read_activity_csv(p, tz="Europe/Berlin")
    assert list(s) == [10, 20, 30, 40]
    assert s.index[1] == pd.Timestamp("2024-03-01 08:01", tz="Europe/Berlin")


def test_activity_csv_fills_missing_minutes_with_nan(tmp_path):
    p = write(tmp_path, "a.csv", "timestamp,counts\n2024-03-01 08:00,1\n2024-03-01 08:01,1\n2024-03-01 08:02,1\n"
                                 "2024-03-01 08:05,1\n")
    s = read_activity_csv(p)
    assert len(s) == 6 and s.isna().sum() == 2


def test_activity_csv_reports_every_bad_cell_with_row_column_and_value(tmp_path):
    p = write(tmp_path, "bad.csv", "timestamp,counts\n2024-03-01 08:00,5\nyesterday,7\n2024-03-01 08:02,-3\n"
                                   "2024-03-01 08:03,lots\n2024-03-01 08:02,4\n2024-03-01 08:03:30,1\n")
    with pytest.raises(ImportProblems) as exc:
        read_activity_csv(p)
    got = {(r, c, v) for r, c, v, _ in exc.value.as_tuples()}
    assert (3, "timestamp", "yesterday") in got
    assert (4, "counts", "-3") in got
    assert (5, "counts", "lots") in got
    assert (6, "timestamp", "2024-03-01 08:02") in got  # duplicate of row 4
    assert (7, "timestamp", "2024-03-01 08:03:30") in got  # same minute as row 5
    messages = " | ".join(m for *_, m in exc.value.as_tuples())
    assert "duplicate timestamp (same as row 4)" in messages and "same 1-minute epoch" in messages
    assert isinstance(exc.value, ValidationError) and exc.value.row == 3 and exc.value.field == "timestamp"


def test_activity_csv_without_a_counts_column_names_the_missing_column(tmp_path):
    p = write(tmp_path, "h.csv", "timestamp,steps\n2024-03-01 08:00,5\n")
    with pytest.raises(ImportProblems, match="missing column 'counts'"):
        read_activity_csv(p)


def test_activity_csv_with_30_second_epochs_is_rejected(tmp_path):
    rows = "\n".join(f"2024-03-01 08:{m // 2:02d}:{30 * (m % 2):02d},1" for m in range(10))
    with pytest.raises(ImportProblems, match="expected 1-minute"):
        read_activity_csv(write(tmp_path, "e.csv", "timestamp,counts\n" + rows + "\n"))


def test_nonexistent_local_time_at_spring_forward_is_reported(tmp_path):
    p = write(tmp_path, "dst.csv", "timestamp,counts\n2024-03-31 01:59,1\n2024-03-31 02:30,1\n2024-03-31 03:00,1\n")
    with pytest.raises(ImportProblems, match="daylight-saving") as exc:
        read_activity_csv(p, tz="Europe/Berlin")
    assert exc.value.problems[0].row == 3


def test_empty_file_is_rejected(tmp_path):
    with pytest.raises(ImportProblems, match="empty"):
        read_activity_csv(write(tmp_path, "empty.csv", ""))


def test_daily_csv_loads_and_allows_empty_cells(tmp_path):
    p = write(tmp_path, "d.csv", "date,steps,sleep_minutes,resting_hr,hrv_rmssd\n2024-03-02,8000,420,61,42.5\n"
                                 "2024-03-01,,,60,\n")
    df = read_daily_csv(p)
    assert list(df["date"].astype(str)) == ["2024-03-01", "2024-03-02"]
    assert np.isnan(df.loc[0, "steps"]) and df.loc[1, "hrv_rmssd"] == 42.5


def test_daily_csv_rejects_wrong_units_in_the_header(tmp_path):
    p = write(tmp_path, "d.csv", "date,steps,sleep_hours,hrv_sdnn\n2024-03-01,8000,7,40\n")
    with pytest.raises(ImportProblems) as exc:
        read_daily_csv(p)
    by_col = {c: m for _, c, _, m in exc.value.as_tuples()}
    assert "multiply hours by 60" in by_col["sleep_hours"]
    assert "SDNN" in by_col["hrv_sdnn"]


def test_daily_csv_reports_bad_dates_duplicates_and_out_of_range_values(tmp_path):
    p = write(tmp_path, "d.csv", "date,steps,sleep_minutes,resting_hr\n2024-03-01,8000.5,420,61\n"
                                 "01/03/2024,100,2000,61\n2024-03-01,100,400,300\n")
    with pytest.raises(ImportProblems) as exc:
        read_daily_csv(p)
    got = {(r, c, v): m for r, c, v, m in exc.value.as_tuples()}
    assert "whole number" in got[(2, "steps", "8000.5")]
    assert "YYYY-MM-DD" in got[(3, "date", "01/03/2024")]
    assert "0..1440 min" in got[(3, "sleep_minutes", "2000")]
    assert "same as row 2" in got[(4, "date", "2024-03-01")]
    assert "25..220 bpm" in got[(4, "resting_hr", "300")]


def test_fitbit_web_api_and_export_files_load_heart_rate_steps_and_sleep(tmp_path):
    hr = write(tmp_path, "hr.json", json.dumps({
        "activities-heart": [{"dateTime": "2024-03-01", "value": {"restingHeartRate": 58}}],
        "activities-heart-intraday": {"dataset": [{"time": "08:00:00", "value": 70},
                                                  {"time": "08:01:00", "value": 72}]},
    }))
    steps = write(tmp_path, "steps-2024-03-01.json", json.dumps(
        [{"dateTime": "03/01/24 08:00:00", "value": "100"}, {"dateTime": "03/01/24 08:01:00", "value": "50"}]))
    sleep = write(tmp_path, "sleep.json", json.dumps({"sleep": [{
        "dateOfSleep": "2024-03-02", "startTime": "2024-03-01T23:00:00.000", "endTime": "2024-03-02T07:00:00.000",
        "levels": {"data": [{"dateTime": "2024-03-01T23:00:00.000", "level": "wake", "seconds": 600},
                            {"dateTime": "2024-03-01T23:10:00.000", "level": "light", "seconds": 28200}]}}]}))
    r = read_fitbit_json([hr, steps, sleep], tz="Europe/Berlin")
    assert r.counts() == {"steps": 2, "heart_rate": 2, "resting_hr": 1, "hrv": 0, "sleep": 2}
    d = daily_summaries(r)
    assert d.loc[pd.Timestamp("2024-03-01").date(), "steps"] == 150
    assert d.loc[pd.Timestamp("2024-03-01").date(), "resting_hr"] == 58
    assert d.loc[pd.Timestamp("2024-03-02").date(), "sleep_minutes"] == 470


def test_fitbit_bad_values_and_broken_json_are_reported(tmp_path):
    bad = write(tmp_path, "heart_rate-x.json", json.dumps([{"dateTime": "03/01/24 08:00:00", "value": {"bpm": 999}},
                                                           {"dateTime": "nonsense", "value": {"bpm": 60}}]))
    broken = write(tmp_path, "broken.json", '{"sleep": [')
    with pytest.raises(ImportProblems) as exc:
        read_fitbit_json([bad, broken])
    msgs = [str(p) for p in exc.value.problems]
    assert any("row 1" in m and "value.bpm" in m and "out of range" in m for m in msgs)
    assert any("row 2" in m and "not a Fitbit date-time" in m for m in msgs)
    assert any("not valid JSON" in m for m in msgs)


def test_apple_health_export_streams_every_kind_and_keeps_sdnn_apart_from_rmssd(tmp_path):
    path = tmp_path / "export.xml"
    stats = write_apple_health_export(path, n_days=3)
    r = read_apple_health(path, tz="Europe/Berlin")
    assert r.counts() == {k: stats[k] for k in ("steps", "heart_rate", "resting_hr", "hrv", "sleep")}
    assert set(r.devices) == {"Apple Watch", "iPhone"}
    assert set(r.hrv["metric"]) == {"sdnn"}
    d = daily_summaries(r, tz="Europe/Berlin")
    assert d["hrv_rmssd"].isna().all() and d["hrv_sdnn"].notna().sum() == 3
    watch_steps = r.steps[r.steps["device"] == "Apple Watch"]
    first_day = watch_steps[watch_steps["start"].dt.date == d.index[0]]["steps"].sum()
    assert d["steps"].iloc[0] == first_day  # phone steps are not added on top


def test_apple_health_reports_bad_records_by_record_number(tmp_path):
    def rec(rtype, unit, start, end, value):
        unit_attr = f' unit="{unit}"' if unit else ""
        return (f'<Record type="{rtype}" sourceName="W"{unit_attr} startDate="2024-01-01 {start} +0100" '
                f'endDate="2024-01-01 {end} +0100" value="{value}"/>')

    text = "\n".join([
        '<?xml version="1.0"?>', '<HealthData locale="en_US">',
        rec("HKQuantityTypeIdentifierHeartRate", "count/min", "08:00:00", "08:00:00", "70"),
        rec("HKQuantityTypeIdentifierHeartRate", "count/s", "08:01:00", "08:01:00", "1.2"),
        rec("HKQuantityTypeIdentifierStepCount", "count", "08:01:00", "08:00:00", "abc"),
        rec("HKCategoryTypeIdentifierSleepAnalysis", None, "23:00:00", "23:50:00",
            "HKCategoryValueSleepAnalysisDreaming"),
        "</HealthData>",
    ])
    with pytest.raises(ImportProblems) as exc:
        read_apple_health(write(tmp_path, "export.xml", text))
    got = {(r, c): m for r, c, _, m in exc.value.as_tuples()}
    assert "unexpected unit" in got[(2, "unit")]
    assert "non-negative number" in got[(3, "value")]
    assert "before startDate" in got[(3, "endDate")]
    assert "unknown sleep analysis value" in got[(4, "value")]


def test_apple_health_truncated_xml_is_reported_with_its_line(tmp_path):
    path = tmp_path / "export.xml"
    write_apple_health_export(path, n_days=1)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImportProblems, match="not well formed"):
        read_apple_health(path)


def test_apple_health_parser_takes_a_fraction_of_the_memory_of_a_full_tree(tmp_path):
    import tracemalloc
    import xml.etree.ElementTree as ET

    path = tmp_path / "export.xml"
    write_apple_health_export(path, n_days=16)
    peaks = []
    for load in (lambda: read_apple_health(path), lambda: ET.parse(path)):
        tracemalloc.start()
        load()
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    streamed, tree = peaks
    assert streamed < 0.25 * tree


@pytest.mark.parametrize("payload", [
    b'{"sleep": [{"startTime": -1, "endTime": "2000-01-01", "minutesAsleep": -1}]}',  # number as a time (fuzzing)
    b'{"sleep": [{"startTime": "0001-01-01T00:00:00", "endTime": "0001-01-01T08:00:00"}]}',  # year out of range
    b'{"sleep": [{"startTime": "2026-01-01T22:00:00", "endTime": "2026-03-01T08:00:00"}]}',  # a two-month night
])
def test_fitbit_sleep_with_impossible_times_is_refused_with_a_problem_not_an_error(tmp_path, payload):
    from novamind_core.biometrics.parsers.fitbit import read_fitbit_json
    from novamind_core.biometrics.problems import ImportProblems

    path = tmp_path / "sleep.json"
    path.write_bytes(payload)
    with pytest.raises(ImportProblems) as err:
        read_fitbit_json(path)
    assert all(row == 1 for row, *_ in err.value.as_tuples())
