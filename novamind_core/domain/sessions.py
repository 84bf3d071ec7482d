"""Server-side sign-in sessions, sign-in throttling and second factors: the records the services pass around.

Standard library only. A session is named to the browser by an opaque random secret (the cookie) that the database
stores only as a SHA-256 hash; every record here carries the database id, never the secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class SessionChannel(StrEnum):
    """How a session was opened (recorded on the session row and in the audit)."""

    WEB = "web"  # local account: password (+ TOTP when enrolled) in the sign-in form
    SSO = "sso"  # OpenID Connect ("Sign in with your organisation")
    CLI = "cli"  # an operator's interactive sign-in at the command line


class RevokeReason(StrEnum):
    """Why a session ended before its expiry (``user_sessions.revoked_reason``)."""

    SIGN_OUT = "sign out"
    IDLE = "idle timeout"
    PASSWORD_CHANGED = "password changed"
    DEACTIVATED = "account deactivated"
    ADMIN = "revoked by an administrator"
    PATIENT_ROUTE = "patient page opened"
    ROLE_CHANGED = "role changed"


@dataclass(frozen=True)
class SessionRecord:
    """One stored session (no secret): what validation and the Admin page read."""

    id: int
    user_id: int
    username: str
    channel: str
    created_at: datetime
    last_seen_at: datetime
    idle_expires_at: datetime
    absolute_expires_at: datetime
    revoked_at: datetime | None = None
    revoked_reason: str | None = None

    def is_live(self, now: datetime) -> bool:
        """Not revoked, not idle past ``idle_expires_at``, not past ``absolute_expires_at``."""
        return self.revoked_at is None and now < self.idle_expires_at and now < self.absolute_expires_at

    def why_not_live(self, now: datetime) -> str | None:
        """The reason this session no longer signs anyone in (None while it is live)."""
        if self.revoked_at is not None:
            return self.revoked_reason or "revoked"
        if now >= self.absolute_expires_at:
            return "absolute expiry"
        if now >= self.idle_expires_at:
            return "idle timeout"
        return None


@dataclass(frozen=True)
class SessionGrant:
    """A session just opened: its id (kept server-side in the Streamlit session) and the one-time hand-off token
    the browser exchanges at the session endpoint for the HttpOnly cookie (valid for ``handoff_seconds``)."""

    session_id: int
    handoff_token: str = field(repr=False)
    handoff_expires_at: datetime


@dataclass(frozen=True)
class ThrottleState:
    """Failed sign-ins counted under one key (an account name hash, a client address hash, or both)."""

    key: str
    failures: int
    last_failure_at: datetime | None
    blocked_until: datetime | None

    def blocked(self, now: datetime) -> bool:
        return self.blocked_until is not None and self.blocked_until > now


@dataclass(frozen=True)
class SecondFactor:
    """A user's TOTP enrolment: the secret (decrypted; encrypted at rest), when it was confirmed, hashed recovery
    codes, and the last time step accepted (a code is never accepted twice)."""

    user_id: int
    secret: str = field(repr=False)
    confirmed_at: datetime | None
    recovery_code_hashes: tuple[str, ...] = field(repr=False, default=())
    last_step: int = -1

    @property
    def enabled(self) -> bool:
        return self.confirmed_at is not None


@dataclass(frozen=True)
class TotpEnrolment:
    """Shown once to the user enrolling: the base32 secret, its ``otpauth://`` URI (for a QR code) and the recovery
    codes in clear. Nothing here is stored in clear."""

    secret: str = field(repr=False)
    uri: str = field(repr=False)
    recovery_codes: tuple[str, ...] = field(repr=False)


@dataclass(frozen=True)
class SignInNotice:
    """What the user is told at their next sign-in: failed attempts since their last successful sign-in."""

    failed_attempts: int
    last_failure_at: datetime | None
