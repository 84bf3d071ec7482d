"""The import decision, pure: compare a parsed batch with the patient's stored record and decide what to write.

:class:`~novamind_core.services.imports.ImportService` reads the stored record inside its write transaction
(:class:`StoredRecord`) and calls :func:`compare_with_record`; whether the file is written at all is
:meth:`ImportPlan.refusal` (all or nothing: any problem, or nothing to import, writes nothing). No database here, so
the rules are unit-tested directly (``tests/unit/services/test_import_plan.py``).

Rules: an assessment identical to a stored one (instrument, day, answers) is skipped, and so is a total-only one
(imported without item answers) whose total equals a stored one's on that day; a different one on the same day for
the same instrument is a problem. A medication order identical to a stored one (drug, start, dose) is
skipped; a new order that overlaps a stored or another new period of the same drug is a problem. Diagnoses already
on the chart are skipped. Stored wearable days that the file would replace are a note, not a problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from novamind_core.biometrics.problems import Problem
from novamind_core.domain.medications import MedicationOrder
from novamind_core.domain.patients import Diagnosis
from novamind_core.domain.records import AssessmentRecord
from novamind_core.interop.csv_clinical import overlapping_periods
from novamind_core.interop.records import ClinicalBatch


@dataclass(frozen=True)
class StoredRecord:
    """What the chart already holds that an import is compared with (empty for a new patient)."""

    assessments: tuple[AssessmentRecord, ...] = ()
    orders: tuple[MedicationOrder, ...] = ()
    diagnoses: tuple[Diagnosis, ...] = ()
    minute_days_replaced: int = 0
    daily_days_replaced: int = 0


@dataclass
class ImportPlan:
    """The write plan for one batch: ``batch`` holds only what is new; ``skipped`` counts exact duplicates."""

    patient_id: int | None
    new_patient: bool
    problems: list[Problem]
    notes: list[Problem]
    batch: ClinicalBatch
    skipped: dict[str, int] = field(default_factory=dict)
    new_diagnoses: tuple[Diagnosis, ...] = ()

    def refusal(self) -> list[Problem]:
        """Why nothing may be written (empty when the import may go ahead): every problem, or a file that holds
        nothing new and nothing already stored."""
        if self.problems:
            return list(self.problems)
        if self.batch.empty and not self.skipped:
            return [Problem(None, None, None, "the file holds nothing to import")]
        return []

    def skipped_counts(self) -> dict[str, int]:
        return {k: v for k, v in self.skipped.items() if v}


def compare_with_record(plan: ImportPlan, stored: StoredRecord) -> ImportPlan:
    """Skip exact duplicates, report conflicts and replaced wearable days; ``plan`` is updated and returned."""
    batch = plan.batch
    by_key = {(a.instrument.value, a.administered_on, tuple(a.answers)) if a.answers else
              (a.instrument.value, a.administered_on, (), a.total) for a in stored.assessments}
    # a total-only import equal to a stored assessment's total on that day is the same assessment
    by_key |= {(a.instrument.value, a.administered_on, (), a.total) for a in stored.assessments}
    by_day = {(a.instrument.value, a.administered_on) for a in stored.assessments}
    keep_assessments = []
    for a in batch.assessments:
        if a.key in by_key:
            plan.skipped["assessments"] = plan.skipped.get("assessments", 0) + 1
        elif (a.instrument.value, a.administered_on) in by_day:
            plan.problems.append(Problem(a.row, "date", a.administered_on.isoformat(),
                                         f"a {a.instrument.value} with different answers is already stored for "
                                         "this day"))
        else:
            keep_assessments.append(a)
    order_keys = {(m.drug, m.start_date, round(m.dose_mg, 6)) for m in stored.orders}
    keep_meds = []
    for m in batch.medications:
        if m.key in order_keys:
            plan.skipped["medication orders"] = plan.skipped.get("medication orders", 0) + 1
        else:
            keep_meds.append(m)
    stored_periods = tuple((m.drug, m.start_date, m.stop_date) for m in stored.orders)
    for row, message, value in overlapping_periods(keep_meds, stored_periods):
        plan.problems.append(Problem(row, "start_date", value, message))
    known = {d.code for d in stored.diagnoses}
    new_dx = tuple(d for d in batch.diagnoses if d.code not in known)
    if len(new_dx) < len(batch.diagnoses):
        plan.skipped["diagnoses"] = len(batch.diagnoses) - len(new_dx)
    plan.new_diagnoses = new_dx
    if n := stored.minute_days_replaced:
        plan.notes.append(Problem(None, "timestamp", n, f"{n} day(s) of minute activity already stored "
                                                        "will be replaced by this file"))
    if n := stored.daily_days_replaced:
        plan.notes.append(Problem(None, "date", n, f"{n} day(s) of summaries from this source already "
                                                   "stored will be replaced"))
    plan.batch = replace(batch, assessments=tuple(keep_assessments), medications=tuple(keep_meds),
                         diagnoses=new_dx)
    return plan


__all__ = ["ImportPlan", "StoredRecord", "compare_with_record"]
