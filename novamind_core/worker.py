"""The notification worker: ``python -m novamind_core worker`` (``--once`` for tests and cron).

Each pass expires links, creates the requests that plans make due (with their invitations), queues reminders, and
then dispatches the outbox in batches until nothing due is left; the loop then sleeps ``worker_poll_seconds``.
SIGTERM or SIGINT stops it cleanly: the message being sent finishes and is recorded, the rest of its batch is given
back to the queue untried. Several workers may run at once against PostgreSQL (docs/notifications.md).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from dataclasses import dataclass
from datetime import datetime
from types import FrameType
from typing import TYPE_CHECKING

from novamind_core.notifications.templates import check_templates
from novamind_core.notifications.transports import Transport
from novamind_core.observability.logs import bind, new_request_id

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services

logger = logging.getLogger("novamind.worker")


@dataclass(frozen=True)
class WorkerPass:
    """What one pass did."""

    expired: int = 0
    scheduled: int = 0
    reminders: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0

    @property
    def busy(self) -> bool:
        return any((self.expired, self.scheduled, self.reminders, self.sent, self.failed, self.dead))

    def describe(self) -> str:
        return (f"expired {self.expired}, scheduled {self.scheduled}, reminders {self.reminders}, sent {self.sent}, "
                f"failed {self.failed}, dead {self.dead}")


def default_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


class Worker:
    """Runs passes over ``services.notifications`` with ``transport`` until :meth:`stop` (or a signal)."""

    def __init__(self, services: Services, transport: Transport, *, worker_id: str | None = None,
                 poll_seconds: float | None = None, batch_size: int | None = None):
        self.services = services
        self.transport = transport
        self.worker_id = worker_id or default_worker_id()
        settings = services.settings
        self.poll_seconds = poll_seconds if poll_seconds is not None else settings.worker_poll_seconds
        self.batch_size = batch_size or settings.worker_batch_size
        # a claim must outlive a batch of slow sends (SMTP timeouts are 30 s), or another worker would take it over
        self.lease_seconds = max(300.0, self.batch_size * 35.0)
        self._stop = threading.Event()

    # ------------------------------------------------------------------ control
    def stop(self, *_: object) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def install_signal_handlers(self) -> None:
        def handler(signum: int, _frame: FrameType | None) -> None:
            logger.info("worker %s: %s received; stopping after the current message", self.worker_id,
                        signal.Signals(signum).name)
            self.stop()

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, handler)

    # ------------------------------------------------------------------ work
    def run_once(self, now: datetime | None = None) -> WorkerPass:
        """One pass: expire, schedule, remind, then dispatch until no due message is left (or a stop)."""
        bind(request_id=new_request_id())  # this round's log lines share one request_id (observability/logs.py)
        notifications = self.services.notifications
        clock = self.services.context.now
        expired = notifications.expire_links(now or clock())
        scheduled = notifications.schedule_due(now or clock())
        reminders = notifications.queue_reminders(now or clock())
        sent = failed = dead = 0
        while not self.stopping:
            report = notifications.dispatch(now or clock(), self.transport, self.worker_id,
                                            batch_size=self.batch_size, lease_seconds=self.lease_seconds,
                                            should_stop=lambda: self.stopping)
            sent, failed, dead = sent + report.sent, failed + report.failed, dead + report.dead
            if report.claimed < self.batch_size or report.sent == 0:
                break  # the queue is drained, or everything is failing (retry after back-off, not in a spin)
        return WorkerPass(expired, scheduled, reminders, sent, failed, dead)

    def run(self) -> None:
        """Loop until stopped. A pass that fails (database unreachable) is logged and retried after the poll."""
        check_templates()
        logger.info("worker %s started (poll every %.0f s, batches of %d)", self.worker_id, self.poll_seconds,
                    self.batch_size)
        try:
            while not self.stopping:
                try:
                    result = self.run_once()
                    if result.busy:
                        logger.info("worker %s: %s", self.worker_id, result.describe())
                except Exception:  # keep serving: the next poll retries (the outbox keeps every message)
                    logger.exception("worker %s: pass failed; retrying in %.0f s", self.worker_id, self.poll_seconds)
                self._stop.wait(self.poll_seconds)
        finally:
            self.transport.close()
            logger.info("worker %s stopped", self.worker_id)
