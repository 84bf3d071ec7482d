"""Progress notes: add, edit (every earlier version kept with who changed it), list."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from novamind_core.db.models import NoteRow
from novamind_core.domain.errors import NotFoundError, ValidationError
from novamind_core.domain.notes import ProgressNote, validate_note_text
from novamind_core.domain.users import Permission, User
from novamind_core.security.audit import AuditAction
from novamind_core.services.base import BaseService, not_in_future, parse_date

NOTE_UPDATE = "note.update"


class NoteService(BaseService):
    def add(self, user: User, patient_id: int, text: str, note_date: date | str | None = None) -> ProgressNote:
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, AuditAction.NOTE_CREATE)
            body = validate_note_text(text)
            today = self.ctx.today()
            on = not_in_future(parse_date(note_date, "note_date", default=today), today, "note_date")
            note_id = uow.notes.add(patient_id, on, actor.id, body, self.ctx.now())
            self._audit(uow, actor, AuditAction.NOTE_CREATE, patient_id=patient_id)
            note = uow.notes.list(patient_id, [note_id])[0]
            uow.commit()
            return note

    def edit(self, user: User, note_id: int, text: str, expected_revision: int | None = None) -> ProgressNote:
        """Replace a note's text; the earlier text stays as a revision with its author and time."""
        with self.ctx.uow() as probe:
            patient_id = probe.session.scalar(select(NoteRow.patient_id).where(NoteRow.id == note_id))
        if patient_id is None:
            raise NotFoundError(f"note {note_id} does not exist")
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, NOTE_UPDATE)
            body = validate_note_text(text)
            row = uow.notes.row(note_id)
            if expected_revision is not None and row.current_revision != expected_revision:
                from novamind_core.domain.errors import StaleWriteError

                raise StaleWriteError(f"note {note_id} was edited by someone else (revision {row.current_revision}); "
                                      "reload it and apply your change again")
            if body == row.text:
                raise ValidationError("the note text did not change", field="text")
            uow.notes.edit(note_id, body, actor.id, self.ctx.now())
            self._audit(uow, actor, NOTE_UPDATE, patient_id=patient_id, detail=f"note {note_id}")
            note = uow.notes.list(patient_id, [note_id])[0]
            uow.commit()
            return note

    def list(self, user: User, patient_id: int) -> tuple[ProgressNote, ...]:
        """Notes newest first, each with its revisions."""
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, AuditAction.NOTE_READ)
            notes = tuple(uow.notes.list(patient_id))
            self._audit(uow, actor, AuditAction.NOTE_READ, patient_id=patient_id)
            uow.commit()
            return notes
