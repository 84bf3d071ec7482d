"""Key management: re-encrypt every encrypted value under the newest key (``rotate-keys``)."""

from __future__ import annotations

from collections.abc import Callable

from novamind_core.domain.errors import ValidationError
from novamind_core.domain.records import RotationReport
from novamind_core.domain.users import Permission, User
from novamind_core.security.audit import AuditAction
from novamind_core.services.base import BaseService, ServiceContext
from novamind_core.services.ports import DatabaseMaintenance


class KeyService(BaseService):
    def __init__(self, ctx: ServiceContext, maintenance: DatabaseMaintenance):
        super().__init__(ctx)
        self.maintenance = maintenance

    def rotate(self, user: User, batch_size: int = 500,
               on_batch: Callable[[str, int], None] | None = None) -> RotationReport:
        """Re-encrypt under ``NOVAMIND_ENCRYPTION_KEYS[0]`` in batches of ``batch_size`` rows (each batch its own
        transaction). Resumable and idempotent: values already under the newest key are skipped. Once it reports
        ``complete``, older keys can be removed from the settings."""
        if not isinstance(batch_size, int) or not 1 <= batch_size <= 100_000:
            raise ValidationError("batch size must be 1-100000", field="batch_size", value=batch_size)
        with self._tx() as uow:
            self._authorize(uow, user, Permission.MANAGE_KEYS, AuditAction.KEYS_ROTATE)
        report = self.maintenance.rotate(batch_size, on_batch)
        with self._tx() as uow:
            actor = self._fresh(uow, user)
            self._audit(uow, actor, AuditAction.KEYS_ROTATE,
                        detail=f"rows={report.rows_examined} rotated={report.values_rotated} "
                               f"already_current={report.values_already_current} "
                               f"keys={self.maintenance.key_count}")
            uow.commit()
        return report
