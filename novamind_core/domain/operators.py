"""Operators' personal API tokens (standard library only): scopes, what is stored, what is shown once.

A token is ``nmt_`` followed by 43 url-safe characters (32 random bytes). Only its SHA-256 is stored (a random
256-bit secret needs no slow hash: guessing it is infeasible), with a short prefix so people can tell their tokens
apart. A command-line call presents the token (``NOVAMIND_API_TOKEN`` or ``--token-file``), never on the command
line itself, where any local user could read it in the process list.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

TOKEN_PREFIX = "nmt_"
MAX_TOKEN_DAYS = 365
DEFAULT_TOKEN_DAYS = 90


class TokenScope:
    """What a token may be used for (stored strings; never rename one)."""

    PHI_READ = "phi:read"  # open identifiable data: simulate a patient, show a measurement plan, outcome figures
    PHI_WRITE = "phi:write"  # imports, measurement plans and questionnaire requests
    PHI_EXPORT = "phi:export"  # identifiable data leaves the system: FHIR export, billing export
    ADMIN = "admin"  # manage tokens

    @classmethod
    def all(cls) -> tuple[str, ...]:
        return (cls.PHI_READ, cls.PHI_WRITE, cls.PHI_EXPORT, cls.ADMIN)


def token_digest(token: str) -> str:
    """SHA-256 hex of the token text: what the database stores and looks tokens up by."""
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class OperatorToken:
    """One stored token as an admin sees it (never the token itself)."""

    id: int
    user_id: int
    username: str
    name: str
    prefix: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
    created_by: int | None = None

    def state(self, now: datetime) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "active"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token: ``token`` is shown once to the admin who made it and is not stored anywhere."""

    info: OperatorToken
    token: str = field(repr=False)
