"""Fake repositories for the clinical record (patients, assessments, alerts, medications, notes, visits).

In memory, with the same domain types in and out as ``novamind_core/db/repositories/patients.py`` and ``clinical.py``,
and only the methods the services call. A few answers need another repository (which patient an alert belongs to,
the open-alert counts on the summary); ``bind`` gives each fake a link to its siblings in the same ``FakeStore``
(the link survives the store's snapshots, which copy data, not links).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from novamind_core.domain.alerts import Alert, AlertKind, sort_alerts
from novamind_core.domain.assessments import AssessmentScore, Instrument, severity_band
from novamind_core.domain.caseload import PatientSummary
from novamind_core.domain.errors import ConflictError, NotFoundError, StaleWriteError
from novamind_core.domain.medications import ChangeKind, Frequency, MedicationOrder
from novamind_core.domain.notes import NoteAddendum, NoteRevision, NoteSignature, ProgressNote
from novamind_core.domain.patients import Diagnosis, Patient, PatientStatus
from novamind_core.domain.records import AssessmentRecord
from novamind_core.domain.reporting import AssessmentSource
from novamind_core.domain.visits import Visit, VisitStatus


class _Link:
    """The store's repositories by name; ``deepcopy`` keeps the link itself."""

    def __init__(self, repositories: Mapping[str, Any]):
        self.repositories = repositories

    def __deepcopy__(self, memo: dict[int, Any]) -> _Link:
        return self

    def __getitem__(self, name: str) -> Any:
        return self.repositories[name]


class _Fake:
    _link: _Link

    def bind(self, repositories: Mapping[str, Any]) -> None:
        self._link = _Link(repositories)


class FakePatientRepository(_Fake):
    def __init__(self) -> None:
        self.patients: dict[int, Patient] = {}
        self.summaries: dict[int, PatientSummary] = {}
        self.ids = itertools.count(1)

    def put(self, patient: Patient, **summary: Any) -> Patient:
        """Test setup: store ``patient`` with its summary figures (``registered_on`` etc.)."""
        self.patients[patient.id] = patient
        self.summaries[patient.id] = PatientSummary(patient_id=patient.id, **summary)
        return patient

    def add(self, *, care_team: Sequence[int], now: datetime, registered_on: date, **values: Any) -> int:
        pid = next(self.ids) + 1000
        self.put(Patient(id=pid, care_team=tuple(sorted(set(care_team))), created_at=now, **values),
                 registered_on=registered_on)
        return pid

    def exists(self, patient_id: int) -> bool:
        return patient_id in self.patients

    def lock(self, patient_id: int) -> None:
        """One fake transaction at a time: nothing to lock."""

    def get(self, patient_id: int) -> Patient:
        if patient_id not in self.patients:
            raise NotFoundError(f"patient {patient_id} does not exist")
        return self.patients[patient_id]

    def care_team(self, patient_id: int) -> tuple[int, ...]:
        return self.get(patient_id).care_team

    def status(self, patient_id: int) -> PatientStatus:
        return self.get(patient_id).status

    def id_for_mrn(self, mrn: str) -> int | None:
        return next((p.id for p in self.patients.values() if p.mrn == mrn), None)

    def id_for(self, kind: str, record_id: int) -> int | None:
        repo = {"alert": "alerts", "note": "notes", "visit": "visits", "medication_order": "medications"}[kind]
        return self._link[repo].patient_of(record_id)

    def diagnoses(self, patient_ids: Sequence[int]) -> dict[int, tuple[Diagnosis, ...]]:
        return {pid: self.get(pid).diagnoses for pid in patient_ids}

    def update(self, patient_id: int, expected_version: int | None, changed: Patient, now: datetime) -> Patient:
        current = self.get(patient_id)
        if expected_version is not None and current.version != expected_version:
            raise StaleWriteError(f"patient {patient_id} was changed by someone else")
        self.patients[patient_id] = dataclasses.replace(changed, version=current.version + 1)
        return self.patients[patient_id]

    def discharge(self, patient_id: int, expected_version: int | None, discharged_on: date, now: datetime) -> Patient:
        current = self.get(patient_id)
        return self.update(patient_id, expected_version, dataclasses.replace(
            current, status=PatientStatus.DISCHARGED, discharged_on=discharged_on), now)

    def summary(self, patient_id: int) -> PatientSummary:
        if patient_id not in self.summaries:
            raise NotFoundError(f"patient {patient_id} does not exist")
        return self.summaries[patient_id]

    def _set(self, patient_id: int, **values: Any) -> PatientSummary:
        self.summaries[patient_id] = dataclasses.replace(self.summary(patient_id), **values)
        return self.summaries[patient_id]

    def set_next_assessment_due(self, patient_id: int, due: date | None) -> PatientSummary:
        return self._set(patient_id, next_assessment_due=due)

    def set_next_visit(self, patient_id: int, when: datetime | None) -> PatientSummary:
        return self._set(patient_id, next_visit_at=when)


