"""The transactional outbox: what a queued message is, its states, the retry schedule and a transport's errors.

Standard library only. A message is written to the outbox in the same transaction that decides to send it (a new
questionnaire request, a reminder, an urgent alert); a worker later *claims* it, hands it to a transport (SMTP, an SMS
gateway) and marks it sent, or failed with a next attempt, or dead. Its ``idempotency_key`` is unique and travels as
the e-mail Message-ID (the SMS gateway's ``Idempotency-Key`` header), so a message sent twice by a worker that crashed
between sending and committing is recognisable downstream as the same message (docs/notifications.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from novamind_core.domain.reporting import Channel, OutgoingMessage

#: First retry after one minute, then 2, 4, 8 ... minutes, never more than two hours apart.
FIRST_RETRY_MINUTES = 1
MAX_RETRY_MINUTES = 120


class OutboxKind(str, Enum):
    """Why a message is sent. Stored: never rename a value."""

    INVITATION = "invitation"
    REMINDER = "reminder"
    URGENT_ALERT = "urgent_alert"
    DOB_LOCKED = "dob_locked"


class OutboxStatus(str, Enum):
    """Life of an outbox message. Stored: never rename a value."""

    QUEUED = "queued"  # waiting for its next attempt
    SENDING = "sending"  # claimed by a worker until ``claimed_until``
    SENT = "sent"
    FAILED = "failed"  # an attempt failed; another is scheduled at ``next_attempt_at``
    DEAD = "dead"  # a permanent error, or too many attempts: no more tries


@dataclass(frozen=True)
class OutboxItem:
    """One outbox message as a worker sees it (``message.to`` stays out of ``repr``)."""

    id: int
    kind: OutboxKind
    channel: Channel
    idempotency_key: str
    patient_id: int | None
    request_id: int | None
    recipient_user_id: int | None
    message: OutgoingMessage
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    claimed_by: str | None = None
    claimed_until: datetime | None = None
    sent_at: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class OutboxEntry:
    """An outbox message for an operator's list: no address and no body (``outbox list``)."""

    id: int
    kind: OutboxKind
    channel: Channel
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None
    patient_id: int | None
    request_id: int | None


@dataclass(frozen=True)
class DispatchReport:
    """What one dispatch pass did: messages sent, failed (to be retried) and dead (given up)."""

    claimed: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0


class DeliveryError(Exception):
    """A transport could not hand a message over. ``permanent``: retrying cannot help (a refused address, a 4xx
    from the SMS gateway); otherwise the worker retries with back-off. ``reason`` never holds an address or a body."""

    def __init__(self, reason: str, *, permanent: bool = False):
        super().__init__(reason)
        self.reason = reason[:300]
        self.permanent = permanent


def retry_delay(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failed tries: 1, 2, 4, 8 ... minutes, capped at two hours.

    >>> [int(retry_delay(n).total_seconds() // 60) for n in (1, 2, 3, 4, 8, 20)]
    [1, 2, 4, 8, 120, 120]
    """
    exponent = max(0, attempts - 1)
    minutes = MAX_RETRY_MINUTES if exponent >= 7 else min(MAX_RETRY_MINUTES, FIRST_RETRY_MINUTES * 2 ** exponent)
    return timedelta(minutes=minutes)


def next_attempt(attempts: int, now: datetime, max_attempts: int) -> datetime | None:
    """When to try again after ``attempts`` failed tries (None: give up, the message is dead)."""
    if attempts >= max_attempts:
        return None
    return now + retry_delay(attempts)


@dataclass(frozen=True)
class OutboxCounts:
    """How many outbox messages are in each state (``outbox list`` prints it; a dashboard may too)."""

    queued: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0

    @property
    def waiting(self) -> int:
        """Messages that still have to go out (queued, being sent, or failed and due to be retried)."""
        return self.queued + self.sending + self.failed
