"""SQLAlchemy 2 typed models. The schema is made only by the Alembic migrations in ``db/migrations``.

PHI columns use :mod:`novamind_core.db.types` (encrypted at the type level). Exact-match search on MRN and names goes
through HMAC blind-index columns (``*_bidx``), never through the ciphertext. Structured clinical values (scores, drug,
dose, ICD-10 codes) are stored in clear, linked to a patient only by id, so that de-identified analytics can query them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from novamind_core.db.types import EncryptedBytes, EncryptedJSON, EncryptedText, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

BIDX = 64  # hex length of an HMAC-SHA256 digest


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(String(100))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PatientRow(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mrn: Mapped[str] = mapped_column(EncryptedText)
    mrn_bidx: Mapped[str] = mapped_column(String(BIDX), unique=True)
    given_name: Mapped[str] = mapped_column(EncryptedText)
    family_name: Mapped[str] = mapped_column(EncryptedText)
    given_name_bidx: Mapped[str] = mapped_column(String(BIDX), index=True)
    family_name_bidx: Mapped[str] = mapped_column(String(BIDX), index=True)
    full_name_bidx: Mapped[str] = mapped_column(String(BIDX), index=True)
    date_of_birth: Mapped[str] = mapped_column(EncryptedText)
    birth_year: Mapped[int] = mapped_column(Integer)
    sex_at_birth: Mapped[str] = mapped_column(String(16))
    gender_identity: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    phone: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    email: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    address: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    cyp2d6: Mapped[str | None] = mapped_column(String(16), nullable=True)
    cyp2c19: Mapped[str | None] = mapped_column(String(16), nullable=True)
    discharged_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class DiagnosisRow(Base):
    __tablename__ = "patient_diagnoses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(10), index=True)
    label: Mapped[str] = mapped_column(String(200))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)


class CareTeamRow(Base):
    __tablename__ = "care_team"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)

    __table_args__ = (Index("ix_care_team_user_patient", "user_id", "patient_id"),)


class PatientSummaryRow(Base):
    """Denormalised caseload figures, maintained by the services in the transaction that changes them.

    Kept out of ``patients`` so that recording an assessment does not bump the patient's optimistic-lock version.
    """

    __tablename__ = "patient_summaries"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True)
    registered_on: Mapped[date] = mapped_column(Date)
    phq9_baseline: Mapped[int | None] = mapped_column(Integer, nullable=True)
    phq9_previous: Mapped[int | None] = mapped_column(Integer, nullable=True)
    phq9_latest: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    phq9_latest_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    phq9_severity: Mapped[str | None] = mapped_column(String(24), nullable=True, index=True)
    gad7_baseline: Mapped[int | None] = mapped_column(Integer, nullable=True)
    gad7_previous: Mapped[int | None] = mapped_column(Integer, nullable=True)
    gad7_latest: Mapped[int | None] = mapped_column(Integer, nullable=True)
    gad7_latest_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    gad7_severity: Mapped[str | None] = mapped_column(String(24), nullable=True)
    isi_latest: Mapped[int | None] = mapped_column(Integer, nullable=True)
    isi_latest_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    last_assessed_on: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    open_alerts: Mapped[int] = mapped_column(Integer, default=0)
    open_item9_alerts: Mapped[int] = mapped_column(Integer, default=0)
    next_visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    next_assessment_due: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)

    __table_args__ = (Index("ix_patient_summaries_alerts", "open_item9_alerts", "open_alerts"),)


class AssessmentRow(Base):
    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    instrument: Mapped[str] = mapped_column(String(8))
    administered_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    answers: Mapped[str] = mapped_column(String(120))  # JSON list of item answers, e.g. "[1,2,0,...]"
    extra_answers: Mapped[str | None] = mapped_column(String(40), nullable=True)  # unscored items, e.g. PHQ-9 item 10
    total: Mapped[int] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(String(24))
    item9: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source: Mapped[str] = mapped_column(String(16), default="clinician")  # clinician | patient_remote | kiosk | import
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # when the patient finished
    request_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the questionnaire request it answered

    __table_args__ = (Index("ix_assessments_patient_instrument_on", "patient_id", "instrument", "administered_on"),)


class MedicationOrderRow(Base):
    __tablename__ = "medication_orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    drug: Mapped[str] = mapped_column(String(64), index=True)
    dose_mg: Mapped[float] = mapped_column(Float)
    frequency: Mapped[str] = mapped_column(String(24))
    start_date: Mapped[date] = mapped_column(Date)
    stop_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    change_kind: Mapped[str] = mapped_column(String(12))
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("medication_orders.id"), nullable=True)
    start_reason: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    stop_reason: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    adherence_note: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    prescribed_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_medication_orders_patient_start", "patient_id", "start_date"),
        Index("ix_medication_orders_patient_stop", "patient_id", "stop_date"),
        # at most one active order per patient and drug, enforced by the database (migration 0006)
        Index("uq_medication_orders_active_drug", "patient_id", "drug", unique=True,
              sqlite_where=sql_text("stop_date IS NULL"), postgresql_where=sql_text("stop_date IS NULL")),
    )


class DrugLevelRow(Base):
    """A measured drug level (TDM): concentration in clear like doses, linked to the patient only by id."""

    __tablename__ = "drug_levels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    drug: Mapped[str] = mapped_column(String(64))
    concentration_ng_ml: Mapped[float] = mapped_column(Float)
    sampled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_drug_levels_patient_sampled", "patient_id", "sampled_at"),)


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


class VisitRow(Base):
    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)
    clinician_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)

    __table_args__ = (Index("ix_visits_patient_scheduled", "patient_id", "scheduled_for"),)


class AlertRow(Base):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    message: Mapped[str] = mapped_column(EncryptedText)
    instrument: Mapped[str | None] = mapped_column(String(8), nullable=True)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id", ondelete="SET NULL"), nullable=True)
    value: Mapped[int | None] = mapped_column(Integer, nullable=True)
    observed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_by: Mapped[int | None] = mapped_column(Integer, nullable=True)

    __table_args__ = (Index("ix_alerts_patient_ack", "patient_id", "acknowledged_at"),)


class AuditRow(Base):
    """Append-only (database triggers refuse UPDATE and DELETE); each row's ``hash`` chains over ``prev_hash``."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    patient_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # web | cli | worker; "" on rows written before migration 0005 (their hash has no channel)
    channel: Mapped[str] = mapped_column(String(8), default="", server_default="")

    __table_args__ = (
        Index("ix_audit_log_patient_at", "patient_id", "at"),
        Index("ix_audit_log_user_at", "user_id", "at"),
        Index("ix_audit_log_action_at", "action", "at"),
    )