class FakeAssessmentRepository(_Fake):
    def __init__(self) -> None:
        self.records: list[AssessmentRecord] = []

    def add(self, patient_id: int, score: AssessmentScore, administered_on: date, recorded_at: datetime,
            recorded_by: int | None, *, source: AssessmentSource = AssessmentSource.CLINICIAN,
            completed_at: datetime | None = None, request_id: int | None = None) -> AssessmentRecord:
        record = AssessmentRecord(len(self.records) + 1, patient_id, score.instrument, administered_on,
                                  score.item_answers, score.total, score.severity, score.item9_positive, recorded_at,
                                  recorded_by, source=source, completed_at=completed_at,
                                  extra_answers=score.extra_answers)
        self.records.append(record)
        return record

    def history(self, patient_id: int, instrument: Instrument | None = None) -> list[AssessmentRecord]:
        return sorted((r for r in self.records if r.patient_id == patient_id
                       and (instrument is None or r.instrument is instrument)),
                      key=lambda r: (r.administered_on, r.id))

    def totals(self, patient_id: int, instrument: Instrument) -> list[tuple[int, date, int]]:
        return [(r.id, r.administered_on, r.total) for r in self.history(patient_id, instrument)]

    def refresh_summary(self, patient_id: int) -> None:
        values: dict[str, Any] = {}
        for instrument, prefix in ((Instrument.PHQ9, "phq9"), (Instrument.GAD7, "gad7")):
            series = self.totals(patient_id, instrument)
            values[f"{prefix}_latest"] = series[-1][2] if series else None
            values[f"{prefix}_latest_on"] = series[-1][1] if series else None
            values[f"{prefix}_previous"] = series[-2][2] if len(series) > 1 else None
            values[f"{prefix}_severity"] = severity_band(instrument, series[-1][2]) if series else None
        dates = [r.administered_on for r in self.history(patient_id)]
        values["last_assessed_on"] = max(dates) if dates else None
        self._link["patients"]._set(patient_id, **values)
        self._link["alerts"].refresh_counts(patient_id)


