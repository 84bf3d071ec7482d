"""Password hashing (bcrypt) and the password policy.

bcrypt (Provos & Mazières 1999) is a deliberately slow, salted hash; the work factor doubles the cost per step.
:data:`DEFAULT_ROUNDS` = 12 costs about 0.3 s per hash on this project's machines (docs/development.md), above the
OWASP Password Storage Cheat Sheet minimum of 10. bcrypt reads at most 72 bytes of a password, so longer
passwords are refused rather than silently truncated.

Policy (:func:`validate_new_password`): at least :data:`MIN_PASSWORD_LENGTH` characters (NIST SP 800-63B §5.1.1.2
requires at least 8 and recommends allowing long passphrases), at most 72 UTF-8 bytes, not only whitespace, not
the username, and never one of the published demo passwords.
"""

from __future__ import annotations

import bcrypt

from novamind_core.domain.errors import ValidationError

DEFAULT_ROUNDS = 12
"""bcrypt cost factor (2**12 iterations of the key schedule); OWASP minimum is 10."""

MIN_PASSWORD_LENGTH = 12
"""Minimum password length in characters (NIST SP 800-63B allows 8; a passphrase of 12+ is our policy)."""

MAX_PASSWORD_BYTES = 72
"""bcrypt ignores bytes beyond the 72nd; longer passwords are refused."""

DEMO_CREDENTIALS: dict[str, str] = {
    "demo.clinician": "demo-clinician-2024",
    "demo.clinician2": "demo-clinician2-2024",
    "demo.clinician3": "demo-clinician3-2024",
    "demo.analyst": "demo-analyst-2024",
    "demo.admin": "demo-admin-2024",
    "demo.lead": "demo-lead-2024",
}
"""Demo sign-ins (username -> password) printed by ``make run`` and the README. Development and testing only:
production refuses to start while demo users are enabled, and no user may choose one of these passwords."""

DEMO_PASSWORDS: frozenset[str] = frozenset(DEMO_CREDENTIALS.values())
"""Published demo passwords; refused by :func:`validate_new_password` and flagged in production."""


def _encode(password: str) -> bytes:
    if not isinstance(password, str):
        raise ValidationError("password must be text", field="password")
    return password.encode("utf-8")


def hash_password(password: str, rounds: int = DEFAULT_ROUNDS) -> str:
    """Return the bcrypt hash (``$2b$<rounds>$<salt+hash>``, 60 characters) of ``password``.

    Parameters
    ----------
    password : str
        The password; at most 72 UTF-8 bytes.
    rounds : int
        bcrypt cost factor, 4-31 (tests may use 4 for speed).

    Raises
    ------
    ValidationError
        The password is empty or longer than 72 bytes.
    """
    raw = _encode(password)
    if not raw:
        raise ValidationError("password must not be empty", field="password")
    if len(raw) > MAX_PASSWORD_BYTES:
        raise ValidationError(
            f"password is too long: at most {MAX_PASSWORD_BYTES} bytes (bcrypt ignores the rest)", field="password"
        )
    return bcrypt.hashpw(raw, bcrypt.gensalt(rounds=rounds)).decode("ascii")


def verify_password(password: str, hashed: str | None) -> bool:
    """Whether ``password`` matches the bcrypt ``hashed`` value (constant-time compare inside bcrypt).

    Returns False (never raises) for a missing or malformed hash, a non-text or over-long password.
    """
    if not hashed or not isinstance(password, str):
        return False
    raw = password.encode("utf-8")
    if not raw or len(raw) > MAX_PASSWORD_BYTES:
        return False
    try:
        return bcrypt.checkpw(raw, hashed.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return False


def is_demo_password(password: str) -> bool:
    """Whether ``password`` is one of the published :data:`DEMO_PASSWORDS`."""
    return password in DEMO_PASSWORDS


def validate_new_password(password: str, *, username: str | None = None, allow_demo: bool = False) -> None:
    """Check a password a user is about to set; raise ValidationError with the rule it breaks.

    Parameters
    ----------
    password : str
    username : str, optional
        The account's username; the password must not equal it (case-insensitive).
    allow_demo : bool
        Only the demo seed passes True (development/testing) to set the published demo passwords.
    """
    if not isinstance(password, str):
        raise ValidationError("password must be text", field="password")
    if not password.strip():
        raise ValidationError("password must not be empty or only spaces", field="password")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"password is too short: at least {MIN_PASSWORD_LENGTH} characters (got {len(password)})",
            field="password",
        )
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise ValidationError(f"password is too long: at most {MAX_PASSWORD_BYTES} bytes", field="password")
    if username and password.strip().casefold() == username.strip().casefold():
        raise ValidationError("password must not be the same as the username", field="password")
    if not allow_demo and is_demo_password(password):
        raise ValidationError("password is a published demo password; choose another", field="password")
