"""The ``simulate`` command stays cheap to start: the CLI and a scenario run do not import what they never use.

``scipy.signal`` alone cost 0.94 s of a 2.1 s ``simulate`` run; XGBoost, scikit-learn and torch belong to the
prediction models, not to the twin. Each check runs a fresh interpreter and reads its ``sys.modules``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
NEVER_IMPORTED = ("scipy.signal", "xgboost", "torch", "sklearn")
PROBE = """
import contextlib, io, json, runpy, sys
sys.argv = ["novamind_core", *json.loads(sys.argv[1])]
with contextlib.redirect_stdout(io.StringIO()):
    try:
        runpy.run_module("novamind_core", run_name="__main__")
    except SystemExit:
        pass
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {"scipy", "xgboost", "torch", "sklearn"})))
"""


def modules_imported_by(args: list[str]) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "NOVAMIND_ENVIRONMENT": "testing"}
    out = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], cwd=REPO_ROOT, env=env, check=True,
                         capture_output=True, text=True, timeout=120)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_importing_the_cli_and_asking_simulate_for_help_imports_no_heavy_library():
    imported = modules_imported_by(["simulate", "--help"])
    assert not {m for m in imported if m.startswith(NEVER_IMPORTED)}
    assert not {m for m in imported if m.startswith("scipy.stats") or m.startswith("scipy.optimize")}


def test_a_simulate_run_never_imports_scipy_signal_nor_the_prediction_libraries(tmp_path):
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps({"name": "sertraline", "horizon_weeks": 8, "steps": [
        {"drug": "sertraline", "dose_mg": 50, "days": 28}, {"drug": "sertraline", "dose_mg": 100, "days": 28}]}))
    imported = modules_imported_by(["simulate", "--scenario", str(scenario), "--draws", "50", "--json"])
    assert not {m for m in imported if m.startswith(NEVER_IMPORTED)}
