"""SQL statements and audit rows per page view, against the layered design's baseline measured in the same run.

Step 9 made each page one service call in one transaction with one audit event per page view. This benchmark opens each
page (``benchmarks/page_view_probe.py``, in a fresh process) in this checkout and in the baseline checkout
``BASELINE_COMMIT`` (the last commit before that redesign, checked out with ``git worktree`` into a temporary folder and
measured the same way, in the same run), and reports both. Where git or the baseline commit is not available (an
exported tree), the baseline columns are left empty and only this checkout's figures are reported.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BASELINE_COMMIT = "171dd6b"
BASELINE_NAME = f"before the step-9 redesign (commit {BASELINE_COMMIT})"


def _probe(checkout: Path) -> dict[str, dict[str, int]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOVAMIND_")}
    env["NOVAMIND_ENVIRONMENT"] = "testing"
    if checkout != REPO_ROOT:  # the old tree had no probe: use this one, run against that tree's code
        shutil.copy(REPO_ROOT / "benchmarks" / "page_view_probe.py", checkout / "benchmarks" / "page_view_probe.py")
    done = subprocess.run([sys.executable, "-m", "benchmarks.page_view_probe"], cwd=checkout, env=env,
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"page view probe failed in {checkout}: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _baseline() -> dict[str, dict[str, int]] | None:
    if shutil.which("git") is None:
        return None
    folder = Path(tempfile.mkdtemp(prefix="nm-baseline-")) / "tree"
    added = subprocess.run(["git", "worktree", "add", "--detach", str(folder), BASELINE_COMMIT], cwd=REPO_ROOT,
                           capture_output=True, text=True)
    if added.returncode != 0:
        return None
    try:
        return _probe(folder)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=REPO_ROOT, capture_output=True)


def run(quick: bool = False) -> list[dict]:
    now = _probe(REPO_ROOT)
    before = _baseline()
    rows = []
    for page, figures in now.items():
        for what, unit in (("statements", "SQL statements"), ("audit_rows", "audit rows")):
            old = before.get(page, {}).get(what) if before else None
            rows.append({
                "name": f"{unit} per {page} page view",
                "value": figures[what], "unit": unit,
                "baseline_name": BASELINE_NAME if old is not None else "baseline not available here",
                "baseline_value": old,
                "ratio": round(figures[what] / old, 3) if old else None,
                "target": "1 audit row per page view" if what == "audit_rows" else "fewer than the baseline",
            })
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
