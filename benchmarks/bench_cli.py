"""The ``simulate`` command as a user runs it: a whole fresh process, start to exit.

``python -m novamind_core simulate --scenario FILE --json`` (population prior, sertraline 50 -> 100 mg over 12 weeks,
1,000 draws) is timed as a subprocess, median of ``REPEATS`` warm runs (bytecode compiled once into a temporary
``PYTHONPYCACHEPREFIX``, as an installed package has it; ``PYTHONDONTWRITEBYTECODE`` is dropped for these runs).
Baseline in the same run: ``python -c "import numpy"``, the floor of any NumPy program on this machine, so the ratio
compares across machines. Both wall time and CPU time (user + system of the child) are reported: on a machine shared
with other work the wall time includes waiting for a core, the CPU time does not.

Target (issue 16): whole process under 1 s. docs/load.md, "simulate".
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
REPEATS = 5
SCENARIO = {"name": "sertraline", "horizon_weeks": 12, "steps": [
    {"drug": "sertraline", "dose_mg": 50, "days": 28}, {"drug": "sertraline", "dose_mg": 100, "days": 56}]}


def timed_process(argv: list[str], env: dict[str, str], cwd: Path = REPO_ROOT) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, timeout=300)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def medians(argv: list[str], env: dict[str, str], cwd: Path = REPO_ROOT, repeats: int = REPEATS
            ) -> tuple[float, float]:
    timed_process(argv, env, cwd)  # warm-up: compiles the bytecode cache and fills the page cache
    runs = [timed_process(argv, env, cwd) for _ in range(repeats)]
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


def environment(cache: Path, tree: Path = REPO_ROOT) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPYCACHEPREFIX=str(cache), PYTHONPATH=str(tree), NOVAMIND_ENVIRONMENT="testing")
    return env


def simulate_seconds(tree: Path = REPO_ROOT, repeats: int = REPEATS) -> tuple[float, float]:
    """Median wall and CPU seconds of the ``simulate`` command run from ``tree`` (a checkout of this repository)."""
    with tempfile.TemporaryDirectory() as tmp:
        scenario = Path(tmp) / "scenario.json"
        scenario.write_text(json.dumps(SCENARIO))
        env = environment(Path(tmp) / "pycache", tree)
        return medians([sys.executable, "-m", "novamind_core", "simulate", "--scenario", str(scenario), "--json"],
                       env, tree, repeats)


def run(quick: bool = False) -> list[dict]:
    repeats = 3 if quick else REPEATS
    with tempfile.TemporaryDirectory() as tmp:
        env = environment(Path(tmp) / "pycache")
        base_wall, base_cpu = medians([sys.executable, "-c", "import numpy"], env, repeats=repeats)
        help_wall, help_cpu = medians([sys.executable, "-m", "novamind_core", "simulate", "--help"], env,
                                      repeats=repeats)
    wall, cpu = simulate_seconds(repeats=repeats)
    load = os.getloadavg()[0]
    notes = (f"median of {repeats} warm runs; CPU (user+sys) {cpu:.2f} s vs {base_cpu:.2f} s for import numpy; "
             f"`simulate --help` {help_wall:.2f} s wall / {help_cpu:.2f} s CPU; load average {load:.1f} on "
             f"{os.cpu_count()} cores (wall includes waiting for a core)")
    return [
        {"name": "simulate CLI, whole process, population prior 12 weeks (ratio vs python -c 'import numpy')",
         "value": round(wall, 3), "unit": "s", "baseline_name": "python -c 'import numpy', same run",
         "baseline_value": round(base_wall, 3), "ratio": round(wall / base_wall, 2), "target": "< 1 s",
         "peak_memory_mb": None, "notes": notes},
        {"name": "simulate CLI, whole process CPU time (ratio vs python -c 'import numpy')",
         "value": round(cpu, 3), "unit": "s CPU", "baseline_name": "python -c 'import numpy', same run",
         "baseline_value": round(base_cpu, 3), "ratio": round(cpu / base_cpu, 2) if base_cpu else None,
         "target": "< 1 s", "peak_memory_mb": None,
         "notes": "user + system seconds of the child: what the command costs, without waiting for a busy core"},
    ]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(json.dumps(row))
