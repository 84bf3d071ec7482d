"""Tables of the clinical record's words and forms: notes with their revisions, signatures and addenda, trainees
(whose notes need a co-signature), form drafts, idempotent form submissions and the per-patient link tokens
(migration 0007, FORMS work: nothing typed is lost; a double submit is ignored).

Every name here is re-exported by :mod:`novamind_core.db.models`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from novamind_core.db.models_base import Base
from novamind_core.db.types import EncryptedJSON, EncryptedText, UTCDateTime


class NoteRow(Base):
    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    note_date: Mapped[date] = mapped_column(Date)
    author_id: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    current_revision: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("ix_notes_patient_date", "patient_id", "note_date"),)


class NoteRevisionRow(Base):
    __tablename__ = "note_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(EncryptedText)
    edited_by: Mapped[int] = mapped_column(Integer)
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("note_id", "revision"),)


class NoteSignatureRow(Base):
    """A note's signature (it is then locked) and, for a trainee's note, the supervisor's co-signature."""

    __tablename__ = "note_signatures"

    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True)
    signed_by: Mapped[int] = mapped_column(Integer)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cosign_required: Mapped[bool] = mapped_column(Boolean, default=False)
    cosigned_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cosigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class NoteAddendumRow(Base):
    """Text added to a signed note (a signed note is never edited)."""

    __tablename__ = "note_addenda"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_note_addenda_note_id", "note_id"),)


class TraineeRow(Base):
    """A clinician in training: their signed notes wait for a supervisor's co-signature."""

    __tablename__ = "trainees"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    supervisor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime)


class FormDraftRow(Base):
    """What a user has typed into one form of one patient's chart (or, with no patient, into the register-a-patient
    form: one per user and form, migration 0010), kept until it is saved or expires."""

    __tablename__ = "form_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), nullable=True)
    form: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(EncryptedJSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("user_id", "patient_id", "form"),
                      Index("ix_form_drafts_expires_at", "expires_at"),
                      Index("uq_form_drafts_unattached", "user_id", "form", unique=True,
                            sqlite_where=sql_text("patient_id IS NULL"),
                            postgresql_where=sql_text("patient_id IS NULL")))


class FormSubmissionRow(Base):
    """One accepted form submission, by its one-time token: a repeat of the token returns the first result."""

    __tablename__ = "form_submissions"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)
    form: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PatientLinkRow(Base):
    """A random, per-patient token that stands for the patient in the address bar (never the MRN)."""

    __tablename__ = "patient_links"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
