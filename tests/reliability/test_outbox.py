"""The outbox under failure: a mail server down for a while, a worker killed with SIGKILL mid-batch, and two workers
racing over 5,000 due messages on PostgreSQL. Every message reaches a real SMTP server on loopback (aiosmtpd); the
tests count the Message-IDs it received (the Message-ID is the outbox idempotency key).

The guarantee under test (docs/notifications.md): nothing is lost, ever; a message is sent twice only when a worker dies
after the server accepted it and before the outcome was committed, at most one message per dead worker (the one in
flight), and the copy carries the same Message-ID, so it is recognisable.
"""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from novamind_core.domain.outbox import OutboxKind, OutboxStatus
from novamind_core.domain.reporting import Channel, OutgoingMessage
from novamind_core.notifications.sink import SinkHandler, start_sink
from novamind_core.notifications.smtp import SmtpTransport
from tests.conftest import make_settings
from tests.reliability.conftest import REPO, environment_of


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fill_outbox(services, n: int, now) -> None:  # type: ignore[no-untyped-def]
    """``n`` due care-team e-mails (no patient needed), queued in one transaction."""
    with services.context.uow() as uow:
        for i in range(n):
            message = OutgoingMessage(to=f"clinician{i}@example.org", subject="A patient needs review",
                                      text=f"http://127.0.0.1:8501/patient?alert={i}")
            uow.outbox.enqueue(OutboxKind.URGENT_ALERT, Channel.EMAIL, f"urgent:{i}", None, None, None, message, now)
        uow.commit()


def duplicates(ids: list[str]) -> dict[str, int]:
    return {k: v for k, v in collections.Counter(ids).items() if v > 1}


class SlowSink(SinkHandler):
    """Takes ``delay_s`` over each message, so a kill lands in the middle of a batch."""

    def __init__(self, delay_s: float):
        super().__init__()
        self.delay_s = delay_s

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        await asyncio.sleep(self.delay_s)
        return await super().handle_DATA(server, session, envelope)


def test_a_mail_server_down_for_a_while_gets_every_message_once_when_it_comes_back(services, clock):
    n = 25
    fill_outbox(services, n, clock())
    port = free_port()
    smtp = SmtpTransport("127.0.0.1", port, mail_from="Clinic <no-reply@clinic.example>", timeout_s=5)
    notifications = services.notifications
    for _ in range(3):  # down: three passes, each after the back-off of the one before
        report = notifications.dispatch(clock(), smtp, "w1")
        assert (report.claimed, report.sent, report.failed) == (n, 0, n)
        clock.advance(minutes=5)
    handler = SinkHandler()
    controller = start_sink(handler, port=port)
    try:
        report = notifications.dispatch(clock(), smtp, "w1")
        clock.advance(hours=3)
        again = notifications.dispatch(clock(), smtp, "w1")
    finally:
        smtp.close()
        controller.stop()  # type: ignore[attr-defined]
    ids = handler.message_ids()
    assert report.sent == n and again.claimed == 0
    assert len(ids) == n and len(set(ids)) == n and duplicates(ids) == {}
    counts = services.notifications.outbox_counts()
    assert (counts.sent, counts.waiting, counts.dead) == (n, 0, 0)
    entries = services.notifications.outbox(OutboxStatus.SENT, 100)
    assert all(e.attempts == 4 for e in entries)


def test_a_worker_killed_mid_batch_loses_nothing_and_only_the_message_in_flight_may_come_twice(sqlite_url, clock):
    from novamind_core.bootstrap import build_services
    from novamind_core.worker import Worker

    settings = make_settings(sqlite_url)
    services = build_services(settings, bcrypt_rounds=4)
    n = 60
    try:
        fill_outbox(services, n, services.context.now())
        handler, port = SlowSink(delay_s=0.05), free_port()
        controller = start_sink(handler, port=port)
        env = {**os.environ, **environment_of(settings), "NOVAMIND_SMTP_PORT": str(port),
               "NOVAMIND_WORKER_BATCH_SIZE": "20", "PYTHONPATH": str(REPO)}
        proc = subprocess.Popen([sys.executable, "-m", "novamind_core", "worker", "--once"], cwd=REPO, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while handler.count < 25 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.01)
            assert proc.poll() is None, f"the worker ended before the kill: {proc.stderr.read()[-2000:]}"
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        before = services.notifications.outbox_counts()
        assert 0 < before.sent < n and before.sending > 0  # killed mid-batch: some claims were left behind

        # A second worker, after the dead one's lease ran out, takes over.
        later = services.context.now() + timedelta(hours=1)
        smtp = SmtpTransport("127.0.0.1", port, mail_from=settings.mail_from, timeout_s=5)
        result = Worker(services, smtp, worker_id="second", poll_seconds=1).run_once(now=later)
        smtp.close()
        controller.stop()  # type: ignore[attr-defined]
        ids = handler.message_ids()
        assert {i.split("@")[0] for i in ids} == {f"<urgent.{i}" for i in range(n)}  # none lost
        extra = duplicates(ids)
        assert sum(extra.values()) - len(extra) <= 1, extra  # at most the one message in flight, same Message-ID
        assert result.sent == n - before.sent
        after = services.notifications.outbox_counts()
        assert (after.sent, after.waiting, after.dead) == (n, 0, 0)
    finally:
        services.close()


@pytest.mark.slow
@pytest.mark.postgres
def test_two_workers_on_postgresql_send_5000_due_messages_with_no_duplicates(db_url, clock):
    if not db_url.startswith("postgresql"):
        pytest.skip("two concurrent workers need PostgreSQL (FOR UPDATE SKIP LOCKED)")
    from novamind_core.bootstrap import build_services

    settings = make_settings(db_url)
    services = build_services(settings, bcrypt_rounds=4)
    n = 5000
    try:
        fill_outbox(services, n, services.context.now() - timedelta(minutes=1))
        handler, port = SinkHandler(), free_port()
        controller = start_sink(handler, port=port)
        env = {**os.environ, **environment_of(settings), "NOVAMIND_SMTP_PORT": str(port),
               "NOVAMIND_WORKER_BATCH_SIZE": "100", "PYTHONPATH": str(REPO)}
        workers = [subprocess.Popen([sys.executable, "-m", "novamind_core", "worker", "--once", "--worker-id", name],
                                    cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for name in ("w1", "w2")]
        outputs = [w.communicate(timeout=600) for w in workers]
        controller.stop()  # type: ignore[attr-defined]
        assert [w.returncode for w in workers] == [0, 0], [o[1][-2000:] for o in outputs]
        ids = handler.message_ids()
        assert len(ids) == n and duplicates(ids) == {}
        sent_by = [int(o[0].split("sent ")[1].split(",")[0]) for o in outputs]
        assert sum(sent_by) == n and min(sent_by) > 0, sent_by  # both workers took part
        counts = services.notifications.outbox_counts()
        assert (counts.sent, counts.waiting, counts.dead) == (n, 0, 0)
    finally:
        services.close()
