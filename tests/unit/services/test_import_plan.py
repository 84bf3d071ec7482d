"""The import decision (duplicates skipped, conflicts block everything, replaced wearable days noted), pure."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np

from novamind_core.domain.assessments import Instrument
from novamind_core.domain.medications import Frequency, MedicationOrder
from novamind_core.domain.patients import Diagnosis
from novamind_core.domain.records import AssessmentRecord
from novamind_core.interop.records import AssessmentEntry, ClinicalBatch, MedicationEntry, MinuteDays
from novamind_core.services.import_plan import ImportPlan, StoredRecord, compare_with_record

DAY = date(2026, 2, 2)
ANSWERS = (2, 2, 1, 1, 1, 1, 1, 1, 0)


def stored_phq9(on: date, answers: tuple[int, ...] = ANSWERS) -> AssessmentRecord:
    return AssessmentRecord(1, 5, Instrument.PHQ9, on, answers, sum(answers), "mild", False,
                            datetime(2026, 2, 2, tzinfo=UTC), 7)


def plan_for(batch: ClinicalBatch, stored: StoredRecord) -> ImportPlan:
    return compare_with_record(ImportPlan(5, False, [], [], batch), stored)


def test_an_assessment_already_stored_with_the_same_answers_is_skipped_not_written_twice():
    batch = ClinicalBatch("assessments", "f.csv", assessments=(AssessmentEntry(Instrument.PHQ9, DAY, ANSWERS, 2),))
    plan = plan_for(batch, StoredRecord(assessments=(stored_phq9(DAY),)))
    assert plan.batch.assessments == ()
    assert plan.skipped_counts() == {"assessments": 1}
    assert plan.problems == [] and plan.refusal() == []


def test_a_different_score_on_a_day_already_scored_blocks_the_whole_file():
    other = (3,) * 9
    batch = ClinicalBatch("assessments", "f.csv", assessments=(
        AssessmentEntry(Instrument.PHQ9, date(2026, 1, 5), ANSWERS, 2),
        AssessmentEntry(Instrument.PHQ9, DAY, other, 3)))
    plan = plan_for(batch, StoredRecord(assessments=(stored_phq9(DAY),)))
    [problem] = plan.refusal()
    assert (problem.row, problem.column) == (3, "date")
    assert "different answers" in problem.message


def test_a_new_medication_period_overlapping_a_stored_one_of_the_same_drug_is_a_problem():
    stored = MedicationOrder(1, 5, "sertraline", 50.0, Frequency.DAILY, date(2026, 1, 1), None)
    batch = ClinicalBatch("medications", "m.csv", medications=(
        MedicationEntry("sertraline", 100.0, Frequency.DAILY, date(2026, 1, 20), None, row=2),))
    plan = plan_for(batch, StoredRecord(orders=(stored,)))
    assert [p.row for p in plan.refusal()] == [2]


def test_an_identical_medication_order_and_a_known_diagnosis_are_skipped():
    stored = MedicationOrder(1, 5, "sertraline", 50.0, Frequency.DAILY, date(2026, 1, 1), date(2026, 1, 29))
    batch = ClinicalBatch("fhir", "b.json", diagnoses=(Diagnosis("F32.1", "moderate"), Diagnosis("F41.1", "GAD")),
                          medications=(MedicationEntry("sertraline", 50.0, Frequency.DAILY, date(2026, 1, 1),
                                                       date(2026, 1, 29)),))
    plan = plan_for(batch, StoredRecord(orders=(stored,), diagnoses=(Diagnosis("F32.1", "moderate"),)))
    assert plan.skipped_counts() == {"medication orders": 1, "diagnoses": 1}
    assert [d.code for d in plan.new_diagnoses] == ["F41.1"]


def test_a_file_with_nothing_new_and_nothing_already_stored_is_refused_as_empty():
    plan = plan_for(ClinicalBatch("assessments", "empty.csv"), StoredRecord())
    [problem] = plan.refusal()
    assert problem.message == "the file holds nothing to import"


def test_stored_wearable_days_the_file_replaces_are_a_note_and_do_not_block():
    batch = ClinicalBatch("activity", "a.csv", minute_days=MinuteDays(DAY, np.zeros((3, 1440))))
    plan = plan_for(batch, StoredRecord(minute_days_replaced=2))
    assert plan.refusal() == []
    [note] = plan.notes
    assert note.value == 2 and "will be replaced" in note.message
