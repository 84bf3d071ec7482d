"""Forward the audit log to the hospital's security log system, resumably, and export the chain head.

``python -m novamind_core audit forward --jsonl FILE | --syslog HOST:PORT [--cursor FILE]`` sends every audit row
after the cursor, oldest first, one JSON object per row (every stored column, including ``prev_hash`` and ``hash`` so
the receiver can check the chain itself), then moves the cursor (``{"id": ..., "hash": ...}``, written atomically
after each batch). Delivery is at least once: a crash between a batch's send and its cursor write sends that batch
again on the next run; the receiver de-duplicates by ``id``/``hash``.

Before sending, the cursor is checked against the database: if row ``cursor.id`` is gone or carries another hash (a
restore rewound the log, or it was tampered with), nothing is sent and the command says so (exit 1), so a rewind is
never papered over by forwarding new rows under reused ids.

``python -m novamind_core audit head --export DIR`` writes ``audit-head-<date>.json`` (newest id, time, hash, row
count): kept outside the database (and forwarded), it lets anyone detect a truncation of the newest rows later,
which the hash chain alone cannot (novamind_core/security/audit.py).
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.orm import Session

from novamind_core.db.repositories.operations import AuditHead, OperationsRepository

BATCH = 500


class Sink(Protocol):
    def send(self, event: dict[str, Any]) -> None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


class JsonlSink:
    """Appends one JSON object per line to ``path`` (created 0600), fsynced at each flush."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._file = os.fdopen(fd, "a", encoding="utf-8")

    def send(self, event: dict[str, Any]) -> None:
        self._file.write(json.dumps(event, ensure_ascii=False, sort_keys=True, default=str) + "\n")

    def flush(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()

    def describe(self) -> str:
        return f"JSONL file {self.path}"


class SyslogSink:
    """Sends each event as one syslog message (facility authpriv, tag ``novamind-audit``) over UDP or TCP."""

    def __init__(self, host: str, port: int, *, tcp: bool = False) -> None:
        self.address = (host, port)
        self._handler = logging.handlers.SysLogHandler(
            address=self.address, facility=logging.handlers.SysLogHandler.LOG_AUTHPRIV,
            socktype=socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)
        self._handler.ident = "novamind-audit: "
        self._handler.append_nul = False

    def send(self, event: dict[str, Any]) -> None:
        record = logging.LogRecord("novamind.audit", logging.INFO, __file__, 0,
                                   json.dumps(event, ensure_ascii=False, sort_keys=True, default=str), None, None)
        self._handler.emit(record)

    def flush(self) -> None:
        self._handler.flush()

    def close(self) -> None:
        self._handler.close()

    def describe(self) -> str:
        return f"syslog {self.address[0]}:{self.address[1]}"


@dataclass(frozen=True, slots=True)
class Cursor:
    """The last forwarded row: its id and chain hash (id 0 before anything was forwarded)."""

    id: int = 0
    hash: str = ""


def read_cursor(path: Path) -> Cursor:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return Cursor(int(data["id"]), str(data.get("hash", "")))
    except FileNotFoundError:
        return Cursor()
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"the cursor file {path} is not readable ({type(exc).__name__}); fix or remove it "
                         "(removing it forwards everything again)") from exc


def write_cursor(path: Path, cursor: Cursor) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"id": cursor.id, "hash": cursor.hash}), encoding="utf-8")
    os.replace(tmp, path)


class ChainDiverged(Exception):
    """The cursor's row is missing or changed: the audit log was rewound or edited since the last forward."""


@dataclass(frozen=True, slots=True)
class ForwardReport:
    forwarded: int
    cursor: Cursor


def forward(session_factory: Callable[[], Session], sink: Sink, cursor_path: Path, *, batch: int = BATCH,
            limit: int | None = None) -> ForwardReport:
    """Send the rows after the cursor to ``sink`` and advance the cursor after each batch (at most ``limit`` rows).

    Raises :class:`ChainDiverged` (nothing sent) when the cursor's row is gone or its hash differs.
    """
    cursor = read_cursor(cursor_path)
    sent = 0
    with session_factory() as session:
        repo = OperationsRepository(session)
        if cursor.id:
            stored = repo.audit_hash_at(cursor.id)
            if stored is None or (cursor.hash and stored != cursor.hash):
                raise ChainDiverged(
                    f"audit row {cursor.id} (the last one forwarded) is {'gone' if stored is None else 'changed'}: "
                    "the audit log was rewound (a restore) or edited since the last forward. Nothing was sent. "
                    "Record this with the security team, then restart forwarding with --from-id.")
        while limit is None or sent < limit:
            size = batch if limit is None else min(batch, limit - sent)
            rows = repo.audit_after(cursor.id, size)
            if not rows:
                break
            for row in rows:
                sink.send({"type": "novamind.audit", **row})
            sink.flush()
            cursor = Cursor(int(rows[-1]["id"]), str(rows[-1]["hash"]))
            write_cursor(cursor_path, cursor)
            sent += len(rows)
    return ForwardReport(sent, cursor)


def head_document(head: AuditHead | None, *, now: datetime) -> dict[str, Any]:
    """The chain head as exported: newest id, time and hash, row count, and when it was exported."""
    base: dict[str, Any] = {"type": "novamind.audit_head", "exported_at": now.astimezone(UTC).isoformat()}
    if head is None:
        return {**base, "id": 0, "at": None, "hash": None, "rows": 0}
    return {**base, "id": head.id, "at": head.at.isoformat(), "hash": head.hash, "rows": head.rows}


def export_head(session_factory: Callable[[], Session], directory: Path | None, *,
                now: datetime) -> tuple[dict[str, Any], Path | None]:
    """The head document, also written to ``directory/audit-head-<date>.json`` (0600) when a directory is given."""
    with session_factory() as session:
        doc = head_document(OperationsRepository(session).audit_head(), now=now)
    if directory is None:
        return doc, None
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"audit-head-{now.astimezone(UTC).date().isoformat()}.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(json.dumps(doc, sort_keys=True) + "\n")
    return doc, path
