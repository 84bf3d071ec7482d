"""Tables of the sign-in work (migration 0004): server-side sessions, sign-in throttling, TOTP second factors.

Imported at the end of :mod:`novamind_core.db.models` so that ``Base.metadata`` holds them. Staff data, not PHI; the
TOTP secret is encrypted at rest (``EncryptedText``) and the session secrets, hand-off tokens and recovery codes are
stored only as SHA-256 hashes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from novamind_core.db.models import Base
from novamind_core.db.types import EncryptedText, UTCDateTime


class UserSessionRow(Base):
    """One sign-in session. The browser holds the secret (HttpOnly cookie); this row holds its hash and the clock."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    handoff_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    handoff_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    channel: Mapped[str] = mapped_column(String(8))  # domain.sessions.SessionChannel
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    idle_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    absolute_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)

    __table_args__ = (Index("ix_user_sessions_user_revoked", "user_id", "revoked_at"),)


class SignInThrottleRow(Base):
    """Failed sign-ins under one key ("acct:<hash>", "addr:<hash>", "pair:<hash>"), shared by every app process."""

    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class UserSecondFactorRow(Base):
    """A staff member's TOTP enrolment (confirmed once a first code matched) and hashed one-time recovery codes."""

    __tablename__ = "user_second_factors"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(EncryptedText)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    recovery_code_hashes: Mapped[str] = mapped_column(Text, default="")  # space-separated SHA-256 hex
    last_step: Mapped[int] = mapped_column(Integer, default=-1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
