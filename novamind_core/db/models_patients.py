"""Tables of the chart: patients (PHI encrypted, blind-indexed for exact search), diagnoses, care teams, the
denormalised caseload summary, assessments, medication orders, drug levels, visits and alerts.

Structured clinical values (scores, drug, dose, ICD-10 codes) are stored in clear, linked to a patient only by id, so
that de-identified analytics can query them. Every name here is re-exported by :mod:`novamind_core.db.models`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column

from novamind_core.db.models_base import BIDX, Base
from novamind_core.db.types import EncryptedText, UTCDateTime


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
