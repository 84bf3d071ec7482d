"""CSV imports of assessments and medications, and minute counts shaped into whole local days."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from novamind_core.biometrics.problems import ImportProblems
from novamind_core.domain.assessments import Instrument
from novamind_core.domain.medications import Frequency
from novamind_core.interop import parse_assessments_csv, parse_medications_csv, read_assessments_csv
from novamind_core.interop.wearables import minute_days

TODAY = date(2026, 3, 12)
DRUGS = frozenset({"sertraline", "escitalopram", "mirtazapine"})


def _problems(text: str, reader=parse_assessments_csv, **kw):
    kw.setdefault("today", TODAY)
    if reader is parse_medications_csv:
        kw.setdefault("known_drugs", DRUGS)
    return reader(text.encode(), **kw)


def test_assessment_rows_become_scored_entries_with_gad7_using_seven_items():
    batch, problems = _problems(
        "date,instrument,item1,item2,item3,item4,item5,item6,item7,item8,item9,total\n"
        "2026-01-05,PHQ-9,2,2,1,1,1,1,1,1,0,10\n"
        "2026-01-05,gad7,1,1,1,1,1,1,1,,,7\n")
    assert problems == []
    assert [(a.instrument, a.answers) for a in batch.assessments] == [
        (Instrument.PHQ9, (2, 2, 1, 1, 1, 1, 1, 1, 0)), (Instrument.GAD7, (1, 1, 1, 1, 1, 1, 1))]


def test_every_bad_assessment_cell_is_reported_with_row_column_and_value():
    _, problems = _problems(
        "date,instrument,item1,item2,item3,item4,item5,item6,item7,item8,item9\n"
        "2026-01-05,PHQ-9,2,2,1,1,1,1,1,1,4\n"        # row 2: item 9 out of range
        "05/01/2026,GAD-7,1,1,1,1,1,1,1,,\n"          # row 3: date format
        "2026-01-06,GAD-7,1,1,1,1,1,1,1,2,\n"         # row 4: GAD-7 has no item 8
        "2026-01-07,BDI,1,1,1,1,1,1,1,1,1\n"          # row 5: unknown instrument
        "2026-01-08,PHQ-9,1,x,1,1,1,1,1,1,1\n"        # row 6: not a number
        "2099-01-01,GAD-7,1,1,1,1,1,1,1,,\n")         # row 7: future
    got = {(p.row, p.column, p.value) for p in problems}
    assert got == {(2, "item9", "4"), (3, "date", "05/01/2026"), (4, "item8", "2"), (5, "instrument", "BDI"),
                   (6, "item2", "x"), (7, "date", "2099-01-01")}


def test_a_questionnaire_repeated_on_the_same_day_is_a_duplicate():
    _, problems = _problems("date,instrument,q1,q2,q3,q4,q5,q6,q7\n2026-01-05,GAD-7,1,1,1,1,1,1,1\n"
                            "2026-01-05,GAD-7,0,1,1,1,1,1,1\n")
    assert [(p.row, p.message) for p in problems] == [(3, "GAD-7 on 2026-01-05 appears twice (same as row 2)")]


def test_a_wrong_total_and_a_missing_header_are_refused():
    _, problems = _problems("date,instrument,item1,item2,item3,item4,item5,item6,item7,total\n"
                            "2026-01-05,GAD-7,1,1,1,1,1,1,1,9\n")
    assert problems[0].column == "total" and "sum of the items (7)" in problems[0].message
    with pytest.raises(ImportProblems, match="missing column 'instrument'"):
        read_assessments_csv(b"date,item1\n2026-01-01,1\n", today=TODAY)


def test_medication_rows_accept_clinical_frequency_spellings():
    batch, problems = _problems(
        "drug,dose_mg,frequency,start_date,stop_date,reason\n"
        "Sertraline,50,od,2025-10-01,2025-10-29,first episode\n"
        "sertraline,100,daily,2025-10-29,,partial response\n"
        "mirtazapine,15,nocte,2025-11-01,,sleep\n", reader=parse_medications_csv)
    assert problems == []
    assert [(m.drug, m.dose_mg, m.frequency, m.stop_date) for m in batch.medications] == [
        ("sertraline", 50.0, Frequency.DAILY, date(2025, 10, 29)), ("sertraline", 100.0, Frequency.DAILY, None),
        ("mirtazapine", 15.0, Frequency.NIGHTLY, None)]


def test_unknown_drugs_bad_doses_and_overlapping_periods_are_refused():
    _, problems = _problems(
        "drug,dose_mg,frequency,start_date,stop_date\n"
        "sertraline,50,daily,2025-10-01,2025-11-01\n"
        "sertraline,100,daily,2025-10-15,\n"           # row 3 overlaps row 2
        "atorvastatin,20,daily,2025-10-01,\n"          # row 4 not in the catalogue
        "escitalopram,-5,daily,2025-10-01,\n"          # row 5 dose
        "escitalopram,5,hourly,2025-10-01,\n"          # row 6 frequency
        "mirtazapine,15,nightly,2025-10-01,2025-09-01\n", reader=parse_medications_csv)  # row 7 stop < start
    got = {(p.row, p.column) for p in problems}
    assert got == {(3, "start_date"), (4, "drug"), (5, "dose_mg"), (6, "frequency"), (7, "stop_date")}


def test_dose_in_grams_header_is_refused_with_the_unit_fix():
    _, problems = _problems("drug,dose_g,start_date\nsertraline,0.1,2025-01-01\n", reader=parse_medications_csv)
    assert any(p.column == "dose_g" and "multiply grams by 1000" in p.message for p in problems)


def test_minute_days_place_each_count_at_its_local_day_and_minute():
    idx = pd.date_range("2026-01-01 23:58", periods=4, freq="min", tz="Europe/London")
    md = minute_days(pd.Series([1.0, 2.0, 3.0, 4.0], index=idx))
    assert md.start_day == date(2026, 1, 1) and md.counts.shape == (2, 1440)
    assert md.counts[0, 1438:].tolist() == [1.0, 2.0] and md.counts[1, :2].tolist() == [3.0, 4.0]
    assert np.isnan(md.counts[0, :1438]).all() and np.isnan(md.counts[1, 2:]).all()


def test_minute_days_leave_the_skipped_spring_hour_empty():
    idx = pd.date_range("2026-03-29 00:00", "2026-03-29 23:59", freq="min", tz="Europe/London")
    md = minute_days(pd.Series(np.ones(len(idx)), index=idx))
    assert len(idx) == 1380 and md.counts.shape == (1, 1440)
    assert np.isnan(md.counts[0, 60:120]).all() and np.nansum(md.counts) == 1380
