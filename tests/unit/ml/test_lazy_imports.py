from __future__ import annotations

import json
import subprocess
import sys


def test_importing_ml_and_insights_does_not_import_torch_or_xgboost():
    code = ("import json, sys; import novamind_core.ml, novamind_core.insights, novamind_core.cli.ml; "
            "print(json.dumps({m: m in sys.modules for m in ('torch', 'xgboost', 'sklearn')}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"torch": False, "xgboost": False, "sklearn": False}
