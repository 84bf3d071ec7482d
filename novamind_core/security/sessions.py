"""Opaque session secrets: generation, hashing at rest, and the signed second-factor challenge.

A session secret is 32 random bytes (256 bits, ``secrets.token_urlsafe``), well above the 128 bits OWASP's Session
Management Cheat Sheet asks for. The database stores only its SHA-256 hex digest, so a read of the ``user_sessions``
table (a backup, a replica, an SQL injection) yields nothing that signs anyone in. A plain (unsalted) hash is enough
for a uniformly random 256-bit secret: there is no dictionary to attack.

The same helpers make the one-time hand-off token that the browser exchanges for the HttpOnly cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SECRET_BYTES = 32
"""Random bytes in a session secret or a hand-off token (256 bits)."""

MAX_TOKEN_CHARS = 128
"""Longest token text accepted from a browser (a 32-byte url-safe token is 43 characters)."""


def new_secret() -> str:
    """A fresh url-safe random secret (43 characters, 256 bits)."""
    return secrets.token_urlsafe(SECRET_BYTES)


def secret_hash(secret: str) -> str:
    """SHA-256 hex digest of a secret: what the database stores and looks up."""
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def well_formed(token: object) -> bool:
    """Whether ``token`` looks like one of our secrets (url-safe text of sane length) before any lookup."""
    if not isinstance(token, str) or not 20 <= len(token) <= MAX_TOKEN_CHARS:
        return False
    return all(c.isascii() and (c.isalnum() or c in "-_") for c in token)


def sign_challenge(user_id: int, key: str, ttl_s: int = 300, *, now: float | None = None) -> str:
    """A short-lived proof that ``user_id`` passed the password step: ``"<id>.<expiry>.<hmac>"`` (HMAC-SHA256 with
    ``key``). The second-factor step accepts it only until the expiry."""
    expiry = int((time.time() if now is None else now) + ttl_s)
    body = f"{int(user_id)}.{expiry}"
    mac = hmac.new(key.encode("utf-8"), b"2fa:" + body.encode("ascii"), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def open_challenge(challenge: str, key: str, *, now: float | None = None) -> int | None:
    """The user id inside a valid, unexpired challenge from :func:`sign_challenge`, else None."""
    try:
        uid, expiry, mac = str(challenge).split(".")
        body = f"{int(uid)}.{int(expiry)}"
    except (ValueError, TypeError):
        return None
    good = hmac.new(key.encode("utf-8"), b"2fa:" + body.encode("ascii"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(good, mac) or int(expiry) < (time.time() if now is None else now):
        return None
    return int(uid)