class FakeAlertRepository(_Fake):
    def __init__(self) -> None:
        self.alerts: dict[int, Alert] = {}

    def patient_of(self, alert_id: int) -> int | None:
        return self.alerts[alert_id].patient_id if alert_id in self.alerts else None

    def add(self, patient_id: int, kind: AlertKind, raised_at: datetime, message: str, *,
            instrument: str | None = None, assessment_id: int | None = None, value: int | None = None,
            observed_on: date | None = None) -> int:
        alert_id = len(self.alerts) + 1
        self.alerts[alert_id] = Alert(alert_id, patient_id, kind, raised_at, message, instrument, assessment_id,
                                      value, observed_on)
        return alert_id

    def list(self, patient_id: int, include_acknowledged: bool = True) -> list[Alert]:
        return sort_alerts(a for a in self.alerts.values()
                           if a.patient_id == patient_id and (include_acknowledged or a.open))

    def refresh_counts(self, patient_id: int) -> None:
        open_alerts = [a for a in self.alerts.values() if a.patient_id == patient_id and a.open]
        self._link["patients"]._set(patient_id, open_alerts=len(open_alerts),
                                    open_item9_alerts=sum(a.kind is AlertKind.ITEM9 for a in open_alerts))

    def acknowledge(self, alert_id: int, user_id: int | None, now: datetime) -> Alert:
        if alert_id not in self.alerts:
            raise NotFoundError(f"alert {alert_id} does not exist")
        if not self.alerts[alert_id].open:
            raise ConflictError(f"alert {alert_id} was already acknowledged")
        name = self._link["users"].names([user_id]).get(user_id) if user_id else None
        self.alerts[alert_id] = dataclasses.replace(self.alerts[alert_id], acknowledged_at=now,
                                                    acknowledged_by=user_id, acknowledged_by_name=name)
        self.refresh_counts(self.alerts[alert_id].patient_id)
        return self.alerts[alert_id]


class FakeMedicationRepository(_Fake):
    def __init__(self) -> None:
        self.orders: dict[int, MedicationOrder] = {}

    def patient_of(self, order_id: int) -> int | None:
        return self.orders[order_id].patient_id if order_id in self.orders else None

    def add(self, **values: Any) -> MedicationOrder:
        values.pop("created_at", None)
        if values.get("stop_date") is None and any(
                o.patient_id == values["patient_id"] and o.drug == values["drug"] and o.stop_date is None
                for o in self.orders.values()):  # the database's partial unique index (migration 0006)
            raise ConflictError("this drug is already active for this patient; titrate or stop it instead")
        order_id = len(self.orders) + 1
        order = MedicationOrder(id=order_id, **{**values, "frequency": Frequency(values["frequency"]),
                                                "change_kind": ChangeKind(values["change_kind"])})
        self.orders[order_id] = order
        return order

    def get(self, order_id: int) -> MedicationOrder:
        if order_id not in self.orders:
            raise NotFoundError(f"medication order {order_id} does not exist")
        return self.orders[order_id]

    def close(self, order_id: int, stop_date: date, stop_reason: str) -> MedicationOrder:
        self.orders[order_id] = dataclasses.replace(self.get(order_id), stop_date=stop_date, stop_reason=stop_reason)
        return self.orders[order_id]

    def set_adherence_note(self, order_id: int, note: str | None) -> MedicationOrder:
        self.orders[order_id] = dataclasses.replace(self.get(order_id), adherence_note=note)
        return self.orders[order_id]

    def history(self, patient_id: int) -> list[MedicationOrder]:
        return sorted((m for m in self.orders.values() if m.patient_id == patient_id),
                      key=lambda m: (m.start_date, m.id))

    def active(self, patient_id: int) -> list[MedicationOrder]:
        return [m for m in self.history(patient_id) if m.active]


