"""Tables of patient-reported measurement (docs/reporting.md): questionnaire schedules, contact consent, requests
reached through hashed link tokens, the transactional outbox and its delivery log, shared rate limits and staff
notification preferences.

Every name here is re-exported by :mod:`novamind_core.db.models`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from novamind_core.db.models_base import Base
from novamind_core.db.types import EncryptedJSON, EncryptedText, UTCDateTime


class MeasurementPlanRow(Base):
    """One patient's questionnaire schedule (at most one plan per patient; ``active`` False pauses it)."""

    __tablename__ = "measurement_plans"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True)
    instruments: Mapped[str] = mapped_column(String(64))  # "PHQ-9,GAD-7"
    rule: Mapped[str] = mapped_column(String(400))  # JSON of domain.reporting.ScheduleRule (no PHI)
    channel: Mapped[str] = mapped_column(String(8))  # email | sms | kiosk
    send_time: Mapped[str] = mapped_column(String(5))  # "09:00", clinic time zone
    reminder_after_hours: Mapped[int] = mapped_column(Integer)
    link_lifetime_hours: Mapped[int] = mapped_column(Integer)
    anchor_on: Mapped[date] = mapped_column(Date)  # first delivery date; a medication change can move it
    restarted_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # last medication change it restarted on
    restart_on_medication_change: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class ContactConsentRow(Base):
    """Consent to be contacted by e-mail/SMS, who recorded it and when; an opt-out stops every message."""

    __tablename__ = "contact_consents"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True)
    email_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    sms_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    opt_out_source: Mapped[str | None] = mapped_column(String(16), nullable=True)  # link | clinician


class QuestionnaireRequestRow(Base):
    """A request for one patient to answer some instruments, reached through a link whose token only hashes here."""

    __tablename__ = "questionnaire_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    instruments: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 hex of the link token
    channel: Mapped[str] = mapped_column(String(8))  # email | sms | kiosk | link (printed by a clinician)
    due_on: Mapped[date] = mapped_column(Date)
    plan_occurrence: Mapped[str | None] = mapped_column(String(32), nullable=True)  # "<patient>:<due date>" (unique)
    status: Mapped[str] = mapped_column(String(12), index=True)  # domain.reporting.RequestStatus
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: the worker, from the plan
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # SHA-256 of the proof handed to the one browser session that confirmed the date of birth
    verified_proof: Mapped[str | None] = mapped_column(String(64), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    dob_failures: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (UniqueConstraint("plan_occurrence"), Index("ix_qr_patient_due", "patient_id", "due_on"))


class OutboxRow(Base):
    """Transactional outbox: a message is written in the transaction that decides to send it; the worker sends it.

    ``idempotency_key`` is unique (one message per purpose) and travels as the e-mail Message-ID / SMS idempotency
    header, so a retried send can be recognised downstream. Recipient address and body are encrypted at rest.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # invitation | reminder | urgent_alert | dob_locked
    channel: Mapped[str] = mapped_column(String(8))  # email | sms
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), nullable=True,
                                                   index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("questionnaire_requests.id", ondelete="CASCADE"),
                                                   nullable=True)
    recipient_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    message: Mapped[dict] = mapped_column(EncryptedJSON)  # {"to", "subject", "text", "html"}
    status: Mapped[str] = mapped_column(String(10), index=True)  # queued | sending | sent | failed | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)


class DeliveryEventRow(Base):
    """The per-patient delivery log: queued, sent, failed (reason), opened, completed, expired, opted out, locked."""

    __tablename__ = "delivery_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("questionnaire_requests.id", ondelete="CASCADE"),
                                                   nullable=True)
    event: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    detail: Mapped[str] = mapped_column(String(300), default="")  # never PHI: reasons, channels, counts

    __table_args__ = (Index("ix_delivery_events_patient_at", "patient_id", "at"),)


class RateLimitRow(Base):
    """Attempt counters shared by every app process (per link token hash and per client address hash)."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)  # "<scope>:<sha256 hex>"
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer, default=0)


class NotificationPreferenceRow(Base):
    """A staff member's own notification settings (urgent alerts by e-mail, to an address of their choosing)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    urgent_by_email: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
