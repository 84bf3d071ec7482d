"""Progress notes: add, edit (every earlier version kept with who changed it), list."""

from __future__ import annotations

from datetime import date

from novamind_core.domain.errors import NotFoundError, StaleWriteError, ValidationError
from novamind_core.domain.notes import ProgressNote, validate_note_text
from novamind_core.domain.users import Permission, User
from novamind_core.security.audit import AuditAction
from novamind_core.services.base import BaseService, not_in_future, parse_date

NOTE_UPDATE = "note.update"


def current_revision(note: ProgressNote) -> int:
    """The number of the note's current text (1 for an unedited note)."""
    return max((r.revision for r in note.revisions), default=1)


class NoteService(BaseService):
    def add(self, user: User, patient_id: int, text: str, note_date: date | str | None = None) -> ProgressNote:
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, AuditAction.NOTE_CREATE)
            body = validate_note_text(text)
            today = self.ctx.today()
            on = not_in_future(parse_date(note_date, "note_date", default=today), today, "note_date")
            note_id = uow.notes.add(patient_id, on, actor.id, body, self.ctx.now())
            self._audit(uow, actor, AuditAction.NOTE_CREATE, patient_id=patient_id)
            note = uow.notes.get(note_id)
            uow.commit()
            return note

    def edit(self, user: User, note_id: int, text: str, expected_revision: int | None = None) -> ProgressNote:
        """Replace a note's text; the earlier text stays as a revision with its author and time."""
        with self._tx() as uow:
            patient_id = uow.patients.id_for("note", note_id)
            if patient_id is None:
                raise NotFoundError(f"note {note_id} does not exist")
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, NOTE_UPDATE)
            body = validate_note_text(text)
            current = uow.notes.get(note_id)
            revision = current_revision(current)
            if expected_revision is not None and revision != expected_revision:
                raise StaleWriteError(f"note {note_id} was edited by someone else (revision {revision}); "
                                      "reload it and apply your change again")
            if body == current.text:
                raise ValidationError("the note text did not change", field="text")
            note = uow.notes.edit(note_id, body, actor.id, self.ctx.now())
            self._audit(uow, actor, NOTE_UPDATE, patient_id=patient_id, detail=f"note {note_id}")
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
