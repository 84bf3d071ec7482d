"""``sessions``: list signed-in sessions, end one or all of an account's, and lift a sign-in back-off.

The host operator's commands beside ``users`` (no patient data; each is audited like the Admin page's controls)::

    python -m novamind_core sessions list [--user NAME] [--json]
    python -m novamind_core sessions revoke SESSION_ID
    python -m novamind_core sessions revoke-all USERNAME
    python -m novamind_core sessions unlock USERNAME
"""

from __future__ import annotations

import argparse

from novamind_core.cli.common import act_on_account, open_services, print_listing, user_id_named
from novamind_core.services.base import SYSTEM_USER


def cmd_list(args: argparse.Namespace) -> int:
    services = open_services()
    uid = user_id_named(services, args.user) if args.user else None
    return print_listing(
        services.sessions.list_live(SYSTEM_USER, uid), as_json=args.json,
        record=lambda s: {"id": s.id, "username": s.username, "channel": s.channel,
                          "created_at": s.created_at.isoformat(), "last_seen_at": s.last_seen_at.isoformat(),
                          "idle_expires_at": s.idle_expires_at.isoformat(),
                          "absolute_expires_at": s.absolute_expires_at.isoformat()},
        header=f"{'id':>6}  {'username':<20} {'channel':<8} {'last activity (UTC)':<20} idle expiry (UTC)",
        line=lambda s: f"{s.id:>6}  {s.username:<20} {s.channel:<8} {s.last_seen_at:%Y-%m-%d %H:%M:%S}  "
                       f"{s.idle_expires_at:%Y-%m-%d %H:%M:%S}")


def cmd_revoke(args: argparse.Namespace) -> int:
    record = open_services().sessions.revoke(SYSTEM_USER, args.session_id)
    print(f"session {record.id} of {record.username} ended")
    return 0


def cmd_revoke_all(args: argparse.Namespace) -> int:
    return act_on_account(args.username, lambda services, uid: services.sessions.revoke_all(SYSTEM_USER, uid),
                          lambda count: f"{count} session(s) of {args.username} ended")


def cmd_unlock(args: argparse.Namespace) -> int:
    return act_on_account(args.username, lambda services, uid: services.users.unlock(SYSTEM_USER, uid),
                          lambda account: f"sign-in back-off of {account.username} lifted")


def register(subparsers: argparse._SubParsersAction) -> None:
    sessions = subparsers.add_parser("sessions", help="signed-in sessions: list, end, lift a sign-in back-off")
    sub = sessions.add_subparsers(dest="sessions_command", metavar="<action>", parser_class=type(sessions))
    sub.required = True
    p = sub.add_parser("list", help="list live sessions (never their secrets)")
    p.add_argument("--user", help="only this username's sessions")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_list)
    p = sub.add_parser("revoke", help="end one session now")
    p.add_argument("session_id", type=int)
    p.set_defaults(func=cmd_revoke)
    p = sub.add_parser("revoke-all", help="end every session of an account now")
    p.add_argument("username")
    p.set_defaults(func=cmd_revoke_all)
    p = sub.add_parser("unlock", help="lift an account's sign-in back-off (from every address)")
    p.add_argument("username")
    p.set_defaults(func=cmd_unlock)
