"""Progress notes as documents: add (idempotent per form rendering), edit while unsigned (every earlier version kept
with who changed it), sign and lock, co-sign a trainee's note, add addenda after signing, list.

A signed note is never edited: :meth:`NoteService.edit` refuses it and points to :meth:`NoteService.add_addendum`.
A trainee (a clinician flagged by :meth:`NoteService.set_trainee`, not a separate role) signs their own notes, which
then wait for a co-signature by a clinician on the patient's care team who is not a trainee.
"""

from __future__ import annotations

from datetime import date

from novamind_core.domain.errors import ConflictError, NotFoundError, PermissionDenied, StaleWriteError, ValidationError
from novamind_core.domain.forms import FormName
from novamind_core.domain.notes import MAX_ADDENDUM_CHARS, ProgressNote, validate_note_text
from novamind_core.domain.users import Permission, Role, User
from novamind_core.security.audit import AuditAction
from novamind_core.services.base import BaseService, not_in_future, parse_date
from novamind_core.services.drafts import drop_draft, first_submission, remember_submission, settle_repeat
from novamind_core.services.ports import UnitOfWork

NOTE_UPDATE = "note.update"
NOTE_SIGN = "note.sign"
NOTE_COSIGN = "note.cosign"
NOTE_ADDENDUM = "note.addendum"
TRAINEE_UPDATE = "user.trainee"


def current_revision(note: ProgressNote) -> int:
    """The number of the note's current text (1 for an unedited note)."""
    return max((r.revision for r in note.revisions), default=1)


