"""Credentials for command-line tests: the CLI now needs an authenticated operator (docs/security.md, "Operators").

``use_token(services, "dr.one", monkeypatch)`` issues a personal API token for the user (as the command-line system
user, an admin) and puts it in ``NOVAMIND_API_TOKEN`` for the commands the test runs next.
"""

from __future__ import annotations

from typing import Any

ALL_PHI_SCOPES = ("phi:read", "phi:write", "phi:export")


def issue_token(services: Any, username: str, scopes: tuple[str, ...] = ALL_PHI_SCOPES, *, days: int = 30) -> str:
    from datetime import UTC, datetime

    from novamind_core.services.base import SYSTEM_USER

    pinned = services.context.clock  # the command line runs on the real clock: the token must be current there
    services.context.clock = lambda: datetime.now(UTC)
    try:
        return services.operators.create(SYSTEM_USER, username, scopes, days=days).token
    finally:
        services.context.clock = pinned


def use_token(services: Any, username: str, monkeypatch: Any, scopes: tuple[str, ...] = ALL_PHI_SCOPES) -> str:
    token = issue_token(services, username, scopes)
    monkeypatch.setenv("NOVAMIND_API_TOKEN", token)
    return token


def token_from_environment(username: str, monkeypatch: Any, scopes: tuple[str, ...] = ALL_PHI_SCOPES) -> str:
    """Issue a token through services built from the NOVAMIND_* variables the test already set."""
    from novamind_core.bootstrap import build_services
    from novamind_core.config import get_settings

    services = build_services(get_settings(), bcrypt_rounds=4)
    try:
        return use_token(services, username, monkeypatch, scopes)
    finally:
        services.close()
