"""UI benchmark: caseload page render time and SQL statements per render, and cold start.

* Caseload page with 10,000 patients (2,000 with ``quick``) on a care team: server-side render time of
  ``pages/caseload.py`` in AppTest, warm (best of several runs after one warm-up run), against the same page with
  100 patients (baseline measured in the same run). SQL statements per render are counted with a SQLAlchemy
  ``before_cursor_execute`` listener: they must not grow with the number of patients (no N+1).
* Cold start: ``streamlit run app.py`` to the sign-in page served (health endpoint answering, then the sign-in form
  drawn in headless chromium when it is installed), and to the caseload after sign-in.
* torch and xgboost must not be imported by the sign-in, caseload or patient pages (checked in a fresh process).

Patients are bulk-inserted with the foundation benchmark's helper (seeding is outside every timed section).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
PAGE_RUNS = 5


def _ui_cohort() -> Any:
    from tests.app import ui_cohort

    return ui_cohort


def _database(directory: Path, n_patients: int) -> dict[str, str]:
    """A migrated database with one clinician and ``n_patients`` on their care team; returns its environment."""
    from benchmarks.bench_foundation import _populate
    from novamind_core.services.base import SYSTEM_USER

    ui = _ui_cohort()
    env = ui.environment_for(directory)
    services = ui.build_services_from_environment(env)
    services.users.create(SYSTEM_USER, ui.CLINICIAN, "Dr Bench", "clinician", ui.PASSWORDS[ui.CLINICIAN],
                          allow_demo_password=True)
    user = services.users.get_by_username(ui.CLINICIAN)
    _populate(services, n_patients, user.id)
    services.close()
    return env


class _StatementCounter:
    """Counts SQL statements on every engine (``before_cursor_execute``)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        self.count += 1


def _caseload_render(env: dict[str, str]) -> tuple[float, int]:
    """(best render time in s, SQL statements in one render) of the caseload page, warm."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from streamlit.testing.v1 import AppTest

    os.environ.update(env)
    at = AppTest.from_file(str(REPO_ROOT / "pages" / "caseload.py"), default_timeout=120)
    for key, value in (("authentication_status", True), ("username", _ui_cohort().CLINICIAN), ("name", "Dr Bench"),
                       ("roles", ["clinician"]), ("logout", None)):
        at.session_state[key] = value
    at.run()  # warm: imports, services, first query plans
    if at.exception:
        raise RuntimeError(f"caseload page failed: {at.exception}")
    best = float("inf")
    for _ in range(PAGE_RUNS):
        t0 = time.perf_counter()
        at.run()
        best = min(best, time.perf_counter() - t0)
    counter = _StatementCounter()
    event.listen(Engine, "before_cursor_execute", counter)
    try:
        at.run()
    finally:
        event.remove(Engine, "before_cursor_execute", counter)
    return best, counter.count


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cold_start(env: dict[str, str]) -> dict[str, float | None]:
    """Seconds from ``streamlit run`` to health OK, to the sign-in form drawn, and to the caseload after sign-in."""
    ui = _ui_cohort()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc_env = {**os.environ, **env, "PYTHONPATH": str(REPO_ROOT)}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                             "--server.address", "127.0.0.1", "--server.port", str(port),
                             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
                            cwd=REPO_ROOT, env=proc_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out: dict[str, float | None] = {"health_s": None, "sign_in_s": None, "caseload_s": None}
    try:
        while time.perf_counter() - t0 < 90:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    out["health_s"] = time.perf_counter() - t0
                    break
            except OSError:
                time.sleep(0.1)
        chromium = shutil.which("chromium")
        if chromium is None or out["health_s"] is None:
            return out
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"])
            page = browser.new_page()
            page.goto(url)
            page.get_by_role("textbox", name="Username").wait_for(timeout=60_000)
            out["sign_in_s"] = time.perf_counter() - t0
            page.wait_for_timeout(1000)  # let the cookie component's first rerun finish
            page.get_by_role("textbox", name="Username").fill(ui.CLINICIAN)
            page.get_by_role("textbox", name="Password").fill(ui.PASSWORDS[ui.CLINICIAN])
            t1 = time.perf_counter()
            page.get_by_role("button", name="Sign in").click()
            page.locator('[data-testid="stDataFrame"]').wait_for(timeout=60_000)
            out["caseload_s"] = time.perf_counter() - t1
            browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return out


_IMPORT_PROBE = """
import json, sys
sys.path.insert(0, {root!r})
from streamlit.testing.v1 import AppTest
seen = {{}}
for page in ("caseload", "patient"):
    at = AppTest.from_file({root!r} + "/pages/" + page + ".py", default_timeout=120)
    for k, v in (("authentication_status", True), ("username", {user!r}), ("name", "x"), ("roles", []),
                 ("logout", None)):
        at.session_state[k] = v
    at.run()
    seen[page] = sorted(m for m in ("torch", "xgboost") if m in sys.modules)
