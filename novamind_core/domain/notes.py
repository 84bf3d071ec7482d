"""Progress notes: dated free text by a clinician; an edit keeps every earlier version and who wrote it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from novamind_core.domain.errors import ValidationError

#: Longest note accepted, characters (about 8 pages of text); longer text belongs in an attached document.
MAX_NOTE_CHARS = 20_000


def validate_note_text(text: str) -> str:
    body = (text or "").strip()
    if not body:
        raise ValidationError("note text is required", field="text", value="")
    if len(body) > MAX_NOTE_CHARS:
        raise ValidationError(f"note is {len(body)} characters; at most {MAX_NOTE_CHARS} are allowed", field="text",
                              value=len(body))
    return body


@dataclass(frozen=True)
class NoteRevision:
    """One version of a note (revision 1 is the original)."""

    revision: int
    text: str = field(repr=False)
    edited_by: int
    edited_by_name: str
    edited_at: datetime


@dataclass(frozen=True)
class ProgressNote:
    id: int
    patient_id: int
    note_date: date
    author_id: int
    author_name: str
    text: str = field(repr=False)
    created_at: datetime
    updated_at: datetime
    revisions: tuple[NoteRevision, ...] = ()

    @property
    def edited(self) -> bool:
        return len(self.revisions) > 1
