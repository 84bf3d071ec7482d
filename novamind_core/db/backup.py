"""Whole-database backup and restore, encrypted and signed: SQLite through its online backup API, PostgreSQL
through ``pg_dump`` / ``psql``.

A backup file (:mod:`novamind_core.db.backup_envelope`) holds a manifest (created time, backend, schema revision,
every table's row count, the audit chain head, the plaintext's SHA-256) signed with HMAC-SHA256, then the copy
encrypted with AES-256-GCM; both keys derive from ``NOVAMIND_BACKUP_KEY``, which is never in the backup. The copy
itself still holds ciphertext and blind indexes only: restoring it also needs the database keys.

``restore`` checks everything before it touches the live database: the signature, every encrypted chunk, the
plaintext digest, then the decrypted copy against its manifest (row counts, audit head, revision) and, for SQLite,
the copy's own audit chain. Only then does it record what the restore rewinds (the live audit rows newer than the
backup, kept in a 0600 sidecar JSONL file beside the backup), replace the content, and append an ``ops.restore``
audit event that names the rewound rows, so the rewind is itself on the record.

Nothing readable by other users exists at any moment: the working folder is 0700, every file is created 0600, and
``pg_dump``/``psql`` run with umask 077 and take the password from a private PGPASSFILE, never from argv.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from novamind_core.db.backup_envelope import BackupRejected, create_private, read_manifest, seal, unseal
from novamind_core.db.backup_facts import differences, payload_facts
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
    """What ``backup`` or ``restore`` did: the backend, the file, its size, the audit chain after the operation, the
    signed manifest, and (restore) how many newer audit rows it rewound and where they were kept."""

    backend: str
    path: Path
    size_bytes: int
    audit_rows: int
    audit_ok: bool
    method: str
    manifest: dict[str, Any] | None = None
    rewound_rows: int = 0
    sidecar: Path | None = None


def _audit_ops(services: AuditedServices, action: str, detail: str) -> None:
    """Append one audit row for an operations command (actor: the command-line system user; the detail names the
    operating-system account that ran it, the real person behind the maintenance command)."""
    from novamind_core.security.audit import AuditOutcome, AuditRecord

    detail = f"os user {_os_user()}: {detail}"
    with services.context.uow() as uow:
        uow.audit.append(AuditRecord(at=services.context.now(), user_id=None, username=SYSTEM_USER.username,
                                     role=SYSTEM_USER.role.value, action=action, patient_id=None,
                                     outcome=AuditOutcome.SUCCESS, detail=detail[:500]))
        uow.commit()


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()[:32]
    except (KeyError, OSError):  # no passwd entry (a container with an arbitrary uid)
        return f"uid {os.getuid()}"


def _verify(services: AuditedServices) -> tuple[int, bool]:
    with services.context.uow() as uow:
        result = uow.audit.verify()
    return result.checked, result.ok


def configured_backup_key(backup_key: str | None = None) -> str:
    """``backup_key``, else ``NOVAMIND_BACKUP_KEY`` (in development one is added to ``data/keys.env`` if missing)."""
    if backup_key:
        return backup_key
    from novamind_core.config import ensure_dev_backup_key, get_settings

    settings = get_settings()
    if not settings.backup_key and ensure_dev_backup_key(settings):
        settings = get_settings()
    return settings.backup_key


@contextmanager
def private_workdir(near: Path) -> Iterator[Path]:
    """A new 0700 folder inside ``near`` (same file system as the result), removed with its content afterwards."""
    near.mkdir(parents=True, exist_ok=True, mode=0o700)
    work = Path(tempfile.mkdtemp(prefix=".novamind-backup-", dir=near))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _sqlite_path(database_url: str) -> Path:
    from sqlalchemy.engine import make_url

    name = make_url(database_url).database
    if not name or name == ":memory:":
        raise ConfigurationError("NOVAMIND_DATABASE_URL: an in-memory SQLite database cannot be backed up")
    return Path(name)


def _sqlite_copy(source: Path, target: Path) -> None:
    """Online, consistent copy with SQLite's backup API (readers and writers may keep working on ``source``).
    A new ``target`` is created 0600 first, so SQLite (and its journal, which takes the file's mode) never makes a
    world-readable file."""
    import sqlite3

    if not target.exists():
        create_private(target).close()
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


def _pg_schema(database_url: str) -> str | None:
    """The schema named by ``options=-csearch_path=...`` in the URL, or None."""
    from urllib.parse import unquote

    from sqlalchemy.engine import make_url

    options = make_url(database_url).query.get("options")
    if options:
        text = unquote(options if isinstance(options, str) else options[0])
        for part in text.replace("-c ", "-c").split():
            if part.startswith("-csearch_path="):
                return part.split("=", 1)[1].split(",")[0].strip('"')
    return None


def pg_invocation(database_url: str, tool: str, workdir: Path) -> tuple[list[str], dict[str, str]]:
    """``([tool, "--dbname", URI without the password], environment)``: the password goes to a 0600 PGPASSFILE in
    ``workdir`` (argv is readable by every local user through ``ps``; the environment and the file are not)."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    # URL.set() ignores None, so the password is dropped with NamedTuple._replace
    libpq = url.set(drivername="postgresql")._replace(password=None).render_as_string(hide_password=False)
    env = {k: v for k, v in os.environ.items() if k not in ("PGPASSWORD", "PGPASSFILE")}
    if url.password:
        escaped = str(url.password).replace("\\", "\\\\").replace(":", "\\:")
        passfile = workdir / "pgpass"
        with create_private(passfile) as handle:
            handle.write(f"*:*:*:*:{escaped}\n".encode())
        env["PGPASSFILE"] = str(passfile)
    return [tool, "--dbname", libpq], env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise ConfigurationError(
            f"{name} is not on PATH: PostgreSQL backups need the PostgreSQL client tools (Debian: "
            f"`apt-get install postgresql-client`, the same major version as the server or newer)")
    return found


def _run_tool(argv: list[str], what: str, env: dict[str, str]) -> None:
    import subprocess

    done = subprocess.run(argv, capture_output=True, text=True, env=env, umask=0o077)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise ConfigurationError(f"{what} failed (exit {done.returncode}): {reason}")


def backup_database(database_url: str, out: Path | str, services: AuditedServices | None = None, *,
                    backup_key: str | None = None) -> BackupReport:
    """Write an encrypted, signed backup of the database to the new file ``out`` (mode 0600).

    SQLite: the backup API (online). PostgreSQL: ``pg_dump`` (plain SQL, ``--clean --if-exists``, limited to the
    schema in the URL's ``search_path`` if any). When ``services`` is given, an ``ops.backup`` audit event is written
    before the copy (so the backup carries its own record) and the live chain is verified after it.
    """
    from sqlalchemy.engine import make_url

    from novamind_core import __version__
    from novamind_core.db.backup_envelope import check_key

    key = configured_backup_key(backup_key)
    check_key(key)
    target = Path(out).expanduser().resolve()
    if target.exists():
        raise ConfigurationError(f"{target} already exists: choose a new file name (backups are never overwritten)")
    backend = make_url(database_url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigurationError(f"NOVAMIND_DATABASE_URL: backups support sqlite and postgresql, not {backend}")
    with private_workdir(target.parent) as work:
        if services is not None:
            _audit_ops(services, OPS_BACKUP, f"to {target.name}")
        payload = work / "payload"
        if backend == "sqlite":
            _sqlite_copy(_sqlite_path(database_url), payload)
            method = "sqlite3 backup API"
        else:
            argv, env = pg_invocation(database_url, _tool("pg_dump"), work)
            schema = _pg_schema(database_url)
            argv += ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--file", str(payload)]
            if schema:
                argv += ["--schema", schema]
            _run_tool(argv, "pg_dump", env)
            method = "pg_dump" + (f" (schema {schema})" if schema else "")
        facts = payload_facts(backend, payload)
        manifest = {"created_at": datetime.now(UTC).isoformat(timespec="seconds"), "backend": backend,
                    "novamind_version": __version__, **facts.as_manifest()}
        sealed = work / "sealed"
        written = seal(payload, sealed, manifest, key)
        os.link(sealed, target)  # appears complete or not at all, and never replaces an existing file
    checked, ok = _verify(services) if services is not None else (0, True)
    return BackupReport(backend, target, target.stat().st_size, checked, ok, method + ", encrypted and signed",
                        written)


# ---------------------------------------------------------------------------------------------------- restore
def _verify_sqlite_copy(path: Path, name: str) -> None:
    """The decrypted SQLite copy passes SQLite's integrity check and its own audit chain verifies."""
    import sqlite3

    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from novamind_core.db.repositories.audit import AuditRepository

    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as probe:
        if probe.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupRejected(f"{name}: the database inside the backup fails SQLite's integrity check")
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(f"file:{path}?mode=ro", uri=True))
    try:
        with Session(engine) as session:
            result = AuditRepository(session).verify()
    finally:
        engine.dispose()
    if not result.ok:
        raise BackupRejected(f"{name}: the audit chain inside the backup is broken ({result.describe()})")


def _live_state(database_url: str, after_id: int) -> tuple[list[dict[str, Any]], dict[str, Any] | None, dict]:
    """(live audit rows with ``id > after_id``, the live audit head, live row counts); empty for a missing database."""
    from sqlalchemy import create_engine, inspect, text

    if database_url.startswith("sqlite") and not _sqlite_path(database_url).exists():
        return [], None, {}
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            if "audit_log" not in tables:
                return [], None, {}
            rows = [dict(r._mapping) for r in conn.execute(
                text("SELECT * FROM audit_log WHERE id > :i ORDER BY id"), {"i": after_id})]
            head_row = conn.execute(text("SELECT last_id, last_hash FROM audit_head WHERE id = 1")).first()
            counts = {t: int(conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one()) for t in sorted(tables)}
    finally:
        engine.dispose()
    head = None if head_row is None else {"last_id": head_row[0], "last_hash": head_row[1]}
    return rows, head, counts


def _write_sidecar(directory: Path, source: Path, summary: dict[str, Any], rows: list[dict[str, Any]]) -> tuple[
        Path, str]:
    """The rewound audit rows as JSON lines (summary first) in a new 0600 file; returns (path, SHA-256 hex)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{source.name}.rewound-{stamp}.jsonl"
    lines = [json.dumps(summary, sort_keys=True, default=str)]
    lines += [json.dumps(r, sort_keys=True, default=str) for r in rows]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    directory.mkdir(parents=True, exist_ok=True)
    with create_private(path) as handle:
        handle.write(data)
    return path, hashlib.sha256(data).hexdigest()


def _rewind_words(rows: list[dict[str, Any]], live_head: dict | None, backup_counts: dict[str, int],
                  live_counts: dict[str, int]) -> str:
    if not rows:
        words = "rewound 0 audit rows"
    else:
        actions = Counter(str(r.get("action")) for r in rows).most_common(6)
        words = (f"rewound {len(rows)} audit rows (ids {rows[0]['id']}-{rows[-1]['id']}: "
                 + ", ".join(f"{a} x{n}" for a, n in actions) + ")")
    if live_head is not None:
        words += f"; live head was {live_head['last_id']}:{str(live_head['last_hash'])[:16]}"
    changed = [f"{t} {live_counts.get(t, 0)}->{backup_counts.get(t, 0)}"
               for t in sorted(set(live_counts) | set(backup_counts))
               if t not in ("audit_log", "audit_head") and live_counts.get(t, 0) != backup_counts.get(t, 0)]
    if changed:
        words += "; rows " + ", ".join(changed[:8])
    return words


def restore_database(database_url: str, source: Path | str,
                     services_factory: Callable[[], AuditedServices] | None = None, *,
                     backup_key: str | None = None, sidecar_dir: Path | str | None = None) -> BackupReport:
    """Verify the backup ``source`` completely, then replace the database's content with it.

    Raises :class:`~novamind_core.db.backup_envelope.BackupRejected` (nothing changed) when the signature, a chunk,
    the digest, the manifest's counts or head, or the copy's own audit chain do not check out. SQLite: the backup API
    copies the verified pages into the live database. PostgreSQL: ``psql --single-transaction -v ON_ERROR_STOP=1``
    runs the verified dump, so a failed restore changes nothing. ``services_factory()`` (optional) builds services
    afterwards to verify the chain and append the ``ops.restore`` event naming what was rewound.
    """
    from sqlalchemy.engine import make_url

    src = Path(source).expanduser().resolve()
    if not src.is_file():
        raise ConfigurationError(f"backup file {src} does not exist")
    key = configured_backup_key(backup_key)
    manifest = read_manifest(src, key)  # the signature first: nothing else is read from an unsigned file
    backend = make_url(database_url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigurationError(f"NOVAMIND_DATABASE_URL: restore supports sqlite and postgresql, not {backend}")
    if manifest.get("backend") != backend:
        raise BackupRejected(f"{src.name} is a {manifest.get('backend')} backup; this database is {backend}")
    near = _sqlite_path(database_url).parent if backend == "sqlite" else src.parent
    backup_head = manifest.get("audit_head") or {}
    with private_workdir(near) as work:
        payload = work / "payload"
        unseal(src, payload, key)
        try:
            facts = payload_facts(backend, payload)
        except Exception as exc:  # noqa: BLE001 - any unreadable copy is refused the same way
            raise BackupRejected(f"{src.name}: the copy inside the backup cannot be read ({exc})") from None
        problems = differences(manifest, facts)
        if problems:
            raise BackupRejected(f"{src.name}: the copy does not match its signed manifest: " + "; ".join(problems))
        if backend == "sqlite":
            _verify_sqlite_copy(payload, src.name)
        rows, live_head, live_counts = _live_state(database_url, int(backup_head.get("last_id") or 0))
        summary = {"restored_from": src.name, "backup_created_at": manifest.get("created_at"),
                   "backup_audit_head": backup_head, "live_audit_head": live_head, "rewound_rows": len(rows),
                   "live_table_counts": live_counts, "backup_table_counts": manifest.get("table_counts")}
        sidecar, sidecar_sha = _write_sidecar(Path(sidecar_dir) if sidecar_dir else src.parent, src, summary, rows)
        if backend == "sqlite":
            _sqlite_copy(payload, _sqlite_path(database_url))
            method = "sqlite3 backup API"
        else:
            argv, env = pg_invocation(database_url, _tool("psql"), work)
            _run_tool(argv + ["--single-transaction", "--quiet", "-v", "ON_ERROR_STOP=1", "--file", str(payload)],
                      "psql restore", env)
            method = "psql --single-transaction"
    checked, ok = 0, True
    if services_factory is not None:
        services = services_factory()
        try:
            words = _rewind_words(rows, live_head, manifest.get("table_counts") or {}, live_counts)
            _audit_ops(services, OPS_RESTORE, f"from {src.name} (created {manifest.get('created_at')}, audit head "
                                              f"{backup_head.get('last_id')}); sidecar {sidecar.name} sha256 "
                                              f"{sidecar_sha[:16]}; {words}")
            checked, ok = _verify(services)
        finally:
            services.close()
    return BackupReport(backend, src, src.stat().st_size, checked, ok, method, manifest, len(rows), sidecar)