class NoteService(BaseService):
    def add(self, user: User, patient_id: int, text: str, note_date: date | str | None = None, *,
            submission_token: str | None = None) -> ProgressNote:
        """Save a new note. The text is kept exactly as typed (only blank space at its ends is trimmed); a date in
        the future is refused, naming the field. With ``submission_token``, a repeat of the same form rendering
        returns the note the first submission saved. The user's note draft for this patient is dropped."""
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, AuditAction.NOTE_CREATE)
            repeat = first_submission(uow, submission_token, actor.id, FormName.NOTE)
            if repeat is not None:
                note = uow.notes.get(repeat)
                settle_repeat(uow, actor.id, patient_id, FormName.NOTE)
                return note
            today = self.ctx.today()
            on = not_in_future(parse_date(note_date, "note_date", default=today), today, "note_date")
            body = validate_note_text(text)
            note_id = uow.notes.add(patient_id, on, actor.id, body, self.ctx.now())
            remember_submission(uow, submission_token, actor.id, FormName.NOTE, note_id, self.ctx.now())
            if actor.id > 0:
                uow.drafts.delete(actor.id, patient_id, FormName.NOTE.value)
            self._audit(uow, actor, AuditAction.NOTE_CREATE, patient_id=patient_id)
            note = uow.notes.get(note_id)
            uow.commit()
            return note

    def _note_patient(self, uow: UnitOfWork, note_id: int) -> int:
        patient_id = uow.patients.id_for("note", note_id)
        if patient_id is None:
            raise NotFoundError(f"note {note_id} does not exist")
        return patient_id

    def _repeat(self, uow: UnitOfWork, actor: User, patient_id: int, note_id: int, form: FormName) -> ProgressNote:
        """A repeated submission (a double-click): nothing is saved again, and the note's draft entry, typed back
        by the second click, goes as the first click's did."""
        note = uow.notes.get(note_id)
        drop_draft(uow, actor.id, patient_id, form, str(note_id), self.ctx.now())
        uow.commit()
        return note

    def edit(self, user: User, note_id: int, text: str, expected_revision: int | None = None, *,
             submission_token: str | None = None) -> ProgressNote:
        """Replace an unsigned note's text; the earlier text stays as a revision with its author and time. A signed
        note is locked (ConflictError): add an addendum instead. With ``submission_token``, a repeat (a double-click)
        returns the note as the first submission left it. The user's draft of this note's edit is dropped."""
        with self._tx() as uow:
            patient_id = self._note_patient(uow, note_id)
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, NOTE_UPDATE)
            if first_submission(uow, submission_token, actor.id, FormName.NOTE_EDIT) is not None:
                return self._repeat(uow, actor, patient_id, note_id, FormName.NOTE_EDIT)
            body = validate_note_text(text)
            current = uow.notes.get(note_id)
            if current.signed:
                raise ConflictError("this note is signed and locked; add an addendum instead")
            revision = current_revision(current)
            if expected_revision is not None and revision != expected_revision:
                raise StaleWriteError(f"note {note_id} was edited by someone else (revision {revision}); "
                                      "reload it and apply your change again")
            if body == current.text:
                raise ValidationError("the note text did not change", field="text")
            now = self.ctx.now()
            note = uow.notes.edit(note_id, body, actor.id, now)
            remember_submission(uow, submission_token, actor.id, FormName.NOTE_EDIT, note_id, now)
            drop_draft(uow, actor.id, patient_id, FormName.NOTE_EDIT, str(note_id), now)
            self._audit(uow, actor, NOTE_UPDATE, patient_id=patient_id, detail=f"note {note_id}")
            uow.commit()
            return note

    def sign(self, user: User, note_id: int) -> ProgressNote:
        """Sign and lock a note (its author only). A trainee's signature leaves it waiting for a co-signature."""
        with self._tx() as uow:
            patient_id = self._note_patient(uow, note_id)
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, NOTE_SIGN)
            note = uow.notes.get(note_id)
            if note.author_id != actor.id:
                self._deny(uow, actor, NOTE_SIGN, patient_id, PermissionDenied("only the note's author can sign it"))
            if note.signed:
                return note  # signing twice (a double-click) changes nothing
            signed = uow.notes.sign(note_id, actor.id, self.ctx.now(), cosign_required=uow.notes.is_trainee(actor.id))
            self._audit(uow, actor, NOTE_SIGN, patient_id=patient_id,
                        detail=f"note {note_id}" + (" awaiting co-signature" if signed.status != "signed" else ""))
            uow.commit()
            return signed

    def cosign(self, user: User, note_id: int) -> ProgressNote:
        """Co-sign a trainee's signed note: a clinician on the care team who is neither a trainee nor the author."""
        with self._tx() as uow:
            patient_id = self._note_patient(uow, note_id)
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, NOTE_COSIGN)
            note = uow.notes.get(note_id)
            if actor.role not in (Role.CLINICIAN, Role.CLINIC_LEAD) or actor.id == note.author_id \
                    or uow.notes.is_trainee(actor.id):
                self._deny(uow, actor, NOTE_COSIGN, patient_id, PermissionDenied(
                    "a co-signature must come from a supervising clinician who did not write the note"))
            if note.signature is not None and note.signature.cosigned_by is not None:
                return note
            if note.signature is None or not note.signature.cosign_required:
                raise ConflictError("this note is not waiting for a co-signature")
            cosigned = uow.notes.cosign(note_id, actor.id, self.ctx.now())
            self._audit(uow, actor, NOTE_COSIGN, patient_id=patient_id, detail=f"note {note_id}")
            uow.commit()
            return cosigned

    def add_addendum(self, user: User, note_id: int, text: str, *, submission_token: str | None = None
                     ) -> ProgressNote:
        """Add dated, attributed text to a signed note (an unsigned note is edited instead). With
        ``submission_token``, a repeat adds nothing; the user's draft of this note's addendum is dropped."""
        with self._tx() as uow:
            patient_id = self._note_patient(uow, note_id)
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, NOTE_ADDENDUM)
            if first_submission(uow, submission_token, actor.id, FormName.ADDENDUM) is not None:
                return self._repeat(uow, actor, patient_id, note_id, FormName.ADDENDUM)
            body = validate_note_text(text, limit=MAX_ADDENDUM_CHARS, what="addendum")
            if not uow.notes.get(note_id).signed:
                raise ConflictError("this note is not signed yet; edit it instead of adding an addendum")
            now = self.ctx.now()
            note = uow.notes.add_addendum(note_id, actor.id, body, now)
            remember_submission(uow, submission_token, actor.id, FormName.ADDENDUM, note.addenda[-1].id, now)
            drop_draft(uow, actor.id, patient_id, FormName.ADDENDUM, str(note_id), now)
            self._audit(uow, actor, NOTE_ADDENDUM, patient_id=patient_id, detail=f"note {note_id}")
            uow.commit()
            return note

    def set_trainee(self, user: User, user_id: int, trainee: bool, supervisor_id: int | None = None) -> bool:
        """Flag (or unflag) a clinician as a trainee whose signed notes need a co-signature; administrators only."""
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.MANAGE_USERS, TRAINEE_UPDATE)
            target = uow.users.current(user_id)
            if target is None:
                raise NotFoundError(f"user {user_id} does not exist")
            if trainee and target.role is not Role.CLINICIAN:
                raise ValidationError("only a clinician can be flagged as a trainee", field="user_id", value=user_id)
            uow.notes.set_trainee(user_id, trainee, supervisor_id, self.ctx.now())
            self._audit(uow, actor, TRAINEE_UPDATE, detail=f"user {user_id} trainee={'yes' if trainee else 'no'}")
            uow.commit()
            return trainee

    def list(self, user: User, patient_id: int) -> tuple[ProgressNote, ...]:
        """Notes newest first, each with its revisions, signature and addenda."""
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, AuditAction.NOTE_READ)
            notes = tuple(uow.notes.list(patient_id))
            self._audit(uow, actor, AuditAction.NOTE_READ, patient_id=patient_id)
            uow.commit()
            return notes
