"""Sign-in throttling policy: exponential back-off per account, per client address and per (account, address) pair.

Pure functions; the counters live in the ``sign_in_throttle`` table (shared by every app process).

Why back-off and not a hard lock: a hard lock after 5 guesses lets anyone lock any clinician out (issue 17, break 7).
Here failures from one address against one account back off fastest (after ``login_max_attempts`` failures: 30 s,
then 1, 2, 4 ... minutes, capped at ``lockout_minutes``); the account as a whole backs off only after four times as
many failures from anywhere and never for more than :data:`ACCOUNT_CAP_S` (5 minutes), so a distributed guesser is
slowed to a few guesses an hour while a clinician is never kept out for long; one address spraying many accounts
backs off after ten times as many failures (cap 1 hour). Failures older than :data:`DECAY_S` are forgotten. While a
key is backing off, attempts are refused with the same message and the same password-hash work as any other
failure, and they do not extend the back-off (an attacker cannot keep growing it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

BASE_S = 30
"""First back-off, seconds; each further failure doubles it."""
ACCOUNT_CAP_S = 300
"""Longest back-off of an account as a whole (seconds)."""
ADDRESS_CAP_S = 3600
"""Longest back-off of one client address (seconds)."""
ACCOUNT_FACTOR = 4
"""The account as a whole starts backing off after ``ACCOUNT_FACTOR * login_max_attempts`` failures."""
ADDRESS_FACTOR = 10
"""One address starts backing off after ``ADDRESS_FACTOR * login_max_attempts`` failures (any accounts)."""
DECAY_S = 3600
"""Failures older than this (since the last one) are forgotten."""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:32]


@dataclass(frozen=True)
class ThrottleKeys:
    """The three counters one attempt touches (hashes: no username or address is stored in clear)."""

    account: str
    address: str
    pair: str

    @classmethod
    def of(cls, username: str, address: str) -> ThrottleKeys:
        acct = _digest("user:" + (username or "").strip().lower()[:64])
        addr = _digest("addr:" + (address or "unknown")[:64])
        return cls(account=f"acct:{acct}", address=f"addr:{addr}", pair=f"pair:{acct}:{addr}")

    @staticmethod
    def pair_prefix(username: str) -> str:
        """Prefix of every pair key of one account (an administrator's unlock clears them all)."""
        return f"pair:{_digest('user:' + (username or '').strip().lower()[:64])}:"


@dataclass(frozen=True)
class Limits:
    free: int  # failures allowed before the first back-off
    cap_s: int


def limits(login_max_attempts: int, lockout_minutes: int) -> dict[str, Limits]:
    n = max(1, int(login_max_attempts))
    return {"pair": Limits(n, max(BASE_S, int(lockout_minutes) * 60)),
            "account": Limits(ACCOUNT_FACTOR * n, ACCOUNT_CAP_S),
            "address": Limits(ADDRESS_FACTOR * n, ADDRESS_CAP_S)}


def effective_failures(failures: int, last_failure_at: datetime | None, now: datetime) -> int:
    """Failures still counted at ``now`` (all of them, unless the last one is older than :data:`DECAY_S`)."""
    if last_failure_at is None or (now - last_failure_at).total_seconds() > DECAY_S:
        return 0
    return failures


def backoff_s(failures: int, limit: Limits) -> int:
    """Back-off after ``failures`` failures: 0 up to ``limit.free``, then 30 s doubling, capped."""
    if failures < limit.free:
        return 0
    return int(min(limit.cap_s, BASE_S * 2 ** min(failures - limit.free, 20)))


def blocked_until(failures: int, limit: Limits, now: datetime) -> datetime | None:
    seconds = backoff_s(failures, limit)
    return now + timedelta(seconds=seconds) if seconds else None
