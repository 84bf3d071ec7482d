"""Fuzzing the command line: ``novamind_core.cli.main([...])`` with arguments drawn from the real parser's grammar
(every sub-command and its options, with hostile values) exits 0, 1 or 2 and never shows a traceback."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.security.conftest import fuzz_settings

#: Sub-commands left out of the generic fuzz: they write outside the test database (init-keys -> data/keys.env;
#: audit forward/head -> a cursor, a stream or a head file at the fuzzed path), serve until stopped (metrics and
#: worker, which never return without --once; each has its own tests), train models or run long simulations whose
#: cost grows with the fuzzed sizes (each covered by its own tests; simulate's hostile scenarios by
#: test_fuzz_regressions.py).
SKIP = {"init-keys", "seed-demo", "seed-wearables", "train", "calibrate", "cohort-simulate", "simulate", "pk",
        "migrate", "backup", "restore", "metrics", "audit", "worker"}


def _leaf_commands() -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    from novamind_core.cli import build_parser

    out = []

    def walk(parser, path):  # type: ignore[no-untyped-def]
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            out.append((path, parser))
            return
        for name, child in subs[0].choices.items():
            walk(child, path + (name,))

    walk(build_parser(), ())
    return [(p, parser) for p, parser in out if p and p[0] not in SKIP]


LEAVES = _leaf_commands()
VALUE = st.one_of(st.text(max_size=30).filter(lambda s: "\x00" not in s),
                  st.integers(-10**12, 10**12).map(str), st.floats().map(str),
                  st.sampled_from(["PHQ-9", "GAD-7", "ISI", "1,2,3,1,0,2,1,0,3", "nan", "-1", "", "--json",
                                   "clinician", "admin", "NM-000001", "/dev/null", "/nonexistent/x.csv", ".", "-"]))


@st.composite
def argvs(draw):  # type: ignore[no-untyped-def]
    path, parser = draw(st.sampled_from(LEAVES))
    argv = list(path)
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if action.option_strings:
            if not draw(st.booleans()) and not action.required:
                continue
            argv.append(draw(st.sampled_from(action.option_strings)))
            if action.nargs != 0:
                argv.append(draw(st.sampled_from(list(action.choices))) if action.choices and draw(st.booleans())
                            else draw(VALUE))
        else:
            argv.append(draw(VALUE))
    if draw(st.integers(0, 4)) == 0:
        argv.insert(draw(st.integers(0, len(argv))), draw(VALUE))
    return argv


@fuzz_settings(60)
@given(argv=argvs())
def test_fuzzed_command_lines_exit_0_1_or_2_without_a_traceback(cli_env, capsys, argv):
    from novamind_core.cli import main

    try:
        code = main(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        code = exc.code if isinstance(exc.code, int) else 2
    out = capsys.readouterr()
    assert code in (0, 1, 2), f"{argv}: exit code {code}"
    assert "Traceback" not in out.err + out.out, argv


@fuzz_settings(30)
@given(drug=st.sampled_from(["sertraline", "fluoxetine", "nosuchdrug", ""]),
       dose=st.one_of(st.floats(min_value=-10, max_value=500).map(str), st.sampled_from(["nan", "inf", "x"])),
       days=st.one_of(st.floats(min_value=-5, max_value=60).map(str), st.sampled_from(["nan", "0", "-1"])),
       interval=st.sampled_from(["24", "12", "0", "-3", "nan", "inf"]))
def test_fuzzed_pk_arguments_exit_0_or_2_without_a_traceback(cli_env, capsys, drug, dose, days, interval):
    from novamind_core.cli import main

    try:
        code = main(["pk", "--drug", drug, "--dose-mg", dose, "--days", days, "--interval-h", interval, "--json"])
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    assert code in (0, 2) and "Traceback" not in out.err


@pytest.mark.parametrize("argv", [
    ["pk", "--drug", "sertraline", "--dose-mg", "50", "--days", "1e9"],
    ["pk", "--drug", "sertraline", "--dose-mg", "50", "--days", "30", "--interval-h", "0.0001"],
])
def test_pk_refuses_a_regimen_too_long_to_simulate_instead_of_running_out_of_memory(cli_env, argv):
    """A mistyped duration must be refused with a reason (exit 2), not exhaust the machine (found by fuzzing)."""
    try:
        done = subprocess.run([sys.executable, "-m", "novamind_core", *argv], capture_output=True, text=True,
                              timeout=20, env={**__import__("os").environ, **cli_env})
    except subprocess.TimeoutExpired:
        pytest.fail(f"`{' '.join(argv)}` ran for more than 20 s instead of refusing the input")
    assert done.returncode == 2 and done.stderr.startswith("error:"), done.stderr[-500:]
