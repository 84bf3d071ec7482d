"""Tables of the structured risk review (migration 0008): one row per completed review, and the safety plan it wrote.

The clinical words (screener answers, formulation, action taken, the safety plan) are encrypted at the column type;
the levels and dates stay in clear, like an assessment's severity, so a caseload can find reviews due for follow-up.
Every name here is re-exported by :mod:`novamind_core.db.models`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from novamind_core.db.models_base import Base
from novamind_core.db.types import EncryptedJSON, UTCDateTime


class RiskReviewRow(Base):
    __tablename__ = "risk_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"), nullable=True)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cssrs_level: Mapped[str] = mapped_column(String(12))
    risk_level: Mapped[str] = mapped_column(String(12))
    follow_up_on: Mapped[date] = mapped_column(Date)
    content: Mapped[dict] = mapped_column(EncryptedJSON)  # {"cssrs_answers", "formulation", "action_taken"}

    __table_args__ = (Index("ix_risk_reviews_patient_reviewed", "patient_id", "reviewed_at"),)


class SafetyPlanRow(Base):
    __tablename__ = "safety_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    review_id: Mapped[int | None] = mapped_column(ForeignKey("risk_reviews.id", ondelete="CASCADE"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    plan: Mapped[dict] = mapped_column(EncryptedJSON)  # {step key: [entries]} (domain.risk.SAFETY_PLAN_STEPS)

    __table_args__ = (Index("ix_safety_plans_patient_created", "patient_id", "created_at"),)
