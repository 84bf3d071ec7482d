"""Progress notes as clinical documents: dated free text by a clinician, shown exactly as typed.

While a note is unsigned its author (or a colleague on the care team) may edit it, and every earlier version is kept
with who wrote it. Signing locks it: after that nothing changes its text; anything more is an *addendum*, dated and
signed by its author. A note signed by a trainee waits for a supervisor's co-signature (a trainee is a clinician with
a flag, not a role of its own).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from novamind_core.domain.errors import ValidationError

#: Longest note accepted, characters (about 8 pages of text); longer text belongs in an attached document.
MAX_NOTE_CHARS = 20_000
#: Longest addendum accepted, characters.
MAX_ADDENDUM_CHARS = 5_000


def validate_note_text(text: str, *, limit: int = MAX_NOTE_CHARS, what: str = "note") -> str:
    """The text without leading and trailing blank space; ValidationError (field ``text``) when empty or too long.

    Only the ends are trimmed: inner line breaks, spaces and characters such as ``~`` or ``1)`` are kept exactly.
    """
    body = (text or "").strip()
    if not body:
        raise ValidationError(f"{what} text is required", field="text", value="")
    if len(body) > limit:
        raise ValidationError(f"{what} is {len(body):,} characters; at most {limit:,} are allowed (shorten it by "
                              f"{len(body) - limit:,})", field="text", value=len(body))
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
class NoteSignature:
    """Who signed a note and when; for a trainee's note, whether a co-signature is needed and who gave it."""

    signed_by: int
    signed_by_name: str
    signed_at: datetime
    cosign_required: bool = False
    cosigned_by: int | None = None
    cosigned_by_name: str | None = None
    cosigned_at: datetime | None = None

    @property
    def awaiting_cosignature(self) -> bool:
        return self.cosign_required and self.cosigned_by is None


@dataclass(frozen=True)
class NoteAddendum:
    """Text added to a signed note, by its author, at a time."""

    id: int
    author_id: int
    author_name: str
    text: str = field(repr=False)
    created_at: datetime


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
    signature: NoteSignature | None = None
    addenda: tuple[NoteAddendum, ...] = ()

    @property
    def edited(self) -> bool:
        return len(self.revisions) > 1

    @property
    def signed(self) -> bool:
        """A signed note is locked: its text never changes again (addenda only)."""
        return self.signature is not None

    @property
    def status(self) -> str:
        """``draft``, ``signed``, or ``awaiting co-signature``, in the words the chart shows."""
        if self.signature is None:
            return "unsigned"
        return "awaiting co-signature" if self.signature.awaiting_cosignature else "signed"
