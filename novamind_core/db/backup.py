"""Whole-database backup and restore: SQLite through its online backup API, PostgreSQL through ``pg_dump`` / ``psql``.

The command line (``python -m novamind_core backup`` / ``restore``) only parses arguments and prints the
:class:`BackupReport` these functions return. A copy holds ciphertext and blind indexes only: restoring it needs the
same keys. Each operation is recorded in the audit log as :data:`OPS_BACKUP` or :data:`OPS_RESTORE`, acted by the
command-line system user.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from novamind_core.db.uow import UnitOfWork
from novamind_core.domain.errors import ConfigurationError
from novamind_core.domain.users import SYSTEM_USER

#: Audit action names of the operations commands (stable strings: they are stored).
OPS_BACKUP = "ops.backup"
OPS_RESTORE = "ops.restore"


class AuditContext(Protocol):
    """What auditing an operation needs: a unit of work and the clock (a ``ServiceContext`` fits)."""

    def uow(self) -> UnitOfWork: ...

    def now(self) -> datetime: ...


class AuditedServices(Protocol):
    """The services container as these functions use it: its shared context, and ``close()``."""

    @property
    def context(self) -> AuditContext: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class BackupReport:
    """What ``backup`` or ``restore`` did: the backend, the file, its size and the audit chain after the copy."""

    backend: str
    path: Path
    size_bytes: int
    audit_rows: int
    audit_ok: bool
    method: str


def _audit_ops(services: AuditedServices, action: str, detail: str) -> None:
    """Append one audit row for an operations command (actor: the command-line system user)."""
    from novamind_core.security.audit import AuditOutcome, AuditRecord

    with services.context.uow() as uow:
        uow.audit.append(AuditRecord(at=services.context.now(), user_id=None, username=SYSTEM_USER.username,
                                     role=SYSTEM_USER.role.value, action=action, patient_id=None,
                                     outcome=AuditOutcome.SUCCESS, detail=detail[:500]))
        uow.commit()


def _verify(services: AuditedServices) -> tuple[int, bool]:
    with services.context.uow() as uow:
        result = uow.audit.verify()
    return result.checked, result.ok


def _sqlite_path(database_url: str) -> Path:
    from sqlalchemy.engine import make_url

    name = make_url(database_url).database
    if not name or name == ":memory:":
        raise ConfigurationError("NOVAMIND_DATABASE_URL: an in-memory SQLite database cannot be backed up")
    return Path(name)


def _sqlite_copy(source: Path, target: Path) -> None:
    """Online, consistent copy with SQLite's backup API (readers and writers may keep working on ``source``)."""
    import sqlite3

    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst, pages=1024, sleep=0.01)
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise ConfigurationError(f"the copy of {source.name} failed SQLite's integrity check: {check}")
    finally:
        dst.close()
        src.close()


def _pg_target(database_url: str) -> tuple[str, str | None]:
    """(libpq URI for pg_dump/psql, schema named by ``options=-csearch_path=...`` or None)."""
    from urllib.parse import unquote

    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    options = url.query.get("options")
    schema = None
    if options:
        text = unquote(options if isinstance(options, str) else options[0])
        for part in text.replace("-c ", "-c").split():
            if part.startswith("-csearch_path="):
                schema = part.split("=", 1)[1].split(",")[0].strip('"')
    libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return libpq, schema


def _tool(name: str) -> str:
    import shutil

    found = shutil.which(name)
    if not found:
        raise ConfigurationError(
            f"{name} is not on PATH: PostgreSQL backups need the PostgreSQL client tools (Debian: "
            f"`apt-get install postgresql-client`, the same major version as the server or newer)")
    return found


def _run_tool(argv: list[str], what: str) -> None:
    import subprocess

    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise ConfigurationError(f"{what} failed (exit {done.returncode}): {reason}")


