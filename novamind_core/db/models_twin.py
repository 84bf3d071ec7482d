"""Tables of the wearable data and the digital twin: minute-level and daily wearable data, the twin's head and
snapshots, and saved scenarios (payloads encrypted at rest).

Every name here is re-exported by :mod:`novamind_core.db.models`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from novamind_core.db.models_base import Base
from novamind_core.db.types import EncryptedBytes, EncryptedJSON, EncryptedText, UTCDateTime


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
