"""Notifications: the worker's use cases over the transactional outbox (docs/notifications.md).

- :meth:`NotificationService.schedule_due`: each active plan whose scheduled date and send time have come gets its
  request, link token and invitation in ONE transaction (``plan_occurrence`` is unique: two workers never create the
  same request twice).
- :meth:`NotificationService.queue_reminders`: one reminder per request, ``reminder_after_hours`` after it was sent,
  if the patient has not opened it (a fresh link; the first one stops working).
- :meth:`NotificationService.expire_links`: open requests past their expiry become EXPIRED.
- :meth:`NotificationService.dispatch`: claim a batch, hand each message to the transport, record sent / failed (retry
  after 1, 2, 4 ... minutes, at most 2 h apart) / dead (after ``worker_max_attempts`` tries or a permanent error).

**Delivery guarantee: at least once, recognisable duplicates.** A claim commits before sending; each outcome commits
right after its send. A worker killed between the server accepting a message and that commit leaves the message
``sending``; when its lease runs out another pass sends it again, with the same idempotency key (the e-mail
Message-ID, the SMS ``Idempotency-Key``), so the copy is recognisable downstream. No message is ever lost.

No staff user acts here: the actor in the audit log is ``worker`` (role ``worker``); one audit event per dispatch batch
and one per request the worker creates, reminds or expires.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from novamind_core.domain.errors import ConflictError
from novamind_core.domain.outbox import (
    DispatchReport,
    OutboxCounts,
    OutboxEntry,
    OutboxItem,
    OutboxKind,
    OutboxStatus,
    next_attempt,
)
from novamind_core.domain.patients import PatientStatus
from novamind_core.domain.reporting import (
    Channel,
    MeasurementPlan,
    new_link_token,
    plan_occurrence_key,
    token_digest,
)
from novamind_core.domain.reporting_views import DeliveryEventKind
from novamind_core.notifications import templates
from novamind_core.notifications.transports import Transport
from novamind_core.security.audit import AuditAction, AuditOutcome, AuditRecord
from novamind_core.services.base import BaseService
from novamind_core.services.ports import UnitOfWork

__all__ = ["DispatchReport", "NotificationService", "Transport"]

WORKER_USERNAME = "worker"
WORKER_ROLE = "worker"
OUTBOX_DISPATCH = "outbox.dispatch"
REQUEST_CREATE = AuditAction.REQUEST_CREATE
REQUEST_REMIND = "request.remind"
REQUEST_EXPIRE = "request.expire"
#: How long a claim holds a message before another worker may take it over (the worker stretches it to cover a
#: whole batch of slow sends).
DEFAULT_LEASE_SECONDS = 300.0
SENT_EVENT = {OutboxKind.INVITATION: DeliveryEventKind.SENT, OutboxKind.REMINDER: DeliveryEventKind.REMINDED}
KIND_WORDS = {OutboxKind.INVITATION: "invitation", OutboxKind.REMINDER: "reminder",
              OutboxKind.URGENT_ALERT: "urgent alert to the care team",
              OutboxKind.DOB_LOCKED: "locked-link notice to the care team"}


class NotificationService(BaseService):
    # ------------------------------------------------------------------ audit as the worker
    def _audit_worker(self, uow: UnitOfWork, action: str, *, patient_id: int | None = None, detail: str = "",
                      outcome: str = AuditOutcome.SUCCESS) -> None:
        uow.audit.append(AuditRecord(at=self.ctx.now(), user_id=None, username=WORKER_USERNAME, role=WORKER_ROLE,
                                     action=action, patient_id=patient_id, outcome=outcome,
                                     detail=f"channel worker; {detail}"[:500]))

    def _log(self, uow: UnitOfWork, patient_id: int | None, request_id: int | None, event: DeliveryEventKind,
             at: datetime, detail: str) -> None:
        if patient_id is not None:
            uow.delivery.add(patient_id, request_id, event, at, detail[:300])

    def _expiry_text(self, expires_at: datetime) -> str:
        return templates.expiry_text(expires_at, self.ctx.settings.clinic_timezone)

    # ------------------------------------------------------------------ schedule
    def send_moment(self, plan: MeasurementPlan, due_on: date) -> datetime:
        """The moment a scheduled date's invitation goes out: the plan's send time in the clinic's time zone."""
        return datetime.combine(due_on, plan.send_time, tzinfo=ZoneInfo(self.ctx.settings.clinic_timezone))

    def _latest_due(self, plan: MeasurementPlan, now: datetime) -> date | None:
        """The latest scheduled date whose send moment has come and whose link would still be valid."""
        today = now.astimezone(ZoneInfo(self.ctx.settings.clinic_timezone)).date()
        restarted = plan.restarted_on if plan.restart_on_medication_change else None
        dates = [d for d in plan.rule.occurrences(plan.anchor_on, today, restarted_on=restarted)
                 if self.send_moment(plan, d) <= now]
        if not dates:
            return None
        latest = dates[-1]
        if now >= self.send_moment(plan, latest) + timedelta(hours=plan.link_lifetime_hours):
            return None  # its link would be born expired (the worker was down longer than a link lives)
        return latest

    def schedule_due(self, now: datetime) -> int:
        """Create the due requests of every active plan (request + token + invitation in one transaction each);
        returns how many were created. Patients without consent, opted out, or without an address are skipped with
        one delivery-log line per scheduled date."""
        with self._tx() as uow:
            plans = [p for p in uow.plans.active() if p.channel in (Channel.EMAIL, Channel.SMS)]
        created = 0
        for plan in plans:
            due_on = self._latest_due(plan, now)
            if due_on is None:
                continue
            try:
                created += self._create_scheduled(plan, due_on, now)
            except ConflictError:
                continue  # another worker created this occurrence first
        return created

    def _create_scheduled(self, plan: MeasurementPlan, due_on: date, now: datetime) -> int:
        pid = plan.patient_id
        occurrence = plan_occurrence_key(pid, due_on)
        with self._tx() as uow:
            if uow.requests.exists_occurrence(occurrence):
                return 0
            if not uow.patients.exists(pid) or uow.patients.status(pid) is not PatientStatus.ACTIVE:
                return 0
            reason = self._skip_reason(uow, plan)
            if reason is not None:
                marker = f"not sent ({due_on}): {reason}"
                if not any(e.detail == marker for e in uow.delivery.recent(pid, limit=50)):
                    self._log(uow, pid, None, DeliveryEventKind.CANCELLED, now, marker)
                    self._audit_worker(uow, REQUEST_CREATE, patient_id=pid, outcome=AuditOutcome.FAILURE,
                                       detail=f"scheduled {due_on} not sent: {reason}")
                    uow.commit()
                return 0
            token = new_link_token()
            expires_at = now + timedelta(hours=plan.link_lifetime_hours)
            request = uow.requests.add(pid, plan.instruments, token_digest(token), plan.channel, due_on, now,
                                       expires_at, created_by=None, plan_occurrence=occurrence)
            message = templates.invitation(
                self._address(uow, pid, plan.channel) or "", plan.channel,
                clinic_name=self.ctx.settings.clinic_name, public_base_url=self.ctx.settings.public_base_url,
                token=token, expires_on=self._expiry_text(expires_at))
            uow.outbox.enqueue(OutboxKind.INVITATION, plan.channel, f"invitation:{request.id}", pid, request.id,
                               None, message, now)
            self._log(uow, pid, request.id, DeliveryEventKind.QUEUED, now, f"invitation by {plan.channel.value}")
            self._audit_worker(uow, REQUEST_CREATE, patient_id=pid,
                               detail=f"request {request.id} scheduled {due_on} by {plan.channel.value}")
            uow.commit()
            return 1

    def _address(self, uow: UnitOfWork, patient_id: int, channel: Channel) -> str | None:
        contact = uow.patients.get(patient_id).contact
        value = contact.email if channel is Channel.EMAIL else contact.phone
        return value.strip() if value and value.strip() else None

    def _skip_reason(self, uow: UnitOfWork, plan: MeasurementPlan) -> str | None:
        consent = uow.consents.get(plan.patient_id)
        if consent is None:
            return "no contact consent recorded"
        if consent.opted_out:
            return "the patient opted out"
        if not consent.allows(plan.channel):
            return f"no consent to {plan.channel.value}"
        if self._address(uow, plan.patient_id, plan.channel) is None:
            return "no e-mail address" if plan.channel is Channel.EMAIL else "no mobile number"
        return None

    # ------------------------------------------------------------------ reminders and expiry
    def queue_reminders(self, now: datetime) -> int:
        """Queue one reminder per unopened, unanswered request ``reminder_after_hours`` after it was sent (key
        ``reminder:<request id>``); the reminder carries a fresh link and the first one stops working."""
        with self._tx() as uow:
            due = [(r.id, r.patient_id) for r, hours in uow.requests.due_reminders(now)
                   if r.opened_at is None and r.sent_at is not None and r.sent_at + timedelta(hours=hours) <= now
                   and r.channel in (Channel.EMAIL, Channel.SMS)]
        queued = 0
        for request_id, pid in due:
            with self._tx() as uow:
                request = uow.requests.get(request_id)
                if request.opened_at is not None or request.reminded_at is not None or not request.status.is_open:
                    continue
                consent = uow.consents.get(pid)
                address = self._address(uow, pid, request.channel)
                if consent is None or not consent.allows(request.channel) or address is None:
                    uow.requests.mark_reminded(request_id, now)  # decided once: no reminder for this request
                    self._log(uow, pid, request_id, DeliveryEventKind.CANCELLED, now,
                              "reminder not sent: no consent or no address")
                    uow.commit()
                    continue
                token = new_link_token()
                uow.requests.replace_token(request_id, token_digest(token))
                message = templates.invitation(
                    address, request.channel, clinic_name=self.ctx.settings.clinic_name,
                    public_base_url=self.ctx.settings.public_base_url, token=token,
                    expires_on=self._expiry_text(request.expires_at), reminder=True)
                uow.outbox.enqueue(OutboxKind.REMINDER, request.channel, f"reminder:{request_id}", pid, request_id,
                                   None, message, now)
                uow.requests.mark_reminded(request_id, now)
                self._log(uow, pid, request_id, DeliveryEventKind.QUEUED, now,
                          f"reminder by {request.channel.value}")
                self._audit_worker(uow, REQUEST_REMIND, patient_id=pid, detail=f"request {request_id}")
                uow.commit()
                queued += 1
        return queued

    def expire_links(self, now: datetime) -> int:
        """Mark open requests past their expiry EXPIRED (their links stop working); returns how many."""
        with self._tx() as uow:
            expired = uow.requests.expire_due(now)
            for request in expired:
                self._log(uow, request.patient_id, request.id, DeliveryEventKind.EXPIRED, now, "link expired")
            if expired:
                self._audit_worker(uow, REQUEST_EXPIRE, detail=f"{len(expired)} links expired")
            uow.commit()
            return len(expired)

    # ------------------------------------------------------------------ operators
    def outbox(self, status: OutboxStatus | str | None = None, limit: int = 50) -> tuple[OutboxEntry, ...]:
        """The outbox for an operator (``outbox list``): states, attempts and reasons; no address, no body."""
        with self._tx() as uow:
            return uow.outbox.list(OutboxStatus(status) if status else None, limit)

    def outbox_counts(self) -> OutboxCounts:
        with self._tx() as uow:
            return uow.outbox.counts()

    # ------------------------------------------------------------------ dispatch
    def dispatch(self, now: datetime, transport: Transport, worker_id: str, *, batch_size: int | None = None,
                 lease_seconds: float = DEFAULT_LEASE_SECONDS,
                 should_stop: Callable[[], bool] | None = None) -> DispatchReport:
        """Claim up to ``batch_size`` due messages and send each; returns what happened.

        ``should_stop`` is asked before each send: when it says stop, the rest of the batch is given back untried.
        """
        size = batch_size or self.ctx.settings.worker_batch_size
        with self._tx() as uow:
            uow.outbox.release_expired(now)
            claimed = uow.outbox.claim(now, worker_id, size, lease_seconds)
            sendable = [item for item in claimed if not self._cancelled(uow, item, now)]
            uow.commit()
        sent = failed = 0
        dead = len(claimed) - len(sendable)
        for position, item in enumerate(sendable):
            if should_stop is not None and should_stop():
                with self._tx() as uow:
                    uow.outbox.release([i.id for i in sendable[position:]])
                    uow.commit()
                break
            error = None
            try:
                transport.send(item.message, item.channel, item.idempotency_key)
            except Exception as exc:  # a transport raises DeliveryError; anything else is a transient failure
                error = exc
            outcome = self._record(item, now, error)
            sent += outcome == "sent"
            failed += outcome == "failed"
            dead += outcome == "dead"
        report = DispatchReport(claimed=len(claimed), sent=sent, failed=failed, dead=dead)
        if claimed:
            with self._tx() as uow:
                self._audit_worker(uow, OUTBOX_DISPATCH, detail=(
                    f"worker {worker_id[:40]}: claimed {report.claimed}, sent {sent}, failed {failed}, dead {dead}"))
                uow.commit()
        return report

    def _cancelled(self, uow: UnitOfWork, item: OutboxItem, now: datetime) -> bool:
        """A patient's message whose request is no longer open, or who opted out, is not sent (marked dead)."""
        if item.request_id is None or item.kind not in SENT_EVENT:
            return False
        request = uow.requests.get(item.request_id)
        consent = uow.consents.get(request.patient_id)
        reason = None
        if not request.status.is_open:
            reason = f"not sent: the request is {request.status.value}"
        elif item.kind is OutboxKind.REMINDER and (request.opened_at is not None or request.completed_at is not None):
            reason = "not sent: the patient already opened the questionnaire"
        elif consent is not None and consent.opted_out:
            reason = "not sent: the patient opted out"
        if reason is None:
            return False
        uow.outbox.mark_failed(item.id, now, reason, None)
        self._log(uow, item.patient_id, item.request_id, DeliveryEventKind.CANCELLED, now,
                  f"{KIND_WORDS[item.kind]} {reason}")
        return True

    def _record(self, item: OutboxItem, now: datetime, error: Exception | None) -> str:
        """Commit one message's outcome (its own transaction: a crash loses at most the message in flight)."""
        words = f"{KIND_WORDS[item.kind]} by {item.channel.value}"
        with self._tx() as uow:
            if error is None:
                uow.outbox.mark_sent(item.id, now)
                if item.kind is OutboxKind.INVITATION and item.request_id is not None:
                    request = uow.requests.get(item.request_id)
                    if request.sent_at is None and request.status.is_open:
                        uow.requests.mark_sent(item.request_id, now)
                self._log(uow, item.patient_id, item.request_id, SENT_EVENT.get(item.kind, DeliveryEventKind.SENT),
                          now, f"{words} sent")
                uow.commit()
                return "sent"
            reason = getattr(error, "reason", None) or f"unexpected error ({type(error).__name__})"
            permanent = bool(getattr(error, "permanent", False))
            retry_at = None if permanent else next_attempt(item.attempts, now, self.ctx.settings.worker_max_attempts)
            uow.outbox.mark_failed(item.id, now, reason, retry_at)
            when = "no more tries" if retry_at is None else f"next try {retry_at:%Y-%m-%d %H:%M} UTC"
            self._log(uow, item.patient_id, item.request_id, DeliveryEventKind.FAILED, now,
                      f"{words} failed (attempt {item.attempts}): {reason}; {when}")
            uow.commit()
            return "failed" if retry_at is not None else "dead"
