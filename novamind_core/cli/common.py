"""Helpers shared by the command modules: settings, services over a migrated database, the acting user."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from novamind_core.domain.errors import NotFoundError, ValidationError

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services
    from novamind_core.config import Settings
    from novamind_core.domain.users import User

USER_ENV = "NOVAMIND_CLI_USER"
"""Environment variable naming the user a command acts as (``--as`` overrides it)."""


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


def open_services() -> Services:
    """Services over the configured database; refuses an unmigrated schema with a message that says to migrate."""
    from novamind_core.bootstrap import build_services

    return require_migrated(build_services(cli_settings()))


def acting_user(services: Services, username: str | None, purpose: str = "patient data") -> User:
    """The named user a command acts as: commands that touch identifiable data run as a clinician on the care team,
    exactly as in the app (the services check the role and the care team and audit the call)."""
    name = username or os.environ.get(USER_ENV)
    if not name:
        raise ValidationError(f"commands on {purpose} act as a clinician on the care team: pass --as USERNAME "
                              f"(or set {USER_ENV})", field="as")
    user = services.users.get_by_username(name)
    if user is None:
        raise NotFoundError(f"no user named {name!r}")
    return user
