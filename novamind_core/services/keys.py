"""Key management: re-encrypt every encrypted value under the newest key (``rotate-keys``)."""

from __future__ import annotations

from collections.abc import Callable

from novamind_core.db.rotation import rotate_all
from novamind_core.domain.errors import ValidationError
from novamind_core.domain.users import Permission, User
from novamind_core.security.audit import AuditAction
from novamind_core.services.base import BaseService
from novamind_core.domain.records import RotationReport


class KeyService(BaseService):
    def rotate(self, user: User, batch_size: int = 500,
               on_batch: Callable[[str, int], None] | None = None) -> RotationReport:
        """Re-encrypt under ``NOVAMIND_ENCRYPTION_KEYS[0]`` in batches of ``batch_size`` rows (each batch its own
        transaction). Resumable and idempotent: values already under the newest key are skipped. Once it reports
        ``complete``, older keys can be removed from the settings."""
        if not isinstance(batch_size, int) or not 1 <= batch_size <= 100_000:
            raise ValidationError("batch size must be 1-100000", field="batch_size", value=batch_size)
        with self._tx() as uow:
            self._authorize(uow, user, Permission.MANAGE_KEYS, AuditAction.KEYS_ROTATE)
        per_table: dict[str, int] = {}
        rows = rotated = current = 0
        for table, counts in rotate_all(self.ctx.engine, self.ctx.cipher, batch_size, on_batch):
            per_table[table] = counts.rotated
            rows += counts.rows
            rotated += counts.rotated
            current += counts.current
        report = RotationReport(rows, rotated, current, per_table, complete=True)
        with self._tx() as uow:
            actor = self._fresh(uow, user)
            self._audit(uow, actor, AuditAction.KEYS_ROTATE,
                        detail=f"rows={rows} rotated={rotated} already_current={current} "
                               f"keys={self.ctx.cipher.key_count}")
            uow.commit()
        return report
