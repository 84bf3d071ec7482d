"""Fake of :class:`novamind_core.db.repositories.outcomes.OutcomeRepository`: inputs that tests put in directly."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from novamind_core.domain.outcome_records import (
    ClinicianRef,
    MeasurementEvent,
    PatientOutcomeInputs,
    QuestionnaireRequestFact,
)


class FakeOutcomeRepository:
    """Holds clinicians, per-patient inputs, requests and measurement events; answers as the real one does."""

    def __init__(self) -> None:
        self.staff: list[ClinicianRef] = []
        self.inputs: dict[int, PatientOutcomeInputs] = {}
        self.requests: list[QuestionnaireRequestFact] = []
        self.events: list[MeasurementEvent] = []
        self.seeded = False

    # ------------------------------------------------------------------ test set-up
    def put(self, *inputs: PatientOutcomeInputs) -> None:
        for p in inputs:
            self.inputs[p.patient_id] = p

    # ------------------------------------------------------------------ the repository's methods
    def clinicians(self) -> list[ClinicianRef]:
        return sorted(self.staff, key=lambda c: c.id)

    def attributed_clinicians(self, patient_ids: Sequence[int] | None = None) -> dict[int, int]:
        return {pid: p.clinician_id for pid, p in self.inputs.items()
                if p.clinician_id is not None and (patient_ids is None or pid in patient_ids)}

    def patient_inputs(self, patient_ids: Sequence[int] | None = None) -> list[PatientOutcomeInputs]:
        ids = sorted(self.inputs) if patient_ids is None else [i for i in patient_ids if i in self.inputs]
        return [self.inputs[i] for i in ids]

    def questionnaire_requests(self, start: date, end: date) -> list[QuestionnaireRequestFact]:
        return sorted((r for r in self.requests if start <= r.due_on <= end), key=lambda r: r.due_on)

    def measurement_events(self, start: date, end: date, patient_ids: Sequence[int] | None = None
                           ) -> list[MeasurementEvent]:
        return sorted((e for e in self.events if start <= e.taken_on <= end
                       and (patient_ids is None or e.patient_id in patient_ids)),
                      key=lambda e: (e.taken_on, e.patient_id))

    def demo_seeded(self) -> bool:
        return self.seeded
