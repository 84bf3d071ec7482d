"""The transactional outbox (``OutboxRow``): enqueue in the caller's transaction, claim, mark sent / failed / dead.

Several workers may run at once. On PostgreSQL a claim reads due rows ``FOR UPDATE SKIP LOCKED``: a row another
worker is claiming is skipped, not waited for, so two workers never claim the same message. On SQLite every
transaction begins ``BEGIN IMMEDIATE`` (novamind_core/db/engine.py): one writer at a time, so a plain select inside the
claim's transaction is enough. A claim sets status ``sending`` and a lease (``claimed_until``); a worker that dies
leaves its rows ``sending`` until :meth:`OutboxRepository.release_expired` puts them back in the queue.

The recipient and bodies are one encrypted JSON column (``message``); rows never leave this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from novamind_core.db.models import OutboxRow
from novamind_core.domain.errors import NotFoundError
from novamind_core.domain.outbox import OutboxCounts, OutboxEntry, OutboxItem, OutboxKind, OutboxStatus
from novamind_core.domain.reporting import Channel, OutgoingMessage

#: States a worker may claim (a failed message once its ``next_attempt_at`` has come).
CLAIMABLE = (OutboxStatus.QUEUED.value, OutboxStatus.FAILED.value)


class OutboxRepository:
    def __init__(self, session: Session):
        self.session = session

    # ------------------------------------------------------------------ writes
    def enqueue(self, kind: OutboxKind | str, channel: Channel | str, idempotency_key: str, patient_id: int | None,
                request_id: int | None, recipient_user_id: int | None, message: OutgoingMessage,
                now: datetime) -> int:
        """Queue ``message`` in the caller's transaction; the id of the new row, or of the row that already has
        ``idempotency_key`` (a second enqueue of the same purpose is a no-op, never an error)."""
        existing = self._id_for(idempotency_key)
        if existing is not None:
            return existing
        row = OutboxRow(kind=OutboxKind(kind).value, channel=Channel(channel).value, idempotency_key=idempotency_key,
                        patient_id=patient_id, request_id=request_id, recipient_user_id=recipient_user_id,
                        message=message.to_json(), status=OutboxStatus.QUEUED.value, attempts=0,
                        next_attempt_at=now, created_at=now)
        try:
            with self.session.begin_nested():  # a concurrent enqueue of the same key (PostgreSQL) loses cleanly
                self.session.add(row)
                self.session.flush()
        except IntegrityError:
            existing = self._id_for(idempotency_key)
            if existing is None:
                raise
            return existing
        return row.id

    def claim(self, now: datetime, worker_id: str, limit: int, lease_seconds: float) -> tuple[OutboxItem, ...]:
        """Claim up to ``limit`` due messages (oldest due first) for ``worker_id`` until ``now + lease_seconds``.

        Each claim counts as an attempt (so a message that crashes every worker that tries it still ends dead).
        The caller commits at once and sends outside the transaction.
        """
        stmt = (select(OutboxRow)
                .where(OutboxRow.status.in_(CLAIMABLE), OutboxRow.next_attempt_at <= now)
                .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
                .limit(limit))
        if self.session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        rows = list(self.session.scalars(stmt))
        until = now + timedelta(seconds=lease_seconds)
        for row in rows:
            row.status = OutboxStatus.SENDING.value
            row.claimed_by = worker_id[:64]
            row.claimed_until = until
            row.attempts = (row.attempts or 0) + 1
        self.session.flush()
        return tuple(self._item(r) for r in rows)

    def mark_sent(self, outbox_id: int, now: datetime) -> bool:
        """Record that the message was handed over. False when it was not being sent (already marked)."""
        result = self.session.execute(
            update(OutboxRow).where(OutboxRow.id == outbox_id, OutboxRow.status == OutboxStatus.SENDING.value)
            .values(status=OutboxStatus.SENT.value, sent_at=now, claimed_by=None, claimed_until=None,
                    last_error=None))
        return bool(result.rowcount)

    def mark_failed(self, outbox_id: int, now: datetime, reason: str, next_attempt_at: datetime | None) -> bool:
        """Record a failed attempt: retried at ``next_attempt_at``, or dead when it is None (no more tries)."""
        dead = next_attempt_at is None
        result = self.session.execute(
            update(OutboxRow).where(OutboxRow.id == outbox_id, OutboxRow.status == OutboxStatus.SENDING.value)
            .values(status=(OutboxStatus.DEAD if dead else OutboxStatus.FAILED).value,
                    next_attempt_at=now if dead else next_attempt_at, claimed_by=None, claimed_until=None,
                    last_error=reason[:300]))
        return bool(result.rowcount)

    def release_expired(self, now: datetime) -> int:
        """Put messages whose worker's lease ran out (the worker died mid-batch) back in the queue; how many."""
        result = self.session.execute(
            update(OutboxRow).where(OutboxRow.status == OutboxStatus.SENDING.value, OutboxRow.claimed_until < now)
            .values(status=OutboxStatus.QUEUED.value, claimed_by=None, claimed_until=None, next_attempt_at=now,
                    last_error="the worker stopped before recording the outcome"))
        return int(result.rowcount or 0)

    def release(self, outbox_ids: Sequence[int]) -> int:
        """Give back claimed messages a stopping worker did not try (their claim does not count as an attempt)."""
        if not outbox_ids:
            return 0
        result = self.session.execute(
            update(OutboxRow).where(OutboxRow.id.in_(list(outbox_ids)),
                                    OutboxRow.status == OutboxStatus.SENDING.value)
            .values(status=OutboxStatus.QUEUED.value, claimed_by=None, claimed_until=None,
                    attempts=OutboxRow.attempts - 1))
        return int(result.rowcount or 0)

    # ------------------------------------------------------------------ reads
    def get(self, outbox_id: int) -> OutboxItem:
        row = self.session.get(OutboxRow, outbox_id)
        if row is None:
            raise NotFoundError(f"outbox message {outbox_id} does not exist")
        return self._item(row)

    def list(self, status: OutboxStatus | str | None = None, limit: int = 100) -> tuple[OutboxEntry, ...]:
        """Newest first, without addresses or bodies (nothing is decrypted)."""
        R = OutboxRow
        stmt = select(R.id, R.kind, R.channel, R.status, R.attempts, R.next_attempt_at, R.created_at, R.sent_at,
                      R.last_error, R.patient_id, R.request_id)
        if status is not None:
            stmt = stmt.where(R.status == OutboxStatus(status).value)
        rows = self.session.execute(stmt.order_by(R.id.desc()).limit(limit))
        return tuple(OutboxEntry(id=r[0], kind=OutboxKind(r[1]), channel=Channel(r[2]), status=OutboxStatus(r[3]),
                                 attempts=r[4], next_attempt_at=r[5], created_at=r[6], sent_at=r[7],
                                 last_error=r[8], patient_id=r[9], request_id=r[10]) for r in rows)

    def counts(self) -> OutboxCounts:
        found = dict(self.session.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status)).all())
        return OutboxCounts(**{s.value: int(found.get(s.value, 0)) for s in OutboxStatus})

    # ------------------------------------------------------------------ helpers
    def _id_for(self, idempotency_key: str) -> int | None:
        return self.session.scalar(select(OutboxRow.id).where(OutboxRow.idempotency_key == idempotency_key))

    @staticmethod
    def _item(row: OutboxRow) -> OutboxItem:
        return OutboxItem(id=row.id, kind=OutboxKind(row.kind), channel=Channel(row.channel),
                          idempotency_key=row.idempotency_key, patient_id=row.patient_id, request_id=row.request_id,
                          recipient_user_id=row.recipient_user_id, message=OutgoingMessage.from_json(row.message),
                          status=OutboxStatus(row.status), attempts=row.attempts, next_attempt_at=row.next_attempt_at,
                          created_at=row.created_at, claimed_by=row.claimed_by, claimed_until=row.claimed_until,
                          sent_at=row.sent_at, last_error=row.last_error)
