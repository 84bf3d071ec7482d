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


def _demo_sign_ins(args: argparse.Namespace) -> int:
    from novamind_core.config import get_settings
    from novamind_core.security.passwords import DEMO_CREDENTIALS

    settings = get_settings()
    if not settings.demo_users_enabled:
        print("Demo sign-ins are disabled in this environment.")
        return 0
    print()
    print("  Novamind is starting on http://127.0.0.1:8501  (synthetic demo data; not for real patients)")
    print("  Demo sign-ins (development only; refused in production):")
    for username, password in DEMO_CREDENTIALS.items():
        role = "admin" if "admin" in username else "analyst" if "analyst" in username else "clinician"
        print(f"    {role:<10} {username:<18} {password}")
    print()
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "init-keys",
        help="create development keys in data/keys.env once (0600); never in production",
        description="Create development keys once in the git-ignored data/keys.env (mode 0600), then validate "
        "the configuration. In production keys come from the environment and this only validates.",
    )
    p.set_defaults(func=_init_keys)
    p = sub.add_parser("demo-sign-ins", help="print the demo users and their passwords (development only)")
    p.set_defaults(func=_demo_sign_ins)
