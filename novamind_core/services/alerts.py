"""Alerts: list (open first, item 9 first) and acknowledge (records who and when).

An item-9 (thoughts of self-harm) alert is not acknowledged with a click: it closes only through a documented risk
review (:class:`novamind_core.services.risk_reviews.RiskReviewService.complete`), and ``acknowledge`` refuses it.
"""

from __future__ import annotations

from novamind_core.domain.alerts import Alert, AlertKind, sort_alerts
from novamind_core.domain.errors import NotFoundError, ValidationError
from novamind_core.domain.patients import PatientStatus
from novamind_core.domain.users import Permission, User
from novamind_core.domain.visits import is_overdue
from novamind_core.services.base import BaseService
from novamind_core.services.charts import overdue_alert

ALERT_READ = "alert.read"
ALERT_ACKNOWLEDGE = "alert.acknowledge"


class AlertService(BaseService):
    def list_for_patient(self, user: User, patient_id: int, include_acknowledged: bool = True) -> tuple[Alert, ...]:
        """Stored alerts plus, when assessments are overdue, a computed overdue alert (``id`` None); in the order
        of :func:`~novamind_core.domain.alerts.sort_alerts` (open first, item 9 first)."""
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, ALERT_READ)
            alerts = list(uow.alerts.list(patient_id, include_acknowledged))
            summary = uow.patients.summary(patient_id)
            today = self.ctx.today()
            if uow.patients.status(patient_id) is PatientStatus.ACTIVE and is_overdue(
                    today, summary.last_assessed_on, summary.next_assessment_due,
                    self.ctx.settings.overdue_assessment_days, summary.registered_on):
                alerts.append(overdue_alert(patient_id, summary, self.ctx.now(), today))
            self._audit(uow, actor, ALERT_READ, patient_id=patient_id)
            uow.commit()
            return tuple(sort_alerts(alerts))

    def acknowledge(self, user: User, alert_id: int) -> Alert:
        """Record that ``user`` has seen the alert (ConflictError when someone already acknowledged it).

        Refuses an item-9 alert (ValidationError): that one closes only through a risk review.
        """
        with self._tx() as uow:
            patient_id = uow.patients.id_for("alert", alert_id)
            if patient_id is None:
                raise NotFoundError(f"alert {alert_id} does not exist")
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, ALERT_ACKNOWLEDGE)
            if any(a.id == alert_id and a.kind is AlertKind.ITEM9 for a in uow.alerts.list(patient_id)):
                raise ValidationError("a self-harm item alert closes only through a risk review: open the review, "
                                      "document it, and the alert closes with it", field="alert", value=alert_id)
            alert = uow.alerts.acknowledge(alert_id, actor.id, self.ctx.now())
            self._audit(uow, actor, ALERT_ACKNOWLEDGE, patient_id=patient_id, detail=f"alert {alert_id}")
            uow.commit()
            return alert
