"""Operations commands: ``init-keys`` and ``demo-sign-ins`` (used by ``make run``), ``backup`` and ``restore``."""

from __future__ import annotations

import argparse
import logging


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


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "init-keys",
        help="create development keys in data/keys.env once (0600); never in production",
        description="Create development keys once in the git-ignored data/keys.env (mode 0600), then validate "
        "the configuration. In production keys come from the environment and this only validates.",
    )
    p.set_defaults(func=_init_keys)
