"""Append-only audit log chained by SHA-256 (:func:`novamind_core.security.audit.chain_hash`).

Appends are serialised through the one-row ``audit_head`` table: on PostgreSQL it is read ``FOR UPDATE``, so two
transactions cannot both extend the chain from the same hash; on SQLite the engine begins every transaction with
``BEGIN IMMEDIATE`` (single writer).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from novamind_core.db.models import AuditHeadRow, AuditRow
from novamind_core.security.audit import GENESIS_HASH, AuditRecord, ChainVerification, chain_hash, verify_chain
from novamind_core.services.records import AuditEntry


class AuditRepository:
    def __init__(self, session: Session):
        self.session = session

    def append(self, record: AuditRecord) -> str:
        head = self.session.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1).with_for_update()).scalar_one()
        digest = chain_hash(head.last_hash, record)
        row = AuditRow(at=record.at, user_id=record.user_id, username=record.username, role=str(record.role),
                       action=record.action, patient_id=record.patient_id, outcome=record.outcome,
                       detail=record.detail, prev_hash=head.last_hash, hash=digest)
        self.session.add(row)
        self.session.flush()
        head.last_id = row.id
        head.last_hash = digest
        return digest

    @staticmethod
    def _record(row: AuditRow) -> AuditRecord:
        return AuditRecord(row.at, row.user_id, row.username, row.role, row.action, row.patient_id, row.outcome,
                           row.detail)

    def _rows(self, batch_size: int = 5000) -> Iterator[tuple[int, AuditRecord, str, str]]:
        last = 0
        while True:
            rows = list(self.session.scalars(select(AuditRow).where(AuditRow.id > last).order_by(AuditRow.id)
                                             .limit(batch_size)))
            if not rows:
                return
            for r in rows:
                yield r.id, self._record(r), r.prev_hash, r.hash
            last = rows[-1].id
            self.session.expunge_all()

    def verify(self) -> ChainVerification:
        """Walk the whole chain, then check that the head still points at the last row (a deleted tail shows)."""
        result = verify_chain(self._rows())
        if not result.ok:
            return result
        head = self.session.get(AuditHeadRow, 1)
        last_id = self.session.scalar(select(AuditRow.id).order_by(AuditRow.id.desc()).limit(1))
        if head is not None and (head.last_hash != result.last_hash or head.last_id != last_id):
            return ChainVerification(False, result.checked, last_id,
                                     "the chain head does not match the last row (rows at the end were deleted "
                                     "or the head was altered)", result.last_hash)
        return result

    def query(self, *, action: str | None = None, user_id: int | None = None, patient_id: int | None = None,
              outcome: str | None = None, since: datetime | None = None, until: datetime | None = None,
              limit: int = 100, offset: int = 0) -> list[AuditEntry]:
        stmt = select(AuditRow)
        if action:
            stmt = stmt.where(AuditRow.action == action)
        if user_id is not None:
            stmt = stmt.where(AuditRow.user_id == user_id)
        if patient_id is not None:
            stmt = stmt.where(AuditRow.patient_id == patient_id)
        if outcome:
            stmt = stmt.where(AuditRow.outcome == outcome)
        if since is not None:
            stmt = stmt.where(AuditRow.at >= since)
        if until is not None:
            stmt = stmt.where(AuditRow.at < until)
        stmt = stmt.order_by(AuditRow.id.desc()).limit(limit).offset(offset)
        return [AuditEntry(r.id, r.at, r.user_id, r.username, r.role, r.action, r.patient_id, r.outcome, r.detail)
                for r in self.session.scalars(stmt)]


__all__ = ["GENESIS_HASH", "AuditRepository"]
