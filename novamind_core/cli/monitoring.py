"""Operations monitoring commands: ``metrics`` (Prometheus endpoint), ``audit forward`` and ``audit head``.

None of them reads PHI (docs/deployment.md, "Operations"): they open the database with the server's configuration,
like the worker, and read counts or audit rows only.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from novamind_core.domain.errors import ValidationError

DEFAULT_CURSOR = Path("data/runtime/audit-forward.cursor")


def _session_factory() -> tuple[Callable[[], Any], Callable[[], None], Any]:
    """A session factory over the configured database (schema checked), its closer, and the settings."""
    from novamind_core.bootstrap import build_services
    from novamind_core.cli.common import require_migrated
    from novamind_core.config import get_settings
    from novamind_core.observability.exporter import session_factory_for
    from novamind_core.observability.logs import bind, new_request_id
    from novamind_core.security.redaction import configure_logging

    settings = get_settings()
    configure_logging(settings)
    bind(request_id=new_request_id())  # this command's log lines share one request_id
    services = require_migrated(build_services(settings, channel="cli"))
    return session_factory_for(services.engine), services.close, settings


def _metrics(args: argparse.Namespace) -> int:
    from novamind_core.observability.exporter import exposition, make_server

    factory, close, settings = _session_factory()
    metrics_dir = Path(settings.metrics_dir)
    try:
        if args.once:
            sys.stdout.write(exposition(factory, metrics_dir))
            return 0
        try:
            server = make_server(args.host, args.port, factory, metrics_dir)
        except OSError as exc:  # port taken, address not on this host, no permission: say so, no traceback
            print(f"metrics: cannot serve on {args.host}:{args.port}: {exc.strerror or exc}. Choose another "
                  "--port or --host.", file=sys.stderr)
            return 2
        print(f"metrics: serving http://{args.host}:{server.server_address[1]}/metrics (counts only, no PHI)",
              flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
        return 0
    finally:
        close()


def _sink(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from novamind_core.observability.audit_stream import JsonlSink, SyslogSink

    if args.jsonl:
        return JsonlSink(Path(args.jsonl))
    host, _, port = args.syslog.rpartition(":")
    if not host or not port.isdigit():
        raise ValidationError("--syslog takes HOST:PORT (e.g. siem.hospital.example:514)", field="syslog",
                              value=args.syslog)
    return SyslogSink(host, int(port), tcp=args.tcp)


def _audit_forward(args: argparse.Namespace) -> int:
    from novamind_core.observability.audit_stream import ChainDiverged, Cursor, forward, write_cursor

    cursor_path = Path(args.cursor)
    if args.from_id is not None:
        if args.from_id < 0:
            raise ValidationError("--from-id must be 0 or more", field="from_id", value=args.from_id)
        write_cursor(cursor_path, Cursor(args.from_id, ""))
    factory, close, _ = _session_factory()
    sink = _sink(args)
    try:
        report = forward(factory, sink, cursor_path, limit=args.limit)
    except ChainDiverged as exc:
        print(f"audit forward: {exc}", file=sys.stderr)
        return 1
    finally:
        sink.close()
        close()
    print(f"audit forward: {report.forwarded} event(s) sent to {sink.describe()}; cursor at row {report.cursor.id}")
    return 0


def _audit_head(args: argparse.Namespace) -> int:
    from novamind_core.observability.audit_stream import export_head

    factory, close, _ = _session_factory()
    try:
        doc, path = export_head(factory, Path(args.export) if args.export else None, now=datetime.now(UTC))
    finally:
        close()
    print(json.dumps(doc, sort_keys=True))
    if path is not None:
        print(f"audit head written to {path}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "metrics", help="serve Prometheus metrics (sessions, sign-ins, queue depth, page latency; no PHI)",
        description="Serve GET /metrics in Prometheus text format: live sessions, sign-ins and failed sign-ins, "
        "worker queue depth by status, audit rows, and the page-latency histogram written by the app processes "
        "(NOVAMIND_METRICS_DIR). Counts only: no PHI, no encryption key used. --once prints one scrape.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=9464, help="port (default 9464)")
    p.add_argument("--once", action="store_true", help="print the metrics once and exit (textfile collectors)")
    p.set_defaults(func=_metrics)

    audit = sub.add_parser("audit", help="forward the audit log to a security log system; export the chain head")
    asub = audit.add_subparsers(dest="audit_command", metavar="<action>", parser_class=type(audit))
    audit.set_defaults(func=lambda args: (audit.print_help(), 2)[1])
    f = asub.add_parser(
        "forward", help="send audit rows after the cursor to a JSONL file or syslog (resumable)",
        description="Send every audit row after the cursor (oldest first; one JSON object per row with its chain "
        "hash) and advance the cursor after each batch. At least once: the receiver de-duplicates by id. Refuses "
        "(exit 1, nothing sent) when the last forwarded row is gone or changed (a restore rewound the log).")
    dest = f.add_mutually_exclusive_group(required=True)
    dest.add_argument("--jsonl", metavar="FILE", help="append to this JSONL stream file (0600)")
    dest.add_argument("--syslog", metavar="HOST:PORT", help="send to this syslog receiver (UDP; --tcp for TCP)")
    f.add_argument("--tcp", action="store_true", help="syslog over TCP")
    f.add_argument("--cursor", default=str(DEFAULT_CURSOR), metavar="FILE",
                   help=f"where the last forwarded row is remembered (default {DEFAULT_CURSOR})")
    f.add_argument("--from-id", type=int, default=None, metavar="ID",
                   help="restart after row ID (0: everything), e.g. after a recorded restore")
    f.add_argument("--limit", type=int, default=None, help="send at most this many rows in this run")
    f.set_defaults(func=_audit_forward)
    h = asub.add_parser(
        "head", help="print the audit chain head (newest id, hash, row count); --export DIR writes the day's file",
        description="Print the audit chain head as JSON; with --export DIR also write DIR/audit-head-<date>.json "
        "(0600). Run daily (cron or the worker host) and keep the files away from the database: a later "
        "truncation of the newest audit rows then shows.")
    h.add_argument("--export", metavar="DIR", help="directory for audit-head-<date>.json")
    h.set_defaults(func=_audit_head)