class FakeNoteRepository(_Fake):
    def __init__(self) -> None:
        self.notes: dict[int, ProgressNote] = {}

    def patient_of(self, note_id: int) -> int | None:
        return self.notes[note_id].patient_id if note_id in self.notes else None

    def _name(self, user_id: int) -> str:
        return self._link["users"].names([user_id]).get(user_id, f"user {user_id}")

    def add(self, patient_id: int, note_date: date, author_id: int, text: str, now: datetime) -> int:
        note_id = len(self.notes) + 1
        self.notes[note_id] = ProgressNote(note_id, patient_id, note_date, author_id, self._name(author_id), text, now,
                                           now, (NoteRevision(1, text, author_id, self._name(author_id), now),))
        return note_id

    def get(self, note_id: int) -> ProgressNote:
        if note_id not in self.notes:
            raise NotFoundError(f"note {note_id} does not exist")
        return self.notes[note_id]

    def edit(self, note_id: int, text: str, editor_id: int, now: datetime) -> ProgressNote:
        note = self.get(note_id)
        revision = NoteRevision(len(note.revisions) + 1, text, editor_id, self._name(editor_id), now)
        self.notes[note_id] = dataclasses.replace(note, text=text, updated_at=now,
                                                  revisions=(*note.revisions, revision))
        return self.notes[note_id]

    def list(self, patient_id: int, note_ids: Sequence[int] | None = None) -> list[ProgressNote]:
        return sorted((n for n in self.notes.values() if n.patient_id == patient_id
                       and (note_ids is None or n.id in note_ids)), key=lambda n: (n.note_date, n.id), reverse=True)

    # signing, co-signing, addenda and the trainee flag (tests/unit/services/test_note_documents.py)
    trainees: set[int]

    def sign(self, note_id: int, user_id: int, now: datetime, *, cosign_required: bool) -> ProgressNote:
        note = self.get(note_id)
        if note.signature is not None:
            raise ConflictError(f"note {note_id} is already signed")
        sig = NoteSignature(user_id, self._name(user_id), now, cosign_required)
        self.notes[note_id] = dataclasses.replace(note, signature=sig)
        return self.notes[note_id]

    def cosign(self, note_id: int, user_id: int, now: datetime) -> ProgressNote:
        note = self.get(note_id)
        if note.signature is None or not note.signature.awaiting_cosignature:
            raise ConflictError(f"note {note_id} is not waiting for a co-signature")
        sig = dataclasses.replace(note.signature, cosigned_by=user_id, cosigned_by_name=self._name(user_id),
                                  cosigned_at=now)
        self.notes[note_id] = dataclasses.replace(note, signature=sig)
        return self.notes[note_id]

    def add_addendum(self, note_id: int, author_id: int, text: str, now: datetime) -> ProgressNote:
        note = self.get(note_id)
        n = sum(len(x.addenda) for x in self.notes.values()) + 1
        self.notes[note_id] = dataclasses.replace(
            note, addenda=(*note.addenda, NoteAddendum(n, author_id, self._name(author_id), text, now)))
        return self.notes[note_id]

    def is_trainee(self, user_id: int) -> bool:
        return user_id in self.__dict__.setdefault("trainees", set())

    def set_trainee(self, user_id: int, trainee: bool, supervisor_id: int | None, now: datetime) -> None:
        found = self.__dict__.setdefault("trainees", set())
        (found.add if trainee else found.discard)(user_id)


class FakeVisitRepository(_Fake):
    def __init__(self) -> None:
        self.visits: dict[int, Visit] = {}

    def patient_of(self, visit_id: int) -> int | None:
        return self.visits[visit_id].patient_id if visit_id in self.visits else None

    def add(self, *, patient_id: int, scheduled_for: datetime, clinician_id: int | None, status: str,
            note: str | None, **_: Any) -> Visit:
        visit = Visit(len(self.visits) + 1, patient_id, scheduled_for, clinician_id, VisitStatus(status), note)
        self.visits[visit.id] = visit
        return visit

    def get(self, visit_id: int) -> Visit:
        if visit_id not in self.visits:
            raise NotFoundError(f"visit {visit_id} does not exist")
        return self.visits[visit_id]

    def set_status(self, visit_id: int, status: VisitStatus) -> Visit:
        self.visits[visit_id] = dataclasses.replace(self.get(visit_id), status=status)
        return self.visits[visit_id]

    def list(self, patient_id: int) -> list[Visit]:
        return sorted((v for v in self.visits.values() if v.patient_id == patient_id), key=lambda v: v.scheduled_for)

    def next_scheduled(self, patient_id: int, now: datetime) -> datetime | None:
        return min((v.scheduled_for for v in self.list(patient_id)
                    if v.status is VisitStatus.SCHEDULED and v.scheduled_for >= now), default=None)
