"""Total-only assessments (a PHQ-9/GAD-7/ISI total imported without item answers) everywhere they are read:
scoring, the import decision, alerts, the chart hover, the twin's inputs and the response model's features."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from novamind_core.domain.assessments import Instrument, score_total_only, total_only_note
from novamind_core.domain.errors import ValidationError
from novamind_core.domain.records import AssessmentRecord
from novamind_core.domain.reporting import AssessmentSource
from novamind_core.interop.records import AssessmentEntry, ClinicalBatch
from novamind_core.services.assessments import evaluate_alerts
from novamind_core.services.import_plan import ImportPlan, StoredRecord, compare_with_record


def _record(i: int, on: date, answers: tuple[int, ...], total: int,
            instrument: Instrument = Instrument.PHQ9) -> AssessmentRecord:
    return AssessmentRecord(i, 7, instrument, on, answers, total, "moderate", False, datetime(2026, 1, 1, tzinfo=UTC),
                            None, source=AssessmentSource.IMPORT if not answers else AssessmentSource.CLINICIAN)


ITEMISED = _record(1, date(2025, 9, 1), (2, 2, 2, 2, 2, 2, 2, 2, 2), 18)
TOTAL_ONLY = _record(2, date(2025, 10, 1), (), 12)


def test_a_total_only_score_has_no_answers_its_band_and_never_a_positive_item9():
    score = score_total_only("PHQ-9", 22)
    assert (score.answers, score.total, score.severity, score.item9_positive) == ((), 22, "severe", False)
    with pytest.raises(ValidationError) as exc:
        score_total_only(Instrument.GAD7, 22)
    assert exc.value.field == "total" and exc.value.value == 22


def test_no_item9_alert_can_come_from_a_total_only_phq9_but_worsening_still_can():
    alerts = evaluate_alerts(score_total_only("PHQ-9", 24), date(2025, 10, 1), [10])
    assert [kind.value for kind, _, _ in alerts] == ["worsening"]


def test_the_note_says_item_9_is_unknown_for_phq9_only():
    assert total_only_note("PHQ-9") == "item answers not available; item 9 unknown"
    assert total_only_note(Instrument.GAD7) == "item answers not available"  # GAD-7 has no item 9
    assert not TOTAL_ONLY.answers_available and ITEMISED.answers_available


def test_the_chart_hover_of_a_total_only_point_says_item_answers_are_not_available():
    from components.patient.charts import item_hover_text, trajectory_figure

    assert item_hover_text(Instrument.PHQ9, ()) == "item answers not available; item 9 unknown"
    fig = trajectory_figure([ITEMISED, TOTAL_ONLY], instruments=("PHQ-9",))
    hovers = [row[1] for row in fig.data[0].customdata]
    assert hovers[0].startswith("1. ") and hovers[1] == "item answers not available; item 9 unknown"


def test_the_twin_uses_the_total_but_takes_no_item_answers_from_a_total_only_latest_phq9():
    from novamind_core.services.twin_inputs import build_inputs
    from tests.unit.interop.test_fhir import _patient

    inputs = build_inputs(_patient(), [ITEMISED, TOTAL_ONLY], [], [], ["sertraline"], "test", date(2025, 10, 2))
    assert inputs.history["phq9"] == [[0, 18], [30, 12]]
    assert inputs.history["phq9_items"] is None  # item 9 unknown now: not carried over from September
    phq = next(i for i in inputs.completeness if i.source == "PHQ-9")
    assert "1 total-only (item answers not available)" in phq.detail
    later = replace(ITEMISED, administered_on=date(2025, 10, 2))
    assert build_inputs(_patient(), [TOTAL_ONLY, later], [], [], ["sertraline"], "test",
                        date(2025, 10, 3)).history["phq9_items"] == [2] * 9


def test_a_total_only_import_equal_to_a_stored_total_that_day_is_skipped_and_a_different_one_is_refused():
    same = AssessmentEntry(Instrument.PHQ9, date(2025, 9, 1), (), row=2, stated_total=18)
    other = AssessmentEntry(Instrument.PHQ9, date(2025, 9, 1), (), row=3, stated_total=19)
    plan = compare_with_record(ImportPlan(7, False, [], [], ClinicalBatch("fhir", "b.json", assessments=(same,)), {}),
                               StoredRecord(assessments=(ITEMISED,)))
    assert plan.skipped == {"assessments": 1} and not plan.problems
    plan = compare_with_record(ImportPlan(7, False, [], [], ClinicalBatch("fhir", "b.json", assessments=(other,)), {}),
                               StoredRecord(assessments=(ITEMISED,)))
    assert [p.row for p in plan.problems] == [3]
