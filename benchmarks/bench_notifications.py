"""Notification benchmark: 10,000 due invitations rendered and handed to a loopback SMTP server by the dispatcher.

What runs is what production runs: invitations rendered from ``data/templates`` (text + HTML), queued in the outbox
(encrypted), then ``NotificationService.dispatch`` claims batches of 200, sends each over one SMTP connection to an
``aiosmtpd`` server on 127.0.0.1 (the development sink in its own process, counting Message-IDs) and commits each
outcome in its own transaction (the outbox's at-least-once window is one message). Database: a temporary SQLite
file, or PostgreSQL when ``NOVAMIND_TEST_DATABASE_URL`` is set (a fresh schema).

Baselines, same run: (1) the same messages rendered and queued but not sent, so the ratio is what sending adds;
(2) the same dispatch at a tenth of the volume, per message, so the ratio shows whether the cost per message grows
with the queue (target about 1: claims read by index, no scan of sent rows). Peak memory is tracemalloc's peak
over a further dispatch of a tenth of the volume (memory is bounded by the batch, not the queue; timings are taken
without tracemalloc, which slows allocation-heavy code several-fold).
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BATCH = 200


@contextmanager
def _database() -> Iterator[str]:
    from sqlalchemy import create_engine, text

    from novamind_core.db.engine import migrate

    base = os.environ.get("NOVAMIND_TEST_DATABASE_URL")
    if not base:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            migrate(url)
            yield url
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{base}{'&' if '?' in base else '?'}options={quote(f'-csearch_path={schema}')}"
    try:
        migrate(url)
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _services(url: str):  # type: ignore[no-untyped-def]
    from novamind_core.bootstrap import build_services
    from novamind_core.config import get_settings
    from novamind_core.security.crypto import generate_key

    settings = get_settings(_env_file=None, environment="testing", database_url=url, encryption_keys=[generate_key()],
                            blind_index_key=secrets.token_urlsafe(40), deid_key=secrets.token_urlsafe(40),
                            cookie_key=secrets.token_urlsafe(40), clinic_name="Riverside Clinic")
    return build_services(settings, bcrypt_rounds=4)


def _render_and_queue(services, n: int, offset: int, now: datetime) -> None:  # type: ignore[no-untyped-def]
    from novamind_core.domain.outbox import OutboxKind
    from novamind_core.domain.reporting import Channel, new_link_token
    from novamind_core.notifications import templates

    settings = services.settings
    for start in range(0, n, 1000):
        with services.context.uow() as uow:
            for i in range(start, min(n, start + 1000)):
                message = templates.invitation(f"patient{offset + i}@example.org", Channel.EMAIL,
                                               clinic_name=settings.clinic_name,
                                               public_base_url=settings.public_base_url, token=new_link_token(),
                                               expires_on="Thursday 19 March 2026, 09:00")
                uow.outbox.enqueue(OutboxKind.INVITATION, Channel.EMAIL, f"bench:{offset + i}", None, None, None,
                                   message, now)
            uow.commit()


def _dispatch_all(services, port: int, now: datetime) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    from novamind_core.notifications.smtp import SmtpTransport

    smtp = SmtpTransport("127.0.0.1", port, mail_from=services.settings.mail_from, timeout_s=30)
    sent, t0 = 0, time.perf_counter()
    try:
        while True:
            report = services.notifications.dispatch(now, smtp, "bench", batch_size=BATCH)
            sent += report.sent
            if report.claimed == 0:
                break
    finally:
        smtp.close()
    return time.perf_counter() - t0, sent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _sink_process(port: int) -> Iterator[list[str]]:
    """The development sink in its own process (a mail server is another process); yields a list that receives
    its closing summary line ("received N messages, M distinct Message-IDs")."""
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen([sys.executable, "-m", "novamind_core.notifications.sink", "--port", str(port), "--quiet"],
                            cwd=root, env={**os.environ, "PYTHONPATH": str(root)}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    summary: list[str] = []
    try:
        yield summary
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
        summary.extend(line for line in out.splitlines() if "distinct Message-IDs" in line)


def run(quick: bool = False) -> list[dict]:
    n = 1000 if quick else 10_000
    small = n // 10
    now = datetime.now(UTC)
    port = _free_port()
    with _sink_process(port) as summary, _database() as url:
        services = _services(url)
        backend = services.engine.dialect.name
        try:
            # baseline 2: a tenth of the volume, dispatched alone (first: cold caches count against the baseline)
            _render_and_queue(services, small, 0, now)
            small_s, small_sent = _dispatch_all(services, port, now)
            # baseline 1: render and queue the full volume; then the figure: dispatch it
            t0 = time.perf_counter()
            _render_and_queue(services, n, small, now)
            render_s = time.perf_counter() - t0
            dispatch_s, sent = _dispatch_all(services, port, now)
            # memory: a further dispatch of ``small`` messages under tracemalloc (memory is bounded by the batch)
            _render_and_queue(services, small, small + n, now)
            tracemalloc.start()
            _, traced_sent = _dispatch_all(services, port, now)
            peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
            counts = services.notifications.outbox_counts()
        finally:
            services.close()
    total = n + 2 * small
    received = summary[0] if summary else "no summary from the sink"
    ok = (sent, small_sent, traced_sent, counts.sent) == (n, small, small, total) and \
        received == f"[mail sink] received {total} messages, {total} distinct Message-IDs"
    note = (f"{backend}; {n:,} sent in {dispatch_s:.1f} s ({n / dispatch_s:,.0f} messages/s), batches of {BATCH}, "
            f"one SMTP connection, one commit per message; sink (own process) {received.removeprefix('[mail sink] ')}"
            f" ({'all, once each' if ok else 'MISMATCH'}); peak memory: tracemalloc over a {small:,}-message "
            "dispatch")
    per_msg, per_msg_small = dispatch_s / n * 1000, small_s / small * 1000
    return [
        {"name": f"{n:,} invitations handed to loopback SMTP by the dispatcher (ratio = send / render+queue)",
         "value": round(dispatch_s, 2), "unit": "s", "baseline_name": f"the same {n:,} rendered and queued, not sent",
         "baseline_value": round(render_s, 2), "ratio": round(dispatch_s / render_s, 2) if render_s else None,
         "target": "every message received once; < 5 min for 10,000 on the 2-core development machine",
         "peak_memory_mb": round(peak_mb, 1), "notes": note},
        {"name": f"dispatch cost per message at {n:,} queued (ratio = vs {small:,} queued)",
         "value": round(per_msg, 3), "unit": "ms", "baseline_name": f"per message at {small:,} queued",
         "baseline_value": round(per_msg_small, 3), "ratio": round(per_msg / per_msg_small, 2) if per_msg_small
         else None, "target": "about 1 (no growth with the queue)", "peak_memory_mb": None,
         "notes": "the small run goes first (cold caches count against the baseline, not the figure)"},
    ]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
