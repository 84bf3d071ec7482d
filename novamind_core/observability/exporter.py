"""The metrics endpoint: ``GET /metrics`` answers Prometheus text built from counts (no PHI) and page-latency files.

Run by ``python -m novamind_core metrics --port 9464``. It needs the database URL but no encryption key is used:
it never selects an encrypted column. Bind it to a private address (the default is 127.0.0.1) and let Prometheus
scrape it there; it has no sign-in of its own and serves nothing but counts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy.orm import Session

from novamind_core.db.repositories.operations import OperationalCounts, OperationsRepository
from novamind_core.observability.metrics import CONTENT_TYPE, families, read_page_latency, render

logger = logging.getLogger("novamind.metrics")


def exposition(session_factory: Callable[[], Session], metrics_dir: Path, *, now: datetime | None = None) -> str:
    """The current metrics as Prometheus text (a failed database read shows as a scrape error, not a crash)."""
    counts: OperationalCounts | None
    try:
        with session_factory() as session:
            counts = OperationsRepository(session).counts(now or datetime.now(UTC))
    except Exception as exc:  # the database is down: say so in the metrics
        logger.warning("metrics: database read failed (%s)", type(exc).__name__)
        counts = None
    return render(families(counts, read_page_latency(metrics_dir)))


def make_server(host: str, port: int, session_factory: Callable[[], Session],
                metrics_dir: Path) -> ThreadingHTTPServer:
    """An HTTP server answering ``GET /metrics`` (404 elsewhere). Call ``serve_forever()`` on it."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if self.path.split("?", 1)[0] != "/metrics":
                self.send_error(404)
                return
            body = exposition(session_factory, metrics_dir).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", CONTENT_TYPE)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt: str, *args: object) -> None:  # access log at DEBUG, without the client address
            logger.debug("metrics request: %s", fmt % args)

    return ThreadingHTTPServer((host, port), Handler)


def session_factory_for(engine: object) -> Callable[[], Session]:
    """Sessions over ``engine`` for the operations readers (counts and audit rows; nothing is decrypted)."""
    from sqlalchemy.orm import sessionmaker

    return sessionmaker(engine, expire_on_commit=False)  # type: ignore[call-overload]
