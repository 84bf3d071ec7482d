"""The command line loads only the module of the command it runs (``COMMAND_HOMES``), and that table stays true."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from novamind_core.cli import COMMAND_HOMES, COMMAND_MODULES, build_parser, main

REPO_ROOT = Path(__file__).resolve().parents[2]


def _registered_by(module: str) -> set[str]:
    sub = argparse.ArgumentParser().add_subparsers()
    importlib.import_module(module).register(sub)
    return set(sub.choices)


def test_each_listed_command_is_registered_by_the_module_the_table_names():
    for module in COMMAND_MODULES:
        listed = {c for c, home in COMMAND_HOMES.items() if home == module}
        assert listed <= _registered_by(module), module
    assert set(COMMAND_HOMES.values()) <= set(COMMAND_MODULES)


def test_a_listed_command_builds_a_parser_with_its_own_module_only_and_others_get_every_command():
    one = build_parser("simulate")
    everything = build_parser(None)
    choices = lambda p: next(a for a in p._actions if isinstance(a, argparse._SubParsersAction)).choices  # noqa: E731
    assert set(choices(one)) == _registered_by("novamind_core.cli.twin")
    assert set(COMMAND_HOMES) <= set(choices(everything))


def test_an_unknown_command_is_a_one_line_usage_error_naming_the_choices(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["simulat"])
    assert stop.value.code == 2 and "simulate" in capsys.readouterr().err


def test_version_is_printed_only_when_asked(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.startswith("novamind ")


def test_a_simulate_run_loads_no_other_command_module(tmp_path):
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps({"name": "s", "horizon_weeks": 4, "steps": [
        {"drug": "sertraline", "dose_mg": 50, "days": 28}]}))
    probe = ("import contextlib, io, json, runpy, sys\n"
             "sys.argv = ['novamind_core', 'simulate', '--scenario', sys.argv[1], '--draws', '20', '--json']\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             "    try:\n        runpy.run_module('novamind_core', run_name='__main__')\n"
             "    except SystemExit:\n        pass\n"
             "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('novamind_core.cli.', 'scipy')))))\n")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "NOVAMIND_ENVIRONMENT": "testing"}
    out = subprocess.run([sys.executable, "-c", probe, str(scenario)], cwd=REPO_ROOT, env=env, check=True,
                         capture_output=True, text=True, timeout=120)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert {m for m in loaded if m.startswith("novamind_core.cli.")} <= {"novamind_core.cli.twin",
                                                                       "novamind_core.cli.common"}
    assert not {m for m in loaded if m.startswith("scipy")}  # a prior simulation needs none of SciPy
