"""Fake outbox repository (in memory, same domain types in and out as ``novamind_core/db/repositories/outbox.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from novamind_core.domain.errors import NotFoundError
from novamind_core.domain.outbox import OutboxCounts, OutboxEntry, OutboxItem, OutboxKind, OutboxStatus
from novamind_core.domain.reporting import Channel, OutgoingMessage

CLAIMABLE = (OutboxStatus.QUEUED, OutboxStatus.FAILED)


class FakeOutboxRepository:
    def __init__(self) -> None:
        self.items: dict[int, OutboxItem] = {}
        self.next_id = 1

    def enqueue(self, kind: OutboxKind | str, channel: Channel | str, idempotency_key: str, patient_id: int | None,
                request_id: int | None, recipient_user_id: int | None, message: OutgoingMessage,
                now: datetime) -> int:
        for item in self.items.values():
            if item.idempotency_key == idempotency_key:
                return item.id
        item = OutboxItem(id=self.next_id, kind=OutboxKind(kind), channel=Channel(channel),
                          idempotency_key=idempotency_key, patient_id=patient_id, request_id=request_id,
                          recipient_user_id=recipient_user_id, message=message, status=OutboxStatus.QUEUED,
                          attempts=0, next_attempt_at=now, created_at=now)
        self.items[item.id] = item
        self.next_id += 1
        return item.id

    def claim(self, now: datetime, worker_id: str, limit: int, lease_seconds: float) -> tuple[OutboxItem, ...]:
        due = sorted((i for i in self.items.values() if i.status in CLAIMABLE and i.next_attempt_at <= now),
                     key=lambda i: (i.next_attempt_at, i.id))[:limit]
        out = []
        for item in due:
            claimed = replace(item, status=OutboxStatus.SENDING, claimed_by=worker_id,
                              claimed_until=now + timedelta(seconds=lease_seconds), attempts=item.attempts + 1)
            self.items[item.id] = claimed
            out.append(claimed)
        return tuple(out)

    def mark_sent(self, outbox_id: int, now: datetime) -> bool:
        item = self.items[outbox_id]
        if item.status is not OutboxStatus.SENDING:
            return False
        self.items[outbox_id] = replace(item, status=OutboxStatus.SENT, sent_at=now, claimed_by=None,
                                        claimed_until=None, last_error=None)
        return True

    def mark_failed(self, outbox_id: int, now: datetime, reason: str, next_attempt_at: datetime | None) -> bool:
        item = self.items[outbox_id]
        if item.status is not OutboxStatus.SENDING:
            return False
        dead = next_attempt_at is None
        self.items[outbox_id] = replace(item, status=OutboxStatus.DEAD if dead else OutboxStatus.FAILED,
                                        next_attempt_at=now if dead else next_attempt_at, claimed_by=None,
                                        claimed_until=None, last_error=reason[:300])
        return True

    def release_expired(self, now: datetime) -> int:
        n = 0
        for item in list(self.items.values()):
            if item.status is OutboxStatus.SENDING and item.claimed_until is not None and item.claimed_until < now:
                self.items[item.id] = replace(item, status=OutboxStatus.QUEUED, claimed_by=None, claimed_until=None,
                                              next_attempt_at=now,
                                              last_error="the worker stopped before recording the outcome")
                n += 1
        return n

    def release(self, outbox_ids: Sequence[int]) -> int:
        n = 0
        for outbox_id in outbox_ids:
            item = self.items[outbox_id]
            if item.status is OutboxStatus.SENDING:
                self.items[outbox_id] = replace(item, status=OutboxStatus.QUEUED, claimed_by=None,
                                                claimed_until=None, attempts=item.attempts - 1)
                n += 1
        return n

    def get(self, outbox_id: int) -> OutboxItem:
        if outbox_id not in self.items:
            raise NotFoundError(f"outbox message {outbox_id} does not exist")
        return self.items[outbox_id]

    def list(self, status: OutboxStatus | str | None = None, limit: int = 100) -> tuple[OutboxEntry, ...]:
        chosen = [i for i in sorted(self.items.values(), key=lambda i: -i.id)
                  if status is None or i.status is OutboxStatus(status)][:limit]
        return tuple(OutboxEntry(i.id, i.kind, i.channel, i.status, i.attempts, i.next_attempt_at, i.created_at,
                                 i.sent_at, i.last_error, i.patient_id, i.request_id) for i in chosen)

    def counts(self) -> OutboxCounts:
        found = {s.value: 0 for s in OutboxStatus}
        for item in self.items.values():
            found[item.status.value] += 1
        return OutboxCounts(**found)
