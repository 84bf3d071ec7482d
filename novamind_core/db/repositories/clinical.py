"""Repositories for the clinical record: assessments, medication orders, notes, visits and alerts.

Each takes and returns domain objects (``novamind_core.domain``); rows never leave this module.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from novamind_core.db.models import (
    AlertRow,
    AssessmentRow,
    MedicationOrderRow,
    NoteAddendumRow,
    NoteRevisionRow,
    NoteRow,
    NoteSignatureRow,
    PatientSummaryRow,
    TraineeRow,
    UserRow,
    VisitRow,
)
from novamind_core.domain.alerts import Alert, AlertKind, sort_alerts
from novamind_core.domain.assessments import AssessmentScore, Instrument, item9_answer, severity_band
from novamind_core.domain.errors import ConflictError, NotFoundError
from novamind_core.domain.medications import ChangeKind, Frequency, MedicationOrder
from novamind_core.domain.notes import NoteAddendum, NoteRevision, NoteSignature, ProgressNote
from novamind_core.domain.records import AssessmentRecord
from novamind_core.domain.reporting import AssessmentSource
from novamind_core.domain.visits import Visit, VisitStatus


def _names(session: Session, user_ids: set[int] | list[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    stmt = select(UserRow.id, UserRow.display_name).where(UserRow.id.in_(list(user_ids)))
    return {uid: name for uid, name in session.execute(stmt)}


class AssessmentRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, patient_id: int, score: AssessmentScore, administered_on: date, recorded_at: datetime,
            recorded_by: int | None, *, source: AssessmentSource = AssessmentSource.CLINICIAN,
            completed_at: datetime | None = None, request_id: int | None = None) -> AssessmentRecord:
        row = AssessmentRow(
            patient_id=patient_id,
            instrument=score.instrument.value,
            administered_on=administered_on,
            recorded_at=recorded_at,
            recorded_by=recorded_by,
            answers=json.dumps(list(score.item_answers), separators=(",", ":")),
            extra_answers=json.dumps(list(score.extra_answers), separators=(",", ":")) if score.extra_answers else None,
            total=score.total,
            severity=score.severity,
            item9=item9_answer(score.instrument, score.answers),
            source=source.value,
            completed_at=completed_at,
            request_id=request_id,
        )
        self.session.add(row)
        self.session.flush()
        return self.to_domain(row)

    @staticmethod
    def to_domain(row: AssessmentRow) -> AssessmentRecord:
        return AssessmentRecord(
            id=row.id,
            patient_id=row.patient_id,
            instrument=Instrument(row.instrument),
            administered_on=row.administered_on,
            answers=tuple(json.loads(row.answers)),
            total=row.total,
            severity=row.severity,
            item9_positive=bool(row.item9),
            recorded_at=row.recorded_at,
            recorded_by=row.recorded_by,
            source=AssessmentSource(row.source or AssessmentSource.CLINICIAN.value),
            completed_at=row.completed_at,
            extra_answers=tuple(json.loads(row.extra_answers)) if row.extra_answers else (),
        )

    def history(self, patient_id: int, instrument: Instrument | None = None) -> list[AssessmentRecord]:
        stmt = select(AssessmentRow).where(AssessmentRow.patient_id == patient_id)
        if instrument is not None:
            stmt = stmt.where(AssessmentRow.instrument == instrument.value)
        stmt = stmt.order_by(AssessmentRow.administered_on, AssessmentRow.id)
        return [self.to_domain(r) for r in self.session.scalars(stmt)]

    def totals(self, patient_id: int, instrument: Instrument) -> list[tuple[int, date, int]]:
        """``[(id, administered_on, total), ...]`` oldest first (a light read for summaries)."""
        A = AssessmentRow
        stmt = (select(A.id, A.administered_on, A.total)
                .where(A.patient_id == patient_id, A.instrument == instrument.value)
                .order_by(A.administered_on, A.id))
        return [tuple(r) for r in self.session.execute(stmt)]  # type: ignore[misc]

    def refresh_summary(self, patient_id: int) -> None:
        """Recompute the caseload figures of one patient from its assessments and alerts."""
        summary = self.session.get(PatientSummaryRow, patient_id)
        if summary is None:
            raise NotFoundError(f"patient {patient_id} does not exist")
        last: list[date] = []
        for instrument, prefix in ((Instrument.PHQ9, "phq9"), (Instrument.GAD7, "gad7"), (Instrument.ISI, "isi")):
            series = self.totals(patient_id, instrument)
            latest = series[-1] if series else None
            setattr(summary, f"{prefix}_latest", latest[2] if latest else None)
            setattr(summary, f"{prefix}_latest_on", latest[1] if latest else None)
            if latest:
                last.append(latest[1])
            if prefix != "isi":
                setattr(summary, f"{prefix}_baseline", series[0][2] if series else None)
                setattr(summary, f"{prefix}_previous", series[-2][2] if len(series) > 1 else None)
                setattr(summary, f"{prefix}_severity", severity_band(instrument, latest[2]) if latest else None)
        summary.last_assessed_on = max(last) if last else None
        AlertRepository(self.session).refresh_counts(patient_id)
        self.session.flush()


class MedicationRepository:
    def __init__(self, session: Session):
        self.session = session

    @staticmethod
    def to_domain(row: MedicationOrderRow) -> MedicationOrder:
        return MedicationOrder(
            id=row.id,
            patient_id=row.patient_id,
            drug=row.drug,
            dose_mg=row.dose_mg,
            frequency=Frequency(row.frequency),
            start_date=row.start_date,
            stop_date=row.stop_date,
            change_kind=ChangeKind(row.change_kind),
            previous_id=row.previous_id,
            start_reason=row.start_reason,
            stop_reason=row.stop_reason,
            adherence_note=row.adherence_note,
            prescribed_by=row.prescribed_by,
        )

    def add(self, **values: object) -> MedicationOrder:
        row = MedicationOrderRow(**values)
        self.session.add(row)
        self.session.flush()
        return self.to_domain(row)

    def _row(self, order_id: int) -> MedicationOrderRow:
        row = self.session.get(MedicationOrderRow, order_id)
        if row is None:
            raise NotFoundError(f"medication order {order_id} does not exist")
        return row

    def get(self, order_id: int) -> MedicationOrder:
        return self.to_domain(self._row(order_id))

    def close(self, order_id: int, stop_date: date, stop_reason: str) -> MedicationOrder:
        """Stop an order on ``stop_date`` with ``stop_reason`` (titrations and switches close the old order too)."""
        row = self._row(order_id)
        row.stop_date, row.stop_reason = stop_date, stop_reason
        self.session.flush()
        return self.to_domain(row)

    def set_adherence_note(self, order_id: int, note: str | None) -> MedicationOrder:
        row = self._row(order_id)
        row.adherence_note = note
        self.session.flush()
        return self.to_domain(row)

    def history(self, patient_id: int) -> list[MedicationOrder]:
        stmt = (select(MedicationOrderRow).where(MedicationOrderRow.patient_id == patient_id)
                .order_by(MedicationOrderRow.start_date, MedicationOrderRow.id))
        return [self.to_domain(r) for r in self.session.scalars(stmt)]

    def active(self, patient_id: int) -> list[MedicationOrder]:
        return [m for m in self.history(patient_id) if m.active]


class NoteRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, patient_id: int, note_date: date, author_id: int, text: str, now: datetime) -> int:
        row = NoteRow(patient_id=patient_id, note_date=note_date, author_id=author_id, text=text, created_at=now,
                      updated_at=now, current_revision=1)
        self.session.add(row)
        self.session.flush()
        self.session.add(NoteRevisionRow(note_id=row.id, revision=1, text=text, edited_by=author_id, edited_at=now))
        self.session.flush()
        return row.id

    def _row(self, note_id: int) -> NoteRow:
        row = self.session.get(NoteRow, note_id)
        if row is None:
            raise NotFoundError(f"note {note_id} does not exist")
        return row

    def get(self, note_id: int) -> ProgressNote:
        """One note with its revisions (NotFoundError when it does not exist)."""
        return self.list(self._row(note_id).patient_id, [note_id])[0]

    def edit(self, note_id: int, text: str, editor_id: int, now: datetime) -> ProgressNote:
        """Replace the text, keeping the earlier text as a revision; returns the note as now stored."""
        row = self._row(note_id)
        row.current_revision += 1
        row.text = text
        row.updated_at = now
        self.session.add(NoteRevisionRow(note_id=note_id, revision=row.current_revision, text=text,
                                         edited_by=editor_id, edited_at=now))
        self.session.flush()
        return self.list(row.patient_id, [note_id])[0]

    def list(self, patient_id: int, note_ids: Sequence[int] | None = None) -> list[ProgressNote]:
        """Notes newest first, each with its revisions, signature and addenda (addenda read only when a note is
        signed)."""
        stmt = (select(NoteRow, NoteSignatureRow).outerjoin(NoteSignatureRow, NoteSignatureRow.note_id == NoteRow.id)
                .where(NoteRow.patient_id == patient_id))
        if note_ids is not None:
            stmt = stmt.where(NoteRow.id.in_(list(note_ids)))
        pairs = list(self.session.execute(stmt.order_by(NoteRow.note_date.desc(), NoteRow.id.desc())).all())
        if not pairs:
            return []
        notes = [n for n, _ in pairs]
        signatures = {n.id: s for n, s in pairs if s is not None}
        revs: dict[int, list[NoteRevisionRow]] = {n.id: [] for n in notes}
        for r in self.session.scalars(select(NoteRevisionRow).where(NoteRevisionRow.note_id.in_(list(revs)))
                                      .order_by(NoteRevisionRow.note_id, NoteRevisionRow.revision)):
            revs[r.note_id].append(r)
        addenda: dict[int, list[NoteAddendumRow]] = {n.id: [] for n in notes}
        if signatures:
            for a in self.session.scalars(select(NoteAddendumRow).where(NoteAddendumRow.note_id.in_(list(signatures)))
                                          .order_by(NoteAddendumRow.id)):
                addenda[a.note_id].append(a)
        user_ids = ({n.author_id for n in notes} | {r.edited_by for rs in revs.values() for r in rs}
                    | {s.signed_by for s in signatures.values()}
                    | {s.cosigned_by for s in signatures.values() if s.cosigned_by is not None}
                    | {a.author_id for rows in addenda.values() for a in rows})
        names = _names(self.session, user_ids)

        def name(uid: int) -> str:
            return names.get(uid, f"user {uid}")

        def signature(s: NoteSignatureRow | None) -> NoteSignature | None:
            if s is None:
                return None
            return NoteSignature(s.signed_by, name(s.signed_by), s.signed_at, bool(s.cosign_required), s.cosigned_by,
                                 name(s.cosigned_by) if s.cosigned_by is not None else None, s.cosigned_at)

        return [
            ProgressNote(
                id=n.id, patient_id=n.patient_id, note_date=n.note_date, author_id=n.author_id,
                author_name=name(n.author_id), text=n.text, created_at=n.created_at,
                updated_at=n.updated_at,
                revisions=tuple(NoteRevision(r.revision, r.text, r.edited_by, name(r.edited_by), r.edited_at)
                                for r in revs[n.id]),
                signature=signature(signatures.get(n.id)),
                addenda=tuple(NoteAddendum(a.id, a.author_id, name(a.author_id), a.text, a.created_at)
                              for a in addenda[n.id]),
            )
            for n in notes
        ]

    def sign(self, note_id: int, user_id: int, now: datetime, *, cosign_required: bool) -> ProgressNote:
        """Sign (and so lock) a note; ConflictError when it is already signed."""
        row = self._row(note_id)
        if self.session.get(NoteSignatureRow, note_id) is not None:
            raise ConflictError(f"note {note_id} is already signed")
        self.session.add(NoteSignatureRow(note_id=note_id, signed_by=user_id, signed_at=now,
                                          cosign_required=cosign_required))
        self.session.flush()
        return self.list(row.patient_id, [note_id])[0]

    def cosign(self, note_id: int, user_id: int, now: datetime) -> ProgressNote:
        row = self._row(note_id)
        sig = self.session.get(NoteSignatureRow, note_id)
        if sig is None or not sig.cosign_required or sig.cosigned_by is not None:
            raise ConflictError(f"note {note_id} is not waiting for a co-signature")
        sig.cosigned_by, sig.cosigned_at = user_id, now
        self.session.flush()
        return self.list(row.patient_id, [note_id])[0]

    def add_addendum(self, note_id: int, author_id: int, text: str, now: datetime) -> ProgressNote:
        row = self._row(note_id)
        self.session.add(NoteAddendumRow(note_id=note_id, author_id=author_id, text=text, created_at=now))
        self.session.flush()
        return self.list(row.patient_id, [note_id])[0]

    def is_trainee(self, user_id: int) -> bool:
        return self.session.get(TraineeRow, user_id) is not None

    def set_trainee(self, user_id: int, trainee: bool, supervisor_id: int | None, now: datetime) -> None:
        row = self.session.get(TraineeRow, user_id)
        if trainee and row is None:
            self.session.add(TraineeRow(user_id=user_id, supervisor_id=supervisor_id, since=now))
        elif trainee and row is not None:
            row.supervisor_id = supervisor_id
        elif row is not None:
            self.session.delete(row)
        self.session.flush()


class VisitRepository:
    def __init__(self, session: Session):
        self.session = session

    @staticmethod
    def to_domain(row: VisitRow) -> Visit:
        return Visit(id=row.id, patient_id=row.patient_id, scheduled_for=row.scheduled_for,
                     clinician_id=row.clinician_id, status=VisitStatus(row.status), note=row.note)

    def add(self, **values: object) -> Visit:
        row = VisitRow(**values)
        self.session.add(row)
        self.session.flush()
        return self.to_domain(row)

    def _row(self, visit_id: int) -> VisitRow:
        row = self.session.get(VisitRow, visit_id)
        if row is None:
            raise NotFoundError(f"visit {visit_id} does not exist")
        return row

    def get(self, visit_id: int) -> Visit:
        return self.to_domain(self._row(visit_id))

    def set_status(self, visit_id: int, status: VisitStatus) -> Visit:
        row = self._row(visit_id)
        row.status = status.value
        self.session.flush()
        return self.to_domain(row)

    def list(self, patient_id: int) -> list[Visit]:
        stmt = select(VisitRow).where(VisitRow.patient_id == patient_id).order_by(VisitRow.scheduled_for)
        return [self.to_domain(r) for r in self.session.scalars(stmt)]

    def next_scheduled(self, patient_id: int, now: datetime) -> datetime | None:
        return self.session.scalar(
            select(func.min(VisitRow.scheduled_for)).where(
                VisitRow.patient_id == patient_id, VisitRow.status == VisitStatus.SCHEDULED.value,
                VisitRow.scheduled_for >= now)
        )


class AlertRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, patient_id: int, kind: AlertKind, raised_at: datetime, message: str, *, instrument: str | None = None,
            assessment_id: int | None = None, value: int | None = None, observed_on: date | None = None) -> int:
        row = AlertRow(patient_id=patient_id, kind=kind.value, raised_at=raised_at, message=message,
                       instrument=instrument, assessment_id=assessment_id, value=value, observed_on=observed_on)
        self.session.add(row)
        self.session.flush()
        return row.id

    def list(self, patient_id: int, include_acknowledged: bool = True) -> list[Alert]:
        stmt = select(AlertRow).where(AlertRow.patient_id == patient_id)
        if not include_acknowledged:
            stmt = stmt.where(AlertRow.acknowledged_at.is_(None))
        rows = list(self.session.scalars(stmt))
        ack_ids = {r.acknowledged_by for r in rows if r.acknowledged_by is not None}
        names = _names(self.session, ack_ids)
        alerts = [
            Alert(id=r.id, patient_id=r.patient_id, kind=AlertKind(r.kind), raised_at=r.raised_at, message=r.message,
                  instrument=r.instrument, assessment_id=r.assessment_id, value=r.value, observed_on=r.observed_on,
                  acknowledged_at=r.acknowledged_at, acknowledged_by=r.acknowledged_by,
                  acknowledged_by_name=names.get(r.acknowledged_by) if r.acknowledged_by else None)
            for r in rows
        ]
        return sort_alerts(alerts)

    def refresh_counts(self, patient_id: int) -> None:
        """Recount the patient's open alerts (all, and item 9) on the caseload summary."""
        summary = self.session.get(PatientSummaryRow, patient_id)
        if summary is None:
            raise NotFoundError(f"patient {patient_id} does not exist")
        open_rows = self.session.execute(
            select(AlertRow.kind, func.count()).where(AlertRow.patient_id == patient_id,
                                                      AlertRow.acknowledged_at.is_(None)).group_by(AlertRow.kind)
        ).all()
        counts = dict(open_rows)
        summary.open_alerts = int(sum(counts.values()))
        summary.open_item9_alerts = int(counts.get(AlertKind.ITEM9.value, 0))

    def acknowledge(self, alert_id: int, user_id: int | None, now: datetime) -> Alert:
        """Record who acknowledged the alert and when, and recount the patient's open alerts.

        Raises NotFoundError for an unknown alert and ConflictError when it was already acknowledged.
        """
        found = self.session.execute(
            select(AlertRow.patient_id, AlertRow.acknowledged_at).where(AlertRow.id == alert_id)).first()
        if found is None:
            raise NotFoundError(f"alert {alert_id} does not exist")
        patient_id, acknowledged_at = found
        changed = self.session.execute(
            update(AlertRow).where(AlertRow.id == alert_id, AlertRow.acknowledged_at.is_(None))
            .values(acknowledged_at=now, acknowledged_by=user_id)).rowcount
        if acknowledged_at is not None or not changed:
            raise ConflictError(f"alert {alert_id} was already acknowledged")
        self.session.expire_all()  # rows loaded earlier in this transaction now show the acknowledgement
        self.refresh_counts(patient_id)
        return next(a for a in self.list(patient_id) if a.id == alert_id)