print(json.dumps(seen))
""".strip()


def _heavy_imports(env: dict[str, str]) -> dict[str, list[str]]:
    """Which of torch/xgboost a fresh process has imported after rendering the caseload and patient pages."""
    code = _IMPORT_PROBE.format(root=str(REPO_ROOT), user=_ui_cohort().CLINICIAN)
    result = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True,
                            timeout=300, cwd=REPO_ROOT)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"import probe failed: {result.stderr[-500:]}")
    return json.loads(lines[-1])


def run(quick: bool = False) -> list[dict]:
    n_large, n_small = (2_000 if quick else 10_000), 100
    saved = {k: v for k, v in os.environ.items() if k.startswith("NOVAMIND_")}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            small_env = _database(Path(tmp) / "small", n_small)
            large_env = _database(Path(tmp) / "large", n_large)
            t_small, sql_small = _caseload_render(small_env)
            t_large, sql_large = _caseload_render(large_env)
            cold = _cold_start(large_env)
            heavy = _heavy_imports(small_env)
    finally:
        for key in [k for k in os.environ if k.startswith("NOVAMIND_")]:
            del os.environ[key]
        os.environ.update(saved)
    results = [
        {
            "name": f"caseload page render with {n_large:,} patients, warm (ratio vs {n_small} patients)",
            "value": round(t_large * 1000, 1), "unit": "ms",
            "baseline_name": f"same page with {n_small} patients", "baseline_value": round(t_small * 1000, 1),
            "ratio": round(t_large / t_small, 2), "target": "render < 1 s; ratio near 1 (one page of 25 decrypted)",
            "peak_memory_mb": None,
            "notes": f"AppTest run of pages/caseload.py, best of {PAGE_RUNS} after a warm-up run; SQLite file; "
                     "includes the permission check and audit write of each service call",
        },
        {
            "name": f"SQL statements per caseload render with {n_large:,} patients (ratio vs {n_small} patients)",
            "value": sql_large, "unit": "statements",
            "baseline_name": f"same page with {n_small} patients", "baseline_value": sql_small,
            "ratio": round(sql_large / sql_small, 2) if sql_small else None,
            "target": "ratio 1.0: constant in the number of patients (no N+1)", "peak_memory_mb": None,
            "notes": "counted with a SQLAlchemy before_cursor_execute listener during one warm render",
        },
        {
            "name": "cold start: streamlit run to the sign-in form drawn (ratio vs health endpoint up)",
            "value": round(cold["sign_in_s"], 2) if cold["sign_in_s"] else None, "unit": "s",
            "baseline_name": "streamlit run to /_stcore/health answering",
            "baseline_value": round(cold["health_s"], 2) if cold["health_s"] else None,
            "ratio": round(cold["sign_in_s"] / cold["health_s"], 2) if cold["sign_in_s"] and cold["health_s"]
            else None,
            "target": "sign-in form within 10 s", "peak_memory_mb": None,
            "notes": "headless chromium via Playwright" if cold["sign_in_s"] else
                     "chromium not installed: only the health endpoint was timed",
        },
        {
            "name": "sign-in to caseload drawn (ratio vs warm caseload render)",
            "value": round(cold["caseload_s"], 2) if cold["caseload_s"] else None, "unit": "s",
            "baseline_name": f"warm caseload render ({n_large:,} patients)", "baseline_value": round(t_large, 3),
            "ratio": round(cold["caseload_s"] / t_large, 1) if cold["caseload_s"] else None,
            "target": "< 3 s", "peak_memory_mb": None,
            "notes": f"first sign-in of a fresh server (bcrypt check, first page imports); {n_large:,} patients",
        },
        {
            "name": "torch/xgboost imported by the sign-in, caseload and patient pages (count; must be 0)",
            "value": sum(len(v) for v in heavy.values()), "unit": "modules",
            "baseline_name": "modules allowed", "baseline_value": 0, "ratio": None, "target": "0",
            "peak_memory_mb": None, "notes": f"fresh process, AppTest of each page: {heavy}",
        },
    ]
    return results


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(json.dumps(row))
