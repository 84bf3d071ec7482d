"""Helpers shared by the command modules: settings, services over a migrated database, the operator.

Commands that touch identifiable data act as an **authenticated** staff member, never merely a named one: a personal
API token (``NOVAMIND_API_TOKEN`` or ``--token-file FILE``; made by an admin with ``tokens create``) or, at a
terminal, ``--as USERNAME`` followed by a password prompt. A token is never taken from the command line (any local
user can read another's process list), and neither is a password. The services then check the role and care team
exactly as in the app, and every audit row names the operator and the channel ``cli``.
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from novamind_core.domain.errors import AuthenticationError, NotFoundError, PermissionDenied, ValidationError

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services
    from novamind_core.config import Settings
    from novamind_core.domain.users import User

USER_ENV = "NOVAMIND_CLI_USER"
"""Environment variable naming the user to ask a password for (``--as`` overrides it). Not a credential."""
TOKEN_ENV = "NOVAMIND_API_TOKEN"
"""Environment variable holding a personal API token (``--token-file`` overrides it)."""
CHANNEL = "cli"
T = TypeVar("T")


def cli_settings() -> Settings:
    """Settings, with development keys generated first when none are configured (never in production)."""
    from novamind_core.config import ensure_dev_keys, get_settings

    settings = get_settings()
    if not settings.has_all_keys and ensure_dev_keys(settings=settings):
        settings = get_settings()
    return settings


def require_migrated(services: Services) -> Services:
    """``services`` when their database schema is current; otherwise close them and say to run ``migrate``."""
    from novamind_core.db.engine import require_current_schema

    try:
        require_current_schema(services.engine)
    except BaseException:
        services.close()
        raise
    return services


def open_services(channel: str = CHANNEL) -> Services:
    """Services over the configured database, auditing on ``channel`` (``cli``; the worker passes ``worker``);
    refuses an unmigrated schema with a message that says to migrate."""
    from novamind_core.bootstrap import build_services

    return require_migrated(build_services(cli_settings(), channel=channel))


def add_credential_arguments(parser: argparse.ArgumentParser, what: str = "patient data") -> None:
    """``--token-file`` and ``--as`` on a command that needs an authenticated operator."""
    parser.add_argument("--token-file", metavar="FILE",
                        help=f"file holding your personal API token (mode 0600; default ${TOKEN_ENV})")
    parser.add_argument("--as", dest="as_user", metavar="USERNAME",
                        help=f"without a token: sign in as USERNAME with a password prompt (a terminal is needed) "
                             f"to work on {what}; with a token it must name the token's owner")


def read_token(args: argparse.Namespace) -> str | None:
    """The API token from ``--token-file`` (refused when other users can read the file) or ``NOVAMIND_API_TOKEN``."""
    path = getattr(args, "token_file", None)
    if path:
        file = Path(path).expanduser()
        mode = stat.S_IMODE(file.stat().st_mode)
        if mode & 0o077:
            raise PermissionDenied(f"the token file {file} can be read by other users (mode {mode:04o}): "
                                   f"run `chmod 600 {file}`")
        lines = file.read_text(encoding="utf-8").strip().splitlines()
        return lines[0].strip() if lines else None
    return (os.environ.get(TOKEN_ENV) or "").strip() or None


def acting_user(services: Services, args: argparse.Namespace, purpose: str = "patient data",
                scope: str = "phi:read") -> User:
    """The authenticated operator a command acts as: the owner of a token that carries ``scope``, or a user who
    typed their password at the prompt. ``--as`` alone is not accepted. Raises AuthenticationError (exit 2)."""
    import getpass

    from novamind_core.services.users import normalise_username

    token = read_token(args)
    name = getattr(args, "as_user", None) or os.environ.get(USER_ENV)
    if token:
        user = services.operators.authenticate(token, scope)
        if name and normalise_username(name) != user.username:
            raise PermissionDenied(f"--as names {name!r} but the API token belongs to {user.username!r}")
        return user
    if name and sys.stdin.isatty():
        return services.users.authenticate(name, getpass.getpass(f"Password for {name}: "))
    raise AuthenticationError(
        f"{purpose}: this command needs an authenticated operator. Set {TOKEN_ENV} or pass --token-file FILE "
        f"(a personal API token with the {scope} scope, made by an administrator with `tokens create`), or run it "
        f"at a terminal with --as USERNAME to be asked for your password. --as on its own is not a credential.")


def require_password_from_stdin_or_prompt(prompt: str, *, stdin: bool) -> str:
    """A password typed at a prompt (twice) or read from standard input's first line; never from argv."""
    import getpass

    if stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass(prompt)
        if getpass.getpass("Again: ") != password:
            raise ValidationError("the two passwords differ", field="password")
    else:
        raise ValidationError("the password is read at a prompt (a terminal is needed) or, with --password-stdin, "
                              "from standard input; it is never taken from the command line", field="password")
    if not password:
        raise ValidationError("the password is empty", field="password")
    return password


def user_id_named(services: Services, username: str) -> int:
    """The id of the account called ``username`` (NotFoundError naming it when there is none)."""
    user = services.users.get_by_username(username)
    if user is None:
        raise NotFoundError(f"no user named {username!r}")
    return int(user.id)


def act_on_account(username: str, act: Callable[[Services, int], T], say: Callable[[T], str]) -> int:
    """A command on one named account: open the services, ``act`` on the account called ``username`` (NotFoundError
    naming it when there is none) and print what ``say`` makes of the result. Returns the exit status (0)."""
    services = open_services()
    print(say(act(services, user_id_named(services, username))))
    return 0


def print_listing(items: Sequence[T], *, as_json: bool, header: str, line: Callable[[T], str],
                  record: Callable[[T], object] | None = None) -> int:
    """Print what a ``list`` command found: with ``--json`` an indented JSON array of each item's ``record`` (the
    item itself by default), otherwise ``header`` and then one ``line`` per item. Returns the exit status (0)."""
    if as_json:
        print(json.dumps([record(item) if record else item for item in items], indent=2))
        return 0
    print(header)
    for item in items:
        print(line(item))
    return 0
