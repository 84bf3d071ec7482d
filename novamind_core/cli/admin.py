"""Administration commands: migrate, seed-demo, users, tokens, audit-verify, rotate-keys.

Maintenance commands act as the command-line system user (trusted by OS access to the keys and database: whoever
can run them can read the key variables anyway); every one of them is audited like a service call, on channel
``cli``. ``tokens`` manages operators' personal API tokens and needs an administrator who authenticates (an
``admin``-scoped token, or ``--as ADMIN`` and a password prompt). Passwords are never read from the command line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from novamind_core.cli.common import (
    act_on_account,
    acting_user,
    add_credential_arguments,
    cli_settings,
    open_services,
    print_listing,
    require_password_from_stdin_or_prompt,
)
from novamind_core.domain.errors import ValidationError
from novamind_core.domain.users import SYSTEM_USER


def cmd_migrate(args: argparse.Namespace) -> int:
    from novamind_core.db.engine import migrate

    settings = cli_settings()
    migrate(settings.database_url)
    print("database schema is up to date (alembic upgrade head)")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from novamind_core.db.engine import migrate
    from novamind_core.demo.seed import seed_demo

    settings = cli_settings()
    migrate(settings.database_url)
    services = open_services()
    report = seed_demo(services, n_patients=args.patients, seed=args.seed, if_empty=args.if_empty,
                       outcome_history=args.outcome_history)
    if report.skipped:
        print(f"seed-demo skipped: {report.reason}")
    else:
        print(f"seeded {report.patients} synthetic patients, {report.assessments} assessments, "
              f"{report.medication_orders} medication orders, {report.alerts} alerts, "
              f"{report.wearable_days} days of minute actigraphy; {report.users_created} demo users created; "
              f"{report.outcome_history_patients} past synthetic courses for the outcomes page")
        # More patients with minute-level actigraphy, added through the audited import path.
        from novamind_core.demo.wearables import seed_demo_wearables

        extra = seed_demo_wearables(services, n_patients=8, days=56, seed=args.seed)
        print(f"added synthetic actigraphy for {extra.patients} more patients")
    return 0


def cmd_users_add(args: argparse.Namespace) -> int:
    if args.password is not None:  # kept only to refuse it: argv is visible to every local user (ps, /proc)
        raise ValidationError("--password is not accepted: a password on the command line is visible to every "
                              "local user; type it at the prompt or pipe it with --password-stdin", field="password")
    password = require_password_from_stdin_or_prompt(f"Password for {args.username}: ", stdin=args.password_stdin)
    account = open_services().users.create(SYSTEM_USER, args.username, args.name or args.username, args.role, password)
    print(f"created user {account.username} (id {account.id}, role {account.role})")
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    return print_listing(
        open_services().users.list(SYSTEM_USER), as_json=args.json,
        record=lambda a: {"id": a.id, "username": a.username, "display_name": a.display_name, "role": a.role,
                          "active": a.active, "locked_until": a.locked_until.isoformat() if a.locked_until else None,
                          "active_patients": a.patient_count, "trainee": a.trainee},
        header=f"{'id':>4}  {'username':<20} {'role':<10} {'active':<7} {'active patients':>15}  name",
        line=lambda a: f"{a.id:>4}  {a.username:<20} {a.role:<10} {'yes' if a.active else 'no':<7} "
                       f"{a.patient_count:>15}  {a.display_name}")


def cmd_users_set_role(args: argparse.Namespace) -> int:
    return act_on_account(args.username, lambda services, uid: services.users.set_role(SYSTEM_USER, uid, args.role),
                          lambda account: f"{account.username} is now {account.role}")


def cmd_users_deactivate(args: argparse.Namespace) -> int:
    return act_on_account(args.username, lambda services, uid: services.users.deactivate(SYSTEM_USER, uid),
                          lambda account: f"{account.username} is deactivated")


def cmd_users_trainee(args: argparse.Namespace) -> int:
    return act_on_account(
        args.username, lambda services, uid: services.notes.set_trainee(SYSTEM_USER, uid, args.on),
        lambda trainee: f"{args.username} is " + ("now a trainee: their signed notes need a co-signature" if trainee
                                                  else "no longer a trainee: their signed notes need no co-signature"))


def cmd_tokens_create(args: argparse.Namespace) -> int:
    from novamind_core.domain.operators import TokenScope

    services = open_services()
    try:
        admin = acting_user(services, args, "managing API tokens", TokenScope.ADMIN)
        issued = services.operators.create(admin, args.username, args.scope, days=args.days, name=args.name or "")
    finally:
        services.close()
    info = issued.info
    print(f"token {info.id} for {info.username}: scopes {' '.join(info.scopes)}, expires "
          f"{info.expires_at:%Y-%m-%d %H:%M} UTC")
    if args.out:
        target = Path(args.out).expanduser()
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never overwrite; 0600 from birth
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(issued.token + "\n")
        print(f"the token is in {target} (mode 0600); hand it to {info.username} and use it with --token-file")
    else:
        print(issued.token)
        print("shown once and stored nowhere: give it to its owner, who keeps it in a 0600 file (--token-file) or "
              "NOVAMIND_API_TOKEN", file=sys.stderr)
    return 0


def cmd_tokens_list(args: argparse.Namespace) -> int:
    from novamind_core.domain.operators import TokenScope

    services = open_services()
    try:
        admin = acting_user(services, args, "managing API tokens", TokenScope.ADMIN)
        tokens = services.operators.list(admin, args.user)
        now = services.context.now()
    finally:
        services.close()
    rows = [{"id": t.id, "user": t.username, "name": t.name, "prefix": t.prefix, "scopes": list(t.scopes),
             "state": t.state(now), "expires_at": t.expires_at.isoformat(),
             "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None} for t in tokens]
    return print_listing(
        rows, as_json=args.json,
        header=f"{'id':>4}  {'user':<20} {'state':<8} {'scopes':<32} {'expires (UTC)':<16}  last used",
        line=lambda r: f"{r['id']:>4}  {r['user']:<20} {r['state']:<8} {' '.join(r['scopes']):<32} "
                       f"{r['expires_at'][:16]:<16}  {(r['last_used_at'] or 'never')[:16]}")


def cmd_tokens_revoke(args: argparse.Namespace) -> int:
    from novamind_core.domain.operators import TokenScope

    services = open_services()
    try:
        admin = acting_user(services, args, "managing API tokens", TokenScope.ADMIN)
        info = services.operators.revoke(admin, args.token_id)
    finally:
        services.close()
    print(f"token {info.id} of {info.username} is revoked")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    result = open_services().audit.verify(SYSTEM_USER)
    if args.json:
        print(json.dumps({"ok": result.ok, "checked": result.checked, "first_broken_id": result.first_broken_id,
                          "reason": result.reason}))
    else:
        print(result.describe())
    return 0 if result.ok else 1


def cmd_rotate_keys(args: argparse.Namespace) -> int:
    services = open_services()
    report = services.keys.rotate(SYSTEM_USER, batch_size=args.batch_size)
    print(f"re-encrypted {report.values_rotated} values under the newest key "
          f"({report.values_already_current} already current, {report.rows_examined} rows examined)")
    if services.cipher.key_count > 1:
        print("every value now uses the first key: older keys can be removed from NOVAMIND_ENCRYPTION_KEYS")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("migrate", help="create or upgrade the database schema (alembic upgrade head)")
    p.set_defaults(func=cmd_migrate)

    p = subparsers.add_parser("seed-demo", help="seed the synthetic demo cohort and demo users (not in production)")
    p.add_argument("--patients", type=int, default=60, help="number of synthetic patients (default 60)")
    p.add_argument("--seed", type=int, default=0, help="random seed: the same seed gives the same cohort")
    p.add_argument("--if-empty", action="store_true", help="do nothing when the database already has patients")
    p.add_argument("--outcome-history", type=int, default=90,
                   help="past discharged synthetic courses for the outcomes page (default 90; 0 for none)")
    p.set_defaults(func=cmd_seed_demo)

    users = subparsers.add_parser("users", help="manage user accounts")
    usub = users.add_subparsers(dest="users_command", metavar="<action>", parser_class=type(users))
    p = usub.add_parser("add", help="create a user")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=["clinician", "clinic_lead", "analyst", "admin"])
    p.add_argument("--name", help="display name (default: the username)")
    p.add_argument("--password", help=argparse.SUPPRESS)  # refused with a reason (never from argv)
    p.add_argument("--password-stdin", action="store_true",
                   help="read the initial password from standard input's first line (default: a prompt)")
    p.set_defaults(func=cmd_users_add)
    p = usub.add_parser("list", help="list users")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_users_list)
    p = usub.add_parser("set-role", help="change a user's role")
    p.add_argument("username")
    p.add_argument("role", choices=["clinician", "clinic_lead", "analyst", "admin"])
    p.set_defaults(func=cmd_users_set_role)
    p = usub.add_parser("deactivate", help="deactivate a user (they can no longer sign in)")
    p.add_argument("username")
    p.set_defaults(func=cmd_users_deactivate)
    p = usub.add_parser("trainee", help="flag a clinician as a trainee (signed notes need a co-signature) or unflag")
    p.add_argument("username")
    flag = p.add_mutually_exclusive_group(required=True)
    flag.add_argument("--on", dest="on", action="store_true", help="notes this clinician signs need a co-signature")
    flag.add_argument("--off", dest="on", action="store_false", help="no co-signature needed any more")
    p.set_defaults(func=cmd_users_trainee)
    users.set_defaults(func=lambda a: (users.print_help(), 2)[1])

    tokens = subparsers.add_parser(
        "tokens", help="operators' personal API tokens (admins; the token is shown once and stored hashed)",
        description="Create, list and revoke personal API tokens. The command-line tools that touch patient data "
        "need one (NOVAMIND_API_TOKEN or --token-file) or a password typed at a prompt. Scopes: phi:read, "
        "phi:write, phi:export, admin. These commands need an administrator: an admin-scoped token or --as ADMIN "
        "with a password prompt.")
    tsub = tokens.add_subparsers(dest="tokens_command", metavar="<action>", parser_class=type(tokens))
    p = tsub.add_parser("create", help="issue a token for a user (printed once)")
    p.add_argument("username", help="the staff member who will use the token")
    p.add_argument("--scope", action="append", required=True,
                   choices=["phi:read", "phi:write", "phi:export", "admin"], help="repeat for several scopes")
    p.add_argument("--days", type=int, default=90, help="days until it expires (1-365; default 90)")
    p.add_argument("--name", help="a label to tell tokens apart (e.g. 'nightly FHIR export')")
    p.add_argument("--out", metavar="FILE", help="write the token to a new 0600 file instead of printing it")
    add_credential_arguments(p, "API tokens")
    p.set_defaults(func=cmd_tokens_create)
    p = tsub.add_parser("list", help="list tokens (never the token text)")
    p.add_argument("--user", help="only this user's tokens")
    p.add_argument("--json", action="store_true")
    add_credential_arguments(p, "API tokens")
    p.set_defaults(func=cmd_tokens_list)
    p = tsub.add_parser("revoke", help="revoke a token now")
    p.add_argument("token_id", type=int)
    add_credential_arguments(p, "API tokens")
    p.set_defaults(func=cmd_tokens_revoke)
    tokens.set_defaults(func=lambda a: (tokens.print_help(), 2)[1])

    p = subparsers.add_parser("audit-verify", help="verify the audit log's hash chain; names the first broken row")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_audit_verify)

    p = subparsers.add_parser("rotate-keys", help="re-encrypt every encrypted value under the newest key")
    p.add_argument("--batch-size", type=int, default=500, help="rows per transaction (default 500)")
    p.set_defaults(func=cmd_rotate_keys)
