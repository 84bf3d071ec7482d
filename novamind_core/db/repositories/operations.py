"""Counts and the audit stream for operations (metrics, log forwarding): no PHI column is ever selected.

Metrics read counts only (sessions, sign-ins, outbox by status, audit rows). The audit stream reads audit rows, which
hold ids, usernames, action names and PHI-free details by design (novamind_core/security/audit.py); nothing here
decrypts anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from novamind_core.db.models import AuditRow, OutboxRow
from novamind_core.security.audit import AuditAction

SIGN_IN_ACTIONS = (AuditAction.AUTH_SIGN_IN,)
FAILED_SIGN_IN_ACTIONS = (AuditAction.AUTH_SIGN_IN_FAILED, AuditAction.AUTH_LOCKED)


@dataclass(frozen=True, slots=True)
class OperationalCounts:
    """What the metrics endpoint shows. ``sessions_active`` is None before the server-side session table exists."""

    sessions_active: int | None
    sign_ins_total: int
    failed_sign_ins_total: int
    outbox_by_status: tuple[tuple[str, int], ...]
    audit_events_total: int


@dataclass(frozen=True, slots=True)
class AuditHead:
    """The newest audit row: its id, time and chain hash, and how many rows the chain holds."""

    id: int
    at: datetime
    hash: str
    rows: int


def _audit_columns() -> list[str]:
    return [c.key for c in inspect(AuditRow).column_attrs]


class OperationsRepository:
    def __init__(self, session: Session):
        self.session = session

    def _count_actions(self, actions: Iterable[str]) -> int:
        return int(self.session.scalar(select(func.count()).select_from(AuditRow)
                                       .where(AuditRow.action.in_(list(actions)))) or 0)

    def _sessions_active(self, now: datetime) -> int | None:
        try:
            from novamind_core.db.models_auth import UserSessionRow
        except ImportError:  # before server-side sessions exist
            return None
        return int(self.session.scalar(
            select(func.count()).select_from(UserSessionRow).where(
                UserSessionRow.revoked_at.is_(None), UserSessionRow.idle_expires_at > now,
                UserSessionRow.absolute_expires_at > now)) or 0)

    def counts(self, now: datetime) -> OperationalCounts:
        outbox = self.session.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status)).all()
        return OperationalCounts(
            sessions_active=self._sessions_active(now),
            sign_ins_total=self._count_actions(SIGN_IN_ACTIONS),
            failed_sign_ins_total=self._count_actions(FAILED_SIGN_IN_ACTIONS),
            outbox_by_status=tuple(sorted((str(s), int(n)) for s, n in outbox)),
            audit_events_total=int(self.session.scalar(select(func.count()).select_from(AuditRow)) or 0),
        )

    def audit_after(self, cursor: int, limit: int) -> list[dict[str, Any]]:
        """Audit rows with ``id > cursor`` in id order (at most ``limit``), each as a JSON-ready dict of every
        stored column (including ``prev_hash`` and ``hash``, so the receiver can check the chain)."""
        names = _audit_columns()
        rows = self.session.scalars(select(AuditRow).where(AuditRow.id > cursor).order_by(AuditRow.id).limit(limit))
        out = []
        for row in rows:
            item = {name: getattr(row, name) for name in names}
            item["at"] = row.at.isoformat()
            out.append(item)
        return out

    def audit_hash_at(self, audit_id: int) -> str | None:
        """The chain hash stored on row ``audit_id`` (None when there is no such row)."""
        return self.session.scalar(select(AuditRow.hash).where(AuditRow.id == audit_id))

    def audit_head(self) -> AuditHead | None:
        row = self.session.scalars(select(AuditRow).order_by(AuditRow.id.desc()).limit(1)).first()
        if row is None:
            return None
        total = int(self.session.scalar(select(func.count()).select_from(AuditRow)) or 0)
        return AuditHead(id=row.id, at=row.at, hash=row.hash, rows=total)
