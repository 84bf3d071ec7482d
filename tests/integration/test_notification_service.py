"""The worker's passes over the real repositories (SQLite, and PostgreSQL when configured): a plan's due date becomes
a request with its invitation, sent to a loopback SMTP server; an unopened request gets one reminder with a fresh
link; an expired link is expired; every step is in the patient's delivery log."""

from __future__ import annotations

import dataclasses
import socket
from datetime import date, time, timedelta

from novamind_core.domain.reporting import RequestStatus, default_plan
from novamind_core.domain.reporting_views import DeliveryEventKind
from novamind_core.notifications.sink import SinkHandler, start_sink
from novamind_core.notifications.smtp import SmtpTransport
from novamind_core.worker import Worker


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_due_plan_is_sent_reminded_and_expired_once_each_through_a_real_smtp_server(services, patient, clock):
    pid = patient.id
    start = clock().date()  # 12 Mar 2026, 10:00 UTC = 10:00 in London
    plan = dataclasses.replace(default_plan(pid, ("F32.1",), start), send_time=time(9, 0), reminder_after_hours=24,
                               link_lifetime_hours=72)
    with services.context.uow() as uow:
        uow.plans.save(plan, None, None, clock())
        uow.consents.record(pid, email=True, sms=False, recorded_on=date(2026, 3, 1), recorded_by=None)
        uow.commit()
    handler, port = SinkHandler(), free_port()
    controller = start_sink(handler, port=port)
    smtp = SmtpTransport("127.0.0.1", port, mail_from="Clinic <no-reply@clinic.example>", timeout_s=5)
    worker = Worker(services, smtp, worker_id="t1", poll_seconds=1)
    try:
        first = worker.run_once()
        again = worker.run_once()
        clock.advance(hours=25)
        reminded = worker.run_once()
        clock.advance(hours=48)
        expired = worker.run_once()
    finally:
        smtp.close()
        controller.stop()  # type: ignore[attr-defined]
    assert (first.scheduled, first.sent) == (1, 1) and (again.scheduled, again.sent) == (0, 0)
    assert (reminded.reminders, reminded.sent) == (1, 1) and expired.expired == 1
    invitation, reminder = handler.received
    assert invitation.message_id.startswith("<invitation.") and reminder.message_id.startswith("<reminder.")
    assert invitation.links[0] != reminder.links[0] and "questionnaire?t=" in invitation.links[0]
    assert any("optout=" in link for link in reminder.links)
    assert "Zebediah" not in invitation.text + invitation.subject and invitation.to == ("zeb.quux@example.invalid",)
    with services.context.uow() as uow:
        (request,) = uow.requests.list(pid)
        log = [e.event for e in reversed(uow.delivery.recent(pid))]
    assert request.status is RequestStatus.EXPIRED and request.reminded_at is not None
    assert log == [DeliveryEventKind.QUEUED, DeliveryEventKind.SENT, DeliveryEventKind.QUEUED,
                   DeliveryEventKind.REMINDED, DeliveryEventKind.EXPIRED]
    assert clock() - request.created_at == timedelta(hours=73)
