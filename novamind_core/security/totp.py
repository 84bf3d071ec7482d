"""Time-based one-time passwords (TOTP, RFC 6238) over HOTP (RFC 4226), and recovery codes.

``code = Truncate(HMAC-SHA1(K, T)) mod 10**6`` with ``T = floor(unix_time / 30)``: the defaults every authenticator
app uses (Google Authenticator, Microsoft Authenticator, FreeOTP). :func:`verify` accepts the current step and one
step either side (clock drift, RFC 6238 §5.2) and returns the step it matched, so the caller can refuse the same code
twice (replay). The tests check the RFC 6238 Appendix B vectors.

Recovery codes are ten random 10-character codes; only their SHA-256 hashes are stored and each works once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

STEP_S = 30
"""Time step in seconds (RFC 6238 default X = 30)."""
DIGITS = 6
"""Digits in a code."""
DRIFT_STEPS = 1
"""Steps accepted either side of the current one."""
RECOVERY_CODES = 10
"""Recovery codes issued at enrolment."""
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to read back from paper


def new_secret() -> str:
    """A random 160-bit secret, base32 without padding (the length RFC 4226 §4 recommends)."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    text = secret.strip().replace(" ", "").upper()
    return base64.b32decode(text + "=" * (-len(text) % 8))


def hotp(key: bytes, counter: int, digits: int = DIGITS, digest: str = "sha1") -> str:
    """RFC 4226 HOTP value of ``counter`` under raw ``key`` (dynamic truncation, §5.3)."""
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10 ** digits).zfill(digits)


def step_at(unix_time: float) -> int:
    return int(unix_time // STEP_S)


def code_at(secret: str, unix_time: float) -> str:
    """The code an authenticator app shows at ``unix_time`` for the base32 ``secret``."""
    return hotp(_key(secret), step_at(unix_time))


def verify(secret: str, code: str, unix_time: float | None = None, *, after_step: int = -1) -> int | None:
    """The time step ``code`` matches (current +/- :data:`DRIFT_STEPS`), or None.

    Steps at or before ``after_step`` (the last one accepted for this user) are refused: a code works once.
    """
    typed = "".join(str(code or "").split())
    if len(typed) != DIGITS or not typed.isdigit():
        return None
    now_step = step_at(time.time() if unix_time is None else unix_time)
    key = _key(secret)
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if step > after_step and hmac.compare_digest(hotp(key, step), typed):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str = "Novamind") -> str:
    """The ``otpauth://totp/...`` URI an authenticator app reads from a QR code (Key Uri Format)."""
    label = quote(f"{issuer}:{account}")
    return f"otpauth://totp/{label}?" + urlencode({"secret": secret, "issuer": issuer, "digits": DIGITS,
                                                   "period": STEP_S})


def new_recovery_codes(n: int = RECOVERY_CODES) -> tuple[str, ...]:
    """``n`` random recovery codes like ``k7m2q-x9pt4`` (about 49 bits each)."""
    def one() -> str:
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        return f"{raw[:5]}-{raw[5:]}"

    return tuple(one() for _ in range(n))


def recovery_code_hash(code: str) -> str:
    """SHA-256 hex of a recovery code as typed (case, spaces and dashes ignored)."""
    norm = "".join(ch for ch in str(code).lower() if ch.isalnum())
    return hashlib.sha256(("recovery:" + norm).encode("utf-8")).hexdigest()
