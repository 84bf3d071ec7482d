"""Tables of the audit log: the append-only, hash-chained rows and the one head row that serialises appends.

Every name here is re-exported by :mod:`novamind_core.db.models`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from novamind_core.db.models_base import Base
from novamind_core.db.types import UTCDateTime


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
