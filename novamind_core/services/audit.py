"""Audit log: query with filters and verify the hash chain (admins; READ_AUDIT)."""

from __future__ import annotations

from datetime import datetime

from novamind_core.domain.users import Permission, User
from novamind_core.security.audit import AuditAction, ChainVerification
from novamind_core.services.base import BaseService
from novamind_core.domain.records import AuditEntry


class AuditService(BaseService):
    def query(self, user: User, *, action: str | None = None, user_id: int | None = None,
              patient_id: int | None = None, outcome: str | None = None, since: datetime | None = None,
              until: datetime | None = None, limit: int = 100, offset: int = 0) -> tuple[AuditEntry, ...]:
        """Newest first. Rows carry ids, never PHI."""
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.READ_AUDIT, AuditAction.AUDIT_READ)
            rows = tuple(uow.audit.query(action=action, user_id=user_id, patient_id=patient_id, outcome=outcome,
                                         since=since, until=until, limit=max(1, min(limit, 1000)),
                                         offset=max(0, offset)))
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
