"""The flowsheet: item-level history across visits, one column per date."""

from __future__ import annotations

from datetime import UTC, date, datetime

from novamind_core.domain.assessments import score_assessment
from novamind_core.domain.flowsheet import flowsheet, instruments_with_data
from novamind_core.domain.records import AssessmentRecord

_ids = iter(range(1, 1000))


def record(instrument: str, on: str, answers: list[int]) -> AssessmentRecord:
    s = score_assessment(instrument, answers)
    return AssessmentRecord(next(_ids), 1, s.instrument, date.fromisoformat(on), s.item_answers, s.total, s.severity,
                            s.item9_positive, datetime(2026, 1, 1, tzinfo=UTC), None, extra_answers=s.extra_answers)


def test_each_date_is_a_column_and_each_item_a_row_with_total_and_band_last():
    records = [record("PHQ-9", "2026-03-01", [2] * 9 + [2]), record("GAD-7", "2026-03-01", [1] * 7),
               record("PHQ-9", "2026-02-01", [3] * 8 + [1])]
    sheet = flowsheet(records, "PHQ-9")
    assert sheet.dates == (date(2026, 2, 1), date(2026, 3, 1))
    assert sheet.rows[8].label.startswith("9. Thoughts that you would be better off dead")
    assert sheet.rows[8].values == (1, 2)
    assert sheet.rows[9].values == (None, 2) and not sheet.rows[9].scored  # item 10, answered only in March
    assert [r.label for r in sheet.rows[-2:]] == ["Total (of 27)", "Band"]
    assert sheet.rows[-2].values == (25, 18) and sheet.rows[-1].values == ("severe", "moderately severe")
    assert sheet.note is None


def test_two_on_one_day_show_the_later_and_say_so():
    sheet = flowsheet([record("GAD-7", "2026-03-01", [0] * 7), record("GAD-7", "2026-03-01", [1] * 7)], "GAD-7")
    assert sheet.dates == (date(2026, 3, 1),) and sheet.rows[-2].values == (7,)
    assert sheet.note == "Given more than once on 1 Mar 2026: the later one is shown."


def test_any_instrument_with_scores_is_offered_in_the_one_order():
    records = [record("AUDIT-C", "2026-03-01", [1, 1, 1]), record("PHQ-9", "2026-03-01", [0] * 9)]
    assert [i.value for i in instruments_with_data(records)] == ["PHQ-9", "AUDIT-C"]
