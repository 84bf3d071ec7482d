"""``python -m novamind_core <command>``: the command-line door to the core.

Each command group is one module of this package that registers its own sub-commands (``register(subparsers)``),
so this file stays a router. A command returns an exit code; a :class:`NovamindError` becomes a one-line reason and
exit code 2. ``--version`` prints ``novamind <version>``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from novamind_core.domain.errors import NovamindError

#: Distribution name in ``pyproject.toml`` (``[project] name``).
DISTRIBUTION = "novamind"

# Modules that contribute sub-commands, in help order. Each defines ``register(subparsers) -> None`` and sets
# ``func`` (a callable taking the parsed args and returning an int exit code) on its parsers.
COMMAND_MODULES: tuple[str, ...] = (
    "novamind_core.cli.admin",
    "novamind_core.cli.scores",
    "novamind_core.cli.pharmacology",
    "novamind_core.cli.tdm",
    "novamind_core.cli.taper",
    "novamind_core.cli.twin",
    "novamind_core.cli.biometrics",
    "novamind_core.cli.interop",
    "novamind_core.cli.ml",
    "novamind_core.cli.ops",
    "novamind_core.cli.monitoring",
    "novamind_core.cli.reporting",
    "novamind_core.cli.outcomes",
    "novamind_core.cli.worker",
    "novamind_core.cli.sessions",
)


#: The module that registers each command, so ``python -m novamind_core <command>`` imports that module alone (building
#: every module's parser costs about half a second of imports, twice what ``simulate`` itself needs). A command not
#: listed here still works: every module in :data:`COMMAND_MODULES` is then loaded. Kept true by
#: ``tests/unit/test_cli_routing.py``.
COMMAND_HOMES: dict[str, str] = {
    **dict.fromkeys(("migrate", "seed-demo", "users", "tokens", "audit-verify", "rotate-keys"),
                    "novamind_core.cli.admin"),
    **dict.fromkeys(("score", "change"), "novamind_core.cli.scores"),
    **dict.fromkeys(("pk", "pk-fit", "drugs"), "novamind_core.cli.pharmacology"),
    "tdm": "novamind_core.cli.tdm",
    "taper": "novamind_core.cli.taper",
    **dict.fromkeys(("simulate", "cohort-simulate", "calibrate"), "novamind_core.cli.twin"),
    "actigraphy": "novamind_core.cli.biometrics",
    **dict.fromkeys(("import", "export", "seed-wearables"), "novamind_core.cli.interop"),
    **dict.fromkeys(("train", "models"), "novamind_core.cli.ml"),
    **dict.fromkeys(("init-keys", "demo-sign-ins", "backup", "restore"), "novamind_core.cli.ops"),
    **dict.fromkeys(("metrics", "audit"), "novamind_core.cli.monitoring"),
    **dict.fromkeys(("requests", "plans"), "novamind_core.cli.reporting"),
    **dict.fromkeys(("outcomes", "billing"), "novamind_core.cli.outcomes"),
    **dict.fromkeys(("worker", "outbox"), "novamind_core.cli.worker"),
    "sessions": "novamind_core.cli.sessions",
}


def version() -> str:
    """The installed distribution's version, or the source tree's when it is not installed.

    Both come from one place: ``pyproject.toml`` reads its version from ``novamind_core.__version__``.
    """
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed_version

    try:
        return installed_version(DISTRIBUTION)
    except PackageNotFoundError:
        from novamind_core import __version__

        return __version__


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose usage errors are a one-line reason with exit code 2."""

    def error(self, message: str) -> None:  # pragma: no cover - exercised through main()
        self.exit(2, f"error: {message} (see --help)\n")


class _VersionAction(argparse.Action):
    """``--version``: the version is looked up only when asked (``importlib.metadata`` costs ~0.1 s to import)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="show the version and exit")

    def __call__(self, parser, namespace, values, option_string=None) -> None:  # type: ignore[no-untyped-def]
        print(f"{DISTRIBUTION} {version()}")
        parser.exit()


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``command`` (listed in :data:`COMMAND_HOMES`) only that command's module is loaded."""
    parser = _Parser(prog="python -m novamind_core", description="Novamind digital twin: command-line tools.")
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="<command>", parser_class=_Parser)
    for name in (COMMAND_HOMES[command],) if command in COMMAND_HOMES else COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv[0] if argv and not argv[0].startswith("-") else None)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except NovamindError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"error: cannot read {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        logging.getLogger(__name__).warning("interrupted")
        return 130