def backup_database(database_url: str, out: Path | str, services: AuditedServices | None = None) -> BackupReport:
    """Copy the database to ``out`` (mode 0600): SQLite through the backup API (online), PostgreSQL through
    ``pg_dump`` (plain SQL, ``--clean --if-exists``, limited to the schema in the URL's ``search_path`` if any).

    The copy holds ciphertext and blind indexes only; restoring it needs the same keys. When ``services`` is given,
    an ``ops.backup`` audit event is written before the copy (so the backup carries its own record) and the audit
    chain is verified after it.
    """
    from sqlalchemy.engine import make_url

    target = Path(out).expanduser().resolve()
    if target.exists():
        raise ConfigurationError(f"{target} already exists: choose a new file name (backups are never overwritten)")
    target.parent.mkdir(parents=True, exist_ok=True)
    backend = make_url(database_url).get_backend_name()
    if services is not None:
        _audit_ops(services, OPS_BACKUP, f"to {target.name}")
    if backend == "sqlite":
        _sqlite_copy(_sqlite_path(database_url), target)
        method = "sqlite3 backup API"
    elif backend == "postgresql":
        libpq, schema = _pg_target(database_url)
        argv = [_tool("pg_dump"), "--dbname", libpq, "--clean", "--if-exists", "--no-owner", "--no-privileges",
                "--file", str(target)]
        if schema:
            argv += ["--schema", schema]
        _run_tool(argv, "pg_dump")
        method = "pg_dump" + (f" (schema {schema})" if schema else "")
    else:
        raise ConfigurationError(f"NOVAMIND_DATABASE_URL: backups support sqlite and postgresql, not {backend}")
    os.chmod(target, 0o600)
    checked, ok = _verify(services) if services is not None else (0, True)
    return BackupReport(backend, target, target.stat().st_size, checked, ok, method)


def restore_database(database_url: str, source: Path | str,
                     services_factory: Callable[[], AuditedServices] | None = None) -> BackupReport:
    """Replace the database's content with the backup ``source``, then verify the audit chain.

    SQLite: the backup API copies the file's pages into the live database (one step; other connections wait).
    PostgreSQL: ``psql --single-transaction -v ON_ERROR_STOP=1 -f`` runs the dump, so a failed restore changes
    nothing. ``services_factory()`` (optional) builds services afterwards to verify the chain and audit the restore.
    """
    from sqlalchemy.engine import make_url

    src = Path(source).expanduser().resolve()
    if not src.is_file():
        raise ConfigurationError(f"backup file {src} does not exist")
    backend = make_url(database_url).get_backend_name()
    if backend == "sqlite":
        import sqlite3

        with sqlite3.connect(f"file:{src}?mode=ro", uri=True) as probe:
            try:
                probe.execute("SELECT count(*) FROM audit_log").fetchone()
            except sqlite3.DatabaseError as exc:
                raise ConfigurationError(f"{src.name} is not a Novamind SQLite backup ({exc})") from None
        target = _sqlite_path(database_url)
        target.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(src, target)
        method = "sqlite3 backup API"
    elif backend == "postgresql":
        head = src.read_text(encoding="utf-8", errors="replace")[:4000]
        if "PostgreSQL database dump" not in head:
            raise ConfigurationError(f"{src.name} is not a pg_dump SQL file")
        libpq, _ = _pg_target(database_url)
        _run_tool([_tool("psql"), "--dbname", libpq, "--single-transaction", "--quiet", "-v", "ON_ERROR_STOP=1",
                   "--file", str(src)], "psql restore")
        method = "psql --single-transaction"
    else:
        raise ConfigurationError(f"NOVAMIND_DATABASE_URL: restore supports sqlite and postgresql, not {backend}")
    checked, ok = 0, True
    if services_factory is not None:
        services = services_factory()
        try:
            checked, ok = _verify(services)
            _audit_ops(services, OPS_RESTORE, f"from {src.name} chain={'ok' if ok else 'BROKEN'}")
        finally:
            services.close()
    return BackupReport(backend, src, src.stat().st_size, checked, ok, method)
