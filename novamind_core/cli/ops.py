"""Operations commands: ``init-keys`` and ``demo-sign-ins`` (used by ``make run``), ``backup`` and ``restore``."""

from __future__ import annotations

import argparse
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from novamind_core.domain.errors import ConfigurationError


def _init_keys(args: argparse.Namespace) -> int:
    from novamind_core.config import ensure_dev_keys, get_settings
    from novamind_core.security.redaction import configure_logging

    settings = get_settings()
    configure_logging(settings)
    created = ensure_dev_keys(settings=settings)
    if not created:
        logging.getLogger("novamind.ops").info("keys: using existing configuration")
    get_settings().validate_for_startup()
    return 0


def _demo_sign_ins(args: argparse.Namespace) -> int:
    from novamind_core.config import get_settings
    from novamind_core.security.passwords import DEMO_CREDENTIALS

    settings = get_settings()
    if not settings.demo_users_enabled:
        print("Demo sign-ins are disabled in this environment.")
        return 0
    print()
    print(f"  Novamind is starting on {args.url}  (synthetic demo data; not for real patients)")
    print("  Demo sign-ins (development only; refused in production):")
    for username, password in DEMO_CREDENTIALS.items():
        role = "admin" if "admin" in username else "analyst" if "analyst" in username else "clinician"
        print(f"    {role:<10} {username:<18} {password}")
    print()
    return 0


# ---------------------------------------------------------------------------------------------------- backups
#: Audit action names of the operations commands (stable strings: they are stored).
OPS_BACKUP = "ops.backup"
OPS_RESTORE = "ops.restore"


@dataclass(frozen=True)
class BackupReport:
    """What ``backup`` or ``restore`` did: the backend, the file, its size and the audit chain after the copy."""

    backend: str
    path: Path
    size_bytes: int
    audit_rows: int
    audit_ok: bool
    method: str


def _audit_ops(services: Any, action: str, detail: str) -> None:
    """Append one audit row for an operations command (actor: the command-line system user)."""
    from novamind_core.security.audit import AuditOutcome, AuditRecord
    from novamind_core.services.base import SYSTEM_USER

    with services.context.uow() as uow:
        uow.audit.append(AuditRecord(at=services.context.now(), user_id=None, username=SYSTEM_USER.username,
                                     role=SYSTEM_USER.role.value, action=action, patient_id=None,
                                     outcome=AuditOutcome.SUCCESS, detail=detail[:500]))
        uow.commit()


def _verify(services: Any) -> tuple[int, bool]:
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


def backup_database(database_url: str, out: Path | str, services: Any | None = None) -> BackupReport:
    """Copy the database to ``out`` (mode 0600): SQLite through the backup API (online), PostgreSQL through
    ``pg_dump`` (plain SQL, ``--clean --if-exists``, limited to the schema in the URL's ``search_path`` if any).

    The copy holds ciphertext and blind indexes only; restoring it needs the same keys. An ``ops.backup`` audit
    event is written before the copy, so the backup carries its own record.
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


def restore_database(database_url: str, source: Path | str, services_factory: Any | None = None) -> BackupReport:
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


def _services_for_ops() -> Any:
    from novamind_core.bootstrap import build_services
    from novamind_core.config import get_settings

    return build_services(get_settings())


def _backup(args: argparse.Namespace) -> int:
    from novamind_core.config import get_settings
    from novamind_core.db.engine import require_current_schema

    settings = get_settings()
    services = _services_for_ops()
    try:
        require_current_schema(services.engine)
        report = backup_database(settings.database_url, args.out, services)
    finally:
        services.close()
    print(f"backup written: {report.path} ({report.size_bytes:,} bytes, {report.method}); audit chain "
          f"{'verifies' if report.audit_ok else 'is BROKEN'} ({report.audit_rows} rows)")
    print("the backup holds ciphertext only: keep NOVAMIND_ENCRYPTION_KEYS and NOVAMIND_BLIND_INDEX_KEY "
          "(stored separately) to restore it")
    return 0 if report.audit_ok else 1


def _restore(args: argparse.Namespace) -> int:
    from novamind_core.config import get_settings

    settings = get_settings()
    if not args.yes:
        raise ConfigurationError("restore replaces every row of the database: add --yes to confirm")
    report = restore_database(settings.database_url, args.from_path, _services_for_ops)
    print(f"restored {report.path.name} into the {report.backend} database ({report.method}); audit chain "
          f"{'verifies' if report.audit_ok else 'is BROKEN'} ({report.audit_rows} rows)")
    return 0 if report.audit_ok else 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "init-keys",
        help="create development keys in data/keys.env once (0600); never in production",
        description="Create development keys once in the git-ignored data/keys.env (mode 0600), then validate "
        "the configuration. In production keys come from the environment and this only validates.",
    )
    p.set_defaults(func=_init_keys)
    p = sub.add_parser("demo-sign-ins", help="print the demo users and their passwords (development only)")
    p.add_argument("--url", default="http://127.0.0.1:8501", help="address the app will be served on")
    p.set_defaults(func=_demo_sign_ins)
    p = sub.add_parser(
        "backup",
        help="copy the database to a new file (SQLite online copy; PostgreSQL via pg_dump)",
        description="Copy the whole database to OUT (mode 0600). SQLite: the sqlite3 backup API, safe while the app "
        "runs. PostgreSQL: pg_dump (plain SQL; needs the PostgreSQL client tools). The copy holds ciphertext: "
        "restoring it needs the same keys. Audited as ops.backup.",
    )
    p.add_argument("--out", required=True, metavar="FILE", help="new file to write (never overwritten)")
    p.set_defaults(func=_backup)
    p = sub.add_parser(
        "restore",
        help="replace the database's content with a backup (needs --yes)",
        description="Replace every row with the backup FILE (SQLite: backup API; PostgreSQL: psql in one "
        "transaction, so a failed restore changes nothing), verify the audit chain and audit ops.restore. "
        "Stop the app first on PostgreSQL.",
    )
    p.add_argument("--from", dest="from_path", required=True, metavar="FILE", help="backup written by `backup`")
    p.add_argument("--yes", action="store_true", help="confirm that the current content is replaced")
    p.set_defaults(func=_restore)
