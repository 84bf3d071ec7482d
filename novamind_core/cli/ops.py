"""Operations commands: ``init-keys`` and ``demo-sign-ins`` (used by ``make run``), ``backup`` and ``restore``.

The backup and restore work itself lives in :mod:`novamind_core.db.backup`; these commands parse and print.
"""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING

from novamind_core.cli.common import require_migrated
from novamind_core.domain.errors import ConfigurationError

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services


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
        role = ("admin" if "admin" in username else "analyst" if "analyst" in username
                else "clinic lead" if "lead" in username else "clinician")
        print(f"    {role:<11} {username:<18} {password}")
    print()
    return 0


# ---------------------------------------------------------------------------------------------------- backups
def _services_for_ops() -> Services:
    from novamind_core.bootstrap import build_services
    from novamind_core.config import get_settings

    return build_services(get_settings(), channel="cli")


def _backup(args: argparse.Namespace) -> int:
    from novamind_core.config import get_settings
    from novamind_core.db.backup import backup_database

    settings = get_settings()
    services = require_migrated(_services_for_ops())
    try:
        report = backup_database(settings.database_url, args.out, services)
    finally:
        services.close()
    print(f"backup written: {report.path} ({report.size_bytes:,} bytes, {report.method}); audit chain "
          f"{'verifies' if report.audit_ok else 'is BROKEN'} ({report.audit_rows} rows)")
    head = (report.manifest or {}).get("audit_head") or {}
    print(f"manifest: {sum(((report.manifest or {}).get('table_counts') or {}).values()):,} rows in "
          f"{len((report.manifest or {}).get('table_counts') or {})} tables, audit head {head.get('last_id')}:"
          f"{str(head.get('last_hash'))[:16]}")
    print("restoring it needs NOVAMIND_BACKUP_KEY (it signs and encrypts the file) and the database keys "
          "(NOVAMIND_ENCRYPTION_KEYS, NOVAMIND_BLIND_INDEX_KEY); keep all of them apart from the backups")
    return 0 if report.audit_ok else 1


def _restore(args: argparse.Namespace) -> int:
    from novamind_core.config import get_settings
    from novamind_core.db.backup import restore_database

    settings = get_settings()
    if not args.yes:
        raise ConfigurationError("restore replaces every row of the database: add --yes to confirm")
    report = restore_database(settings.database_url, args.from_path, _services_for_ops,
                              sidecar_dir=args.rewound_dir)
    print(f"verified and restored {report.path.name} (made {(report.manifest or {}).get('created_at')}) into the "
          f"{report.backend} database ({report.method}); audit chain "
          f"{'verifies' if report.audit_ok else 'is BROKEN'} ({report.audit_rows} rows)")
    print(f"the restore rewound {report.rewound_rows} newer audit rows; they are kept in {report.sidecar} and the "
          "ops.restore audit event names them")
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
        description="Copy the whole database to OUT (mode 0600), encrypted and signed with NOVAMIND_BACKUP_KEY, with "
        "a manifest (row counts, audit head, schema revision). SQLite: the sqlite3 backup API, safe while the app "
        "runs. PostgreSQL: pg_dump (needs the PostgreSQL client tools; the password goes through a private "
        "PGPASSFILE, never argv). The copy holds ciphertext: restoring it also needs the database keys. Audited "
        "as ops.backup.",
    )
    p.add_argument("--out", required=True, metavar="FILE", help="new file to write (never overwritten)")
    p.set_defaults(func=_backup)
    p = sub.add_parser(
        "restore",
        help="replace the database's content with a backup (needs --yes)",
        description="Verify the backup FILE (signature, encryption, manifest counts and audit head) and refuse it "
        "(exit 2, nothing changed) if anything fails; then keep the live audit rows newer than the backup in a "
        "0600 sidecar file, replace every row (SQLite: backup API; PostgreSQL: psql in one transaction), and "
        "audit ops.restore naming what was rewound. Stop the app first on PostgreSQL.",
    )
    p.add_argument("--from", dest="from_path", required=True, metavar="FILE", help="backup written by `backup`")
    p.add_argument("--yes", action="store_true", help="confirm that the current content is replaced")
    p.add_argument("--rewound-dir", metavar="DIR",
                   help="where to keep the audit rows the restore rewinds (default: beside the backup)")
    p.set_defaults(func=_restore)
