"""Alerts: list (open first, item 9 first) and acknowledge (records who and when)."""

from __future__ import annotations

from sqlalchemy import select

from novamind_core.db.models import AlertRow
from novamind_core.domain.alerts import Alert
from novamind_core.domain.errors import ConflictError, NotFoundError
from novamind_core.domain.patients import PatientStatus
from novamind_core.domain.users import Permission, User
from novamind_core.domain.visits import is_overdue
from novamind_core.services.base import BaseService
from novamind_core.services.patients import overdue_alert

ALERT_READ = "alert.read"
ALERT_ACKNOWLEDGE = "alert.acknowledge"


class AlertService(BaseService):
    def list_for_patient(self, user: User, patient_id: int, include_acknowledged: bool = True) -> tuple[Alert, ...]:
        """Stored alerts plus, when assessments are overdue, a computed overdue alert (``id`` None)."""
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, ALERT_READ)
            alerts = uow.alerts.list(patient_id, include_acknowledged)
            summary = uow.patients.summary(patient_id)
            today = self.ctx.today()
            status = uow.patients.row(patient_id).status
            if status == PatientStatus.ACTIVE.value and is_overdue(
                    today, summary.last_assessed_on, summary.next_assessment_due,
                    self.ctx.settings.overdue_assessment_days, summary.registered_on):
                alerts.append(overdue_alert(patient_id, summary, self.ctx.now(), today))
            from novamind_core.db.repositories.clinical import sort_alerts

            self._audit(uow, actor, ALERT_READ, patient_id=patient_id)
            uow.commit()
            return tuple(sort_alerts(alerts))

    def acknowledge(self, user: User, alert_id: int) -> Alert:
        with self.ctx.uow() as probe:
            patient_id = probe.session.scalar(select(AlertRow.patient_id).where(AlertRow.id == alert_id))
        if patient_id is None:
            raise NotFoundError(f"alert {alert_id} does not exist")
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, ALERT_ACKNOWLEDGE)
            row = uow.alerts.row(alert_id)
            if row.acknowledged_at is not None:
                raise ConflictError(f"alert {alert_id} was already acknowledged")
            uow.alerts.acknowledge(alert_id, actor.id, self.ctx.now())
            uow.session.expire(row)
            uow.alerts.refresh_counts(uow.patients.summary(patient_id))
            self._audit(uow, actor, ALERT_ACKNOWLEDGE, patient_id=patient_id, detail=f"alert {alert_id}")
            alert = next(a for a in uow.alerts.list(patient_id) if a.id == alert_id)
            uow.commit()
            return alert