class AuditHeadRow(Base):
    """One row (id 1) holding the chain's last hash; locked FOR UPDATE to serialise appends on PostgreSQL."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_hash: Mapped[str] = mapped_column(String(64))


class OperatorTokenRow(Base):
    """A personal API token for the command line (migration 0005): only its SHA-256 is stored, never the token.

    ``scopes`` is a space-separated list (``phi:read phi:write phi:export admin``); a token works until
    ``expires_at`` or ``revoked_at``, and ``last_used_at`` shows when it last opened a command.
    """

    __tablename__ = "operator_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    scopes: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WearableMinuteDayRow(Base):
    """One patient-day of minute-level activity: 1,440 int32 counts, zlib-compressed, then encrypted."""

    __tablename__ = "wearable_minute_days"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    counts: Mapped[bytes] = mapped_column(EncryptedBytes)
    valid_minutes: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("patient_id", "day"),)


class WearableDailyRow(Base):
    __tablename__ = "wearable_daily"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    steps: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sleep_minutes: Mapped[float | None] = mapped_column(Float, nullable=True)
    resting_hr: Mapped[float | None] = mapped_column(Float, nullable=True)
    hrv_rmssd: Mapped[float | None] = mapped_column(Float, nullable=True)
    source: Mapped[str] = mapped_column(String(32))

    __table_args__ = (UniqueConstraint("patient_id", "day", "source"),)


class TwinStateRow(Base):
    """Head of a patient's twin history; ``version`` equals the latest snapshot's version (optimistic lock)."""

    __tablename__ = "twin_states"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class TwinSnapshotRow(Base):
    __tablename__ = "twin_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    trigger: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict] = mapped_column(EncryptedJSON)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)

    __table_args__ = (UniqueConstraint("patient_id", "version"),)


class SavedScenarioRow(Base):
    __tablename__ = "saved_scenarios"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(EncryptedText)
    note: Mapped[str | None] = mapped_column(EncryptedText, nullable=True)
    scenario: Mapped[dict] = mapped_column(EncryptedJSON)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_saved_scenarios_patient_created", "patient_id", "created_at"),)


# ------------------------------------------------------------------ patient-reported measurement (docs/reporting.md)
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


# ------------------------------------------------------------------ forms: drafts, idempotent submissions, links, notes
# (migration 0007; FORMS work). Nothing typed is lost: drafts survive a reload; a double submit is ignored.


class FormDraftRow(Base):
    """What a user has typed into one form of one patient's chart, kept until it is saved or expires."""

    __tablename__ = "form_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    form: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(EncryptedJSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("user_id", "patient_id", "form"),
                      Index("ix_form_drafts_expires_at", "expires_at"))


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


class UserIdentityRow(Base):
    """An organisation (OpenID Connect) identity linked to a staff account: matched by (issuer, subject) only.

    ``last_issued_at``/``last_assertion`` record the newest ID token accepted, so the same token (or an older one)
    cannot sign in again (novamind_core/security/oidc.py). Staff identifiers, not PHI.
    """

    __tablename__ = "user_identities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_assertion: Mapped[str | None] = mapped_column(String(64), nullable=True)

    __table_args__ = (UniqueConstraint("issuer", "subject"),)


# Sign-in sessions, throttling and second factors (migration 0004, AUTH work) live in their own module.
from novamind_core.db import models_auth as _models_auth  # noqa: E402,F401  (registers the tables on Base)

# Structured risk reviews and safety plans (migration 0008, RISK work) live in their own module.
from novamind_core.db import models_risk as _models_risk  # noqa: E402,F401  (registers the tables on Base)
