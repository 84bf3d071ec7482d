"""Append-only audit log chained by SHA-256 (:func:`novamind_core.security.audit.chain_hash`).

Appends are serialised through the one-row ``audit_head`` table: on PostgreSQL it is read ``FOR UPDATE``, so two
transactions cannot both extend the chain from the same hash; on SQLite the engine begins every transaction with
``BEGIN IMMEDIATE`` (single writer).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from novamind_core.db.models import AuditHeadRow, AuditRow
from novamind_core.domain.administration import AuditFilter, ChainedAuditEntry
from novamind_core.domain.records import AuditEntry
from novamind_core.security.audit import GENESIS_HASH, AuditRecord, ChainVerification, chain_hash, verify_chain


class AuditRepository:
    """``channel``: the door of the process writing (web, cli, worker), stamped on every record that names none."""

    def __init__(self, session: Session, channel: str = "web"):
        self.session = session
        self.channel = channel

    def append(self, record: AuditRecord) -> str:
        if not record.channel:
            record = dataclasses.replace(record, channel=self.channel)
        head = self.session.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1).with_for_update()).scalar_one()
        digest = chain_hash(head.last_hash, record)
        row = AuditRow(at=record.at, user_id=record.user_id, username=record.username, role=str(record.role),
                       action=record.action, patient_id=record.patient_id, outcome=record.outcome,
                       detail=record.detail, prev_hash=head.last_hash, hash=digest, channel=record.channel)
        self.session.add(row)
        self.session.flush()
        head.last_id = row.id
        head.last_hash = digest
        return digest

    @staticmethod
    def _record(row: AuditRow) -> AuditRecord:
        return AuditRecord(row.at, row.user_id, row.username, row.role, row.action, row.patient_id, row.outcome,
                           row.detail, row.channel or "")

    def _rows(self, batch_size: int = 5000, *, upto: int | None = None) -> Iterator[tuple[int, AuditRecord, str, str]]:
        """Rows in id order, ``batch_size`` at a time; with ``upto``, only rows with ``id <= upto``."""
        last = 0
        while True:
            stmt = select(AuditRow).where(AuditRow.id > last)
            if upto is not None:
                stmt = stmt.where(AuditRow.id <= upto)
            rows = list(self.session.scalars(stmt.order_by(AuditRow.id).limit(batch_size)))
            if not rows:
                return
            for r in rows:
                yield r.id, self._record(r), r.prev_hash, r.hash
            last = rows[-1].id
            self.session.expunge_all()

    def _head(self) -> tuple[int | None, str, int | None] | None:
        """``(head.last_id, head.last_hash, first row id after the head or None)``, or None without a head row.

        One SELECT, hence one snapshot even under PostgreSQL's READ COMMITTED: an append inserts its row and moves
        the head in the same transaction, so in that snapshot no committed row lies after the head unless a row was
        written outside :meth:`append` (or the head was moved back).
        """
        stray = (select(func.min(AuditRow.id))
                 .where(AuditRow.id > func.coalesce(AuditHeadRow.last_id, 0))
                 .correlate(AuditHeadRow).scalar_subquery())
        row = self.session.execute(select(AuditHeadRow.last_id, AuditHeadRow.last_hash, stray)
                                   .where(AuditHeadRow.id == 1)).one_or_none()
        return None if row is None else (row[0], row[1], row[2])

    def verify(self) -> ChainVerification:
        """Verify the chain up to the head as it stood when verification began.

        The head (``audit_head``: last id and hash) is read first; the walk then covers only rows with
        ``id <= head.last_id`` and must end on exactly that row with exactly the head's hash. Rows that other users
        append while the walk runs lie after that head and are left for the next verification, so concurrent
        writers cannot produce a false "tampering" report. A deleted tail (the head names a missing row or another
        hash), an altered head, or a row after the head that the head does not know of are reported as broken.
        """
        head = self._head()
        if head is None:  # no head row (a database older than the head table): walk everything
            return verify_chain(self._rows())
        head_id, head_hash, stray_id = head
        if stray_id is not None:
            return ChainVerification(False, 0, stray_id,
                                     "a row lies after the chain head (it was added outside the application "
                                     "or the head was altered)", GENESIS_HASH)
        last_walked: int | None = None

        def upto_head() -> Iterator[tuple[int, AuditRecord, str, str]]:
            nonlocal last_walked
            for item in self._rows(upto=head_id if head_id is not None else 0):
                last_walked = item[0]
                yield item

        result = verify_chain(upto_head())
        if not result.ok:
            return result
        if result.last_hash != head_hash or last_walked != head_id:
            return ChainVerification(False, result.checked, head_id if head_id is not None else last_walked,
                                     "the chain head does not match the last row (rows at the end were deleted "
                                     "or the head was altered)", result.last_hash)
        return result

    def _filtered(self, where: AuditFilter) -> Select[tuple[AuditRow]]:
        stmt = select(AuditRow)
        for column, value in ((AuditRow.action, where.action), (AuditRow.user_id, where.user_id),
                              (AuditRow.patient_id, where.patient_id), (AuditRow.outcome, where.outcome)):
            if value not in (None, ""):
                stmt = stmt.where(column == value)
        if where.since is not None:
            stmt = stmt.where(AuditRow.at >= where.since)
        if where.until is not None:
            stmt = stmt.where(AuditRow.at < where.until)
        return stmt.order_by(AuditRow.id.desc())

    def query(self, where: AuditFilter, *, limit: int = 100, offset: int = 0) -> list[AuditEntry]:
        """The events matching ``where``, newest first."""
        return [_entry(r) for r in self.session.scalars(self._filtered(where).limit(limit).offset(offset))]

    def export(self, where: AuditFilter, *, limit: int) -> list[ChainedAuditEntry]:
        """The events matching ``where``, newest first, each with its hash links."""
        return [ChainedAuditEntry(_entry(r), r.prev_hash, r.hash)
                for r in self.session.scalars(self._filtered(where).limit(limit))]


def _entry(r: AuditRow) -> AuditEntry:
    return AuditEntry(r.id, r.at, r.user_id, r.username, r.role, r.action, r.patient_id, r.outcome, r.detail,
                      r.channel or "")

__all__ = ["GENESIS_HASH", "AuditRepository"]
