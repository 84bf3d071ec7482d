"""Audit log: query with filters and verify the hash chain (admins; READ_AUDIT)."""

from __future__ import annotations

from datetime import datetime

from novamind_core.domain.administration import AuditFilter
from novamind_core.domain.records import AuditEntry
from novamind_core.domain.users import Permission, User
from novamind_core.security.audit import AuditAction, ChainVerification
from novamind_core.services.base import BaseService

MAX_QUERY_ROWS = 1000
"""Most events one query returns (the viewer shows 200; the CSV export allows more)."""


class AuditService(BaseService):
    def query(self, user: User, *, action: str | None = None, user_id: int | None = None,
              patient_id: int | None = None, outcome: str | None = None, since: datetime | None = None,
              until: datetime | None = None, limit: int = 100, offset: int = 0) -> tuple[AuditEntry, ...]:
        """Newest first. Rows carry ids, never PHI."""
        where = AuditFilter(action, user_id, patient_id, outcome, since, until)
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.READ_AUDIT, AuditAction.AUDIT_READ)
            rows = tuple(uow.audit.query(where, limit=max(1, min(limit, MAX_QUERY_ROWS)), offset=max(0, offset)))
            self._audit(uow, actor, AuditAction.AUDIT_READ, detail=f"rows={len(rows)}")
            uow.commit()
            return rows

    def verify(self, user: User) -> ChainVerification:
        """Walk the chain from the genesis hash up to the head read when verification began (rows written
        meanwhile are left for the next run); the result names the first broken row."""
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.READ_AUDIT, AuditAction.AUDIT_VERIFY)
            result = uow.audit.verify()
            self._audit(uow, actor, AuditAction.AUDIT_VERIFY, outcome="success" if result.ok else "failure",
                        detail=result.describe()[:200])
            uow.commit()
            return result
