"""The command line as a package: one module per command group, ``--version`` from the one version source, and
command modules that reach storage only through services, ``db/engine.py`` (migrate, schema check) and
``db/backup.py``."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, version

import pytest

import novamind_core
from novamind_core.cli import COMMAND_MODULES, build_parser, main
from tests.unit.test_architecture import CORE, REPO_ROOT, imports_of, python_files, violates

CLI_FILES = python_files(CORE / "cli")
#: The storage modules a command module may name: the engine (migrate, the schema check) and the backup functions.
CLI_ALLOWED_DB = ("novamind_core.db.engine", "novamind_core.db.backup")


def test_version_prints_novamind_and_the_package_version_and_exits_0():
    done = subprocess.run([sys.executable, "-m", "novamind_core", "--version"], capture_output=True, text=True,
                          cwd=REPO_ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"novamind {novamind_core.__version__}\n"


def test_version_through_main_exits_0(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"novamind {novamind_core.__version__}"


def test_the_version_has_one_source_that_pyproject_and_the_installed_metadata_agree_with():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = project["project"].get("version")
    if declared is None:  # dynamic: read from the package
        assert "version" in project["project"]["dynamic"]
        assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "novamind_core.__version__"}
    else:
        assert declared == novamind_core.__version__
    with contextlib.suppress(PackageNotFoundError):  # not installed: running from the source tree
        assert version(project["project"]["name"]) == novamind_core.__version__


def test_every_command_group_is_a_module_of_the_cli_package_and_no_flat_cli_modules_remain():
    assert all(name.startswith("novamind_core.cli.") for name in COMMAND_MODULES)
    assert {CORE / "cli" / f"{name.rsplit('.', 1)[1]}.py" for name in COMMAND_MODULES} <= set(CLI_FILES)
    assert sorted(p.name for p in CORE.glob("cli_*.py")) == []
    assert not (CORE / "cli.py").exists()


def test_the_commands_make_run_and_operators_use_are_still_registered():
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {"init-keys", "migrate", "seed-demo", "demo-sign-ins", "backup", "restore", "score", "change"} <= set(
        commands)


def test_command_modules_never_reach_sqlalchemy_the_rows_or_a_session_directly():
    offenders = {}
    for path in CLI_FILES:
        bad = sorted(
            m for m in imports_of(path)
            if violates(m, "sqlalchemy")
            or (violates(m, "novamind_core.db") and m != "novamind_core.db"
                and not any(violates(m, allowed) for allowed in CLI_ALLOWED_DB))
        )
        if bad:
            offenders[str(path.relative_to(REPO_ROOT))] = bad
    assert offenders == {}


def test_backup_logic_lives_in_the_database_layer_not_the_command_line():
    from novamind_core.cli import ops
    from novamind_core.db import backup

    assert callable(backup.backup_database) and callable(backup.restore_database)
    assert not hasattr(ops, "backup_database") and not hasattr(ops, "BackupReport")
