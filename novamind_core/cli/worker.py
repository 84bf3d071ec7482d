"""Worker commands: ``worker [--once] [--console]`` and ``outbox list [--status ...]`` (docs/notifications.md).

``outbox list`` shows states, attempts and failure reasons only: never an address, a body or a link.
"""

from __future__ import annotations

import argparse
import sys

from novamind_core.cli.common import open_services
from novamind_core.domain.outbox import OutboxStatus


def _worker(args: argparse.Namespace) -> int:
    from novamind_core.notifications.transports import transport_from_settings
    from novamind_core.security.redaction import configure_logging
    from novamind_core.worker import Worker

    services = open_services(channel="worker")  # its audit rows say they came from the background sender
    configure_logging(services.settings)
    transport = transport_from_settings(services.settings, "console" if args.console else "smtp")
    worker = Worker(services, transport, worker_id=args.worker_id or None)
    try:
        if args.once:
            try:
                result = worker.run_once()
            finally:
                transport.close()
            print(f"worker pass: {result.describe()}")
            return 0
        worker.install_signal_handlers()
        worker.run()
        return 0
    finally:
        services.close()


def _outbox_list(args: argparse.Namespace) -> int:
    services = open_services()
    try:
        entries = services.notifications.outbox(args.status, args.limit)
        counts = services.notifications.outbox_counts()
    finally:
        services.close()
    print(f"outbox: {counts.queued} queued, {counts.sending} sending, {counts.failed} failed, {counts.dead} dead, "
          f"{counts.sent} sent")
    if not entries:
        print("(no messages)" if args.status is None else f"(no {args.status} messages)")
        return 0
    print(f"{'id':>7}  {'kind':<12} {'channel':<7} {'status':<8} {'tries':>5}  {'created (UTC)':<16}  "
          f"{'next try / sent (UTC)':<21}  {'request':>7}  reason")
    for e in entries:
        when = e.sent_at if e.sent_at is not None else e.next_attempt_at
        print(f"{e.id:>7}  {e.kind.value:<12} {e.channel.value:<7} {e.status.value:<8} {e.attempts:>5}  "
              f"{e.created_at:%Y-%m-%d %H:%M}  {when:%Y-%m-%d %H:%M}{'':<5}  "
              f"{e.request_id if e.request_id is not None else '-':>7}  {e.last_error or ''}")
    sys.stdout.flush()
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    worker = sub.add_parser("worker", help="send due invitations and reminders, expire links, retry failed sends")
    worker.add_argument("--once", action="store_true", help="one pass (expire, schedule, remind, send), then exit")
    worker.add_argument("--console", action="store_true",
                        help="print messages to the terminal instead of sending them")
    worker.add_argument("--worker-id", default="", help=argparse.SUPPRESS)
    worker.set_defaults(func=_worker)

    outbox = sub.add_parser("outbox", help="operator's view of the outbox (no addresses or bodies)")
    outbox_sub = outbox.add_subparsers(dest="outbox_command", metavar="<action>", parser_class=type(outbox))
    listing = outbox_sub.add_parser("list", help="messages, newest first, with state, tries and reason")
    listing.add_argument("--status", choices=[s.value for s in OutboxStatus], default=None)
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(func=_outbox_list)
