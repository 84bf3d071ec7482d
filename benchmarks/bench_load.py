"""Load through the real server: N concurrent sessions speaking Streamlit's websocket protocol.

``streamlit run app.py`` is started with ``make run``'s flags and the shipped settings (``NOVAMIND_LOGIN_SLEEP_TIME``
left at its default) on a seeded temporary database (SQLite; PostgreSQL in a fresh schema too when
``NOVAMIND_TEST_DATABASE_URL`` is set). Each session (``benchmarks.load_client.clinician_visit``) opens the app,
signs in with the form, gets the caseload, opens a chart and runs one simulation; per step p50/p95/max,
errors (an exception element or error alert in a run, or a step that could not go on), and the server's CPU
(``/proc/<pid>/stat`` utime+stime) per session. N = 1, 5, 20 (and 50 without ``quick``); the baseline is N = 1
measured in the same run (ratio = p95 at N / p95 at 1). One warm-up visit precedes the measured batches.

Also measured: the same N = 20 (5 with ``quick``) batch with the shipped ``runner.postScriptGC = false`` against
``--runner.postScriptGC true`` (Streamlit's default, the baseline arm), and sign-ins that
mount custom components the way a browser does (``mount_components``) at the shipped login delay. docs/load.md.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from benchmarks.load_client import StepResult, clinician_visit, run_async

REPO_ROOT = Path(__file__).resolve().parent.parent
SERVER_FLAGS = ("--server.headless", "true", "--client.toolbarMode", "viewer", "--browser.gatherUsageStats", "false")
"""``make run``'s flags (the shipped server settings)."""
BATCH_TIMEOUT_S = 900.0
STEPS = ("open", "sign_in", "chart", "simulation")


@dataclass(frozen=True)
class Batch:
    """N sessions at once: their steps, the wall time and the server CPU seconds they cost."""

    sessions: int
    visits: tuple[tuple[StepResult, ...], ...]
    wall_s: float
    server_cpu_s: float
    client_cpu_s: float = 0.0  # the load client's own CPU (it shares the machine's cores with the server)
    database_cpu_s: float = 0.0  # PostgreSQL's processes, where measured

    def seconds(self, step: str) -> list[float]:
        return [s.seconds for v in self.visits for s in v if s.step == step and not s.errors]

    def to_chart_seconds(self) -> list[float]:
        """Per session: sign-in submitted to the chart drawn (sign_in + chart), for complete sessions only."""
        out = []
        for v in self.visits:
            by = {s.step: s for s in v}
            if "chart" in by and not by["chart"].errors and not by["sign_in"].errors:
                out.append(by["sign_in"].seconds + by["chart"].seconds)
        return out

    def errors(self) -> list[str]:
        return [f"{s.step}: {e}" for v in self.visits for s in v for e in s.errors]


def percentile(values: list[float], q: float) -> float | None:
    """The ``q``-th percentile (nearest rank) of ``values``, None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def summary(values: list[float]) -> str:
    if not values:
        return "no complete step"
    return (f"p50 {statistics.median(values):.2f} s, p95 {percentile(values, 95):.2f} s, max {max(values):.2f} s "
            f"(n={len(values)})")


def proc_stat(pid: int) -> list[str]:
    """The fields of ``/proc/<pid>/stat`` after the command name (state first; utime and stime at 11 and 12)."""
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().rsplit(")", 1)[1].split()


def _cpu_seconds(pid: int) -> float:
    fields = proc_stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def port_range() -> range | None:
    """``NOVAMIND_BENCH_PORTS=8700-8749``: the loopback ports the benchmark servers may use (any free port if unset),
    so a benchmark on a shared machine stays inside the range it was given."""
    spec = os.environ.get("NOVAMIND_BENCH_PORTS", "").strip()
    if not spec:
        return None
    low, _, high = spec.partition("-")
    return range(int(low), int(high or low) + 1)


def _is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    allowed = port_range()
    if allowed is not None:
        for port in allowed:
            if _is_free(port):
                return port
        raise RuntimeError(f"no free port in NOVAMIND_BENCH_PORTS={allowed.start}-{allowed.stop - 1}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def database(backend: str) -> Iterator[str]:
    """A database URL: a temporary SQLite file, or a fresh schema in ``NOVAMIND_TEST_DATABASE_URL``."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'load.db'}"
        return
    from sqlalchemy import create_engine, text

    base = os.environ["NOVAMIND_TEST_DATABASE_URL"]
    schema = f"load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base}{'&' if '?' in base else '?'}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def seeded_environment(directory: Path, database_url: str) -> dict[str, str]:
    """NOVAMIND_* for a migrated database holding the UI story cohort, as ``make run`` serves it: the development
    environment (so passwords are stored and checked at the shipped bcrypt cost, 12, not the test suite's 4) and the
    login delay at its default."""
    from tests.app import ui_cohort as ui

    env = {**ui.environment_for(directory), "NOVAMIND_DATABASE_URL": database_url,
           "NOVAMIND_ENVIRONMENT": "development"}
    env.pop("NOVAMIND_LOGIN_SLEEP_TIME")
    saved = {k: v for k, v in os.environ.items() if k.startswith("NOVAMIND_")}
    try:
        services = ui.build_services_from_environment(env)
        ui.seed_cohort(services)
        services.close()
    finally:
        for key in [k for k in os.environ if k.startswith("NOVAMIND_")]:
            del os.environ[key]
        os.environ.update(saved)
    return env


@contextmanager
def streamlit_server(env: dict[str, str], log: Path, extra_args: tuple[str, ...] = ()) -> Iterator[tuple[str, int]]:
    """``streamlit run app.py`` with ``make run``'s flags on loopback; yields (URL, server pid) once healthy."""
    port = _free_port()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("NOVAMIND_")}
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", *SERVER_FLAGS,
                                 "--server.address", "127.0.0.1", "--server.port", str(port), *extra_args],
                                cwd=REPO_ROOT, env={**base_env, **env, "PYTHONPATH": str(REPO_ROOT)},
                                stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"the app did not start; log:\n{log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def run_batch(url: str, pid: int, n: int, *, simulate: bool = True, mount_components: bool = False) -> Batch:
    """N visits at once (all as the demo clinician); wall time and the server CPU they cost."""
    from tests.app import ui_cohort as ui

    async def all_visits() -> list[list[StepResult]]:
        visits = [clinician_visit(url, ui.CLINICIAN, ui.PASSWORDS[ui.CLINICIAN], simulate=simulate,
                                  mount_components=mount_components) for _ in range(n)]
        return await asyncio.wait_for(asyncio.gather(*visits), timeout=BATCH_TIMEOUT_S)

    cpu0, t0 = _cpu_seconds(pid), time.perf_counter()
    visits = run_async(all_visits())
    return Batch(n, tuple(tuple(v) for v in visits), time.perf_counter() - t0, _cpu_seconds(pid) - cpu0)


def measure(env: dict[str, str], log: Path, sizes: tuple[int, ...], extra_args: tuple[str, ...] = ()) -> list[Batch]:
    """Warm-up visit, then one batch per size, on one server."""
    with streamlit_server(env, log, extra_args) as (url, pid):
        run_batch(url, pid, 1)
        return [run_batch(url, pid, n) for n in sizes]


def _rows(backend: str, batches: list[Batch]) -> list[dict]:
    base = batches[0]
    base_p95 = percentile(base.to_chart_seconds(), 95)
    base_cpu = base.server_cpu_s / base.sessions
    rows = []
    for b in batches:
        p95 = percentile(b.to_chart_seconds(), 95)
        per_step = "; ".join(f"{step} {summary(b.seconds(step))}" for step in STEPS)
        errors = b.errors()
        rows.append({
            "name": f"{backend}: {b.sessions} concurrent sessions, sign-in to chart drawn p95 (ratio vs 1 session)",
            "value": round(p95, 2) if p95 else None, "unit": "s",
            "baseline_name": "1 session alone, same run", "baseline_value": round(base_p95, 2) if base_p95 else None,
            "ratio": round(p95 / base_p95, 2) if p95 and base_p95 else None,
            "target": "N=20: p95 < 8 s single process (< 5 s with two replicas); 0 errors", "peak_memory_mb": None,
            "notes": f"real server, websocket protocol client; {per_step}; errors {len(errors)}"
                     + (f" (first: {errors[0][:160]})" if errors else "") + f"; wall {b.wall_s:.1f} s",
        })
        cpu = b.server_cpu_s / b.sessions
        rows.append({
            "name": f"{backend}: server CPU per session at N={b.sessions} (ratio vs 1 session)",
            "value": round(cpu, 2), "unit": "s", "baseline_name": "1 session alone, same run",
            "baseline_value": round(base_cpu, 2), "ratio": round(cpu / base_cpu, 2) if base_cpu else None,
            "target": "flat in N", "peak_memory_mb": None,
            "notes": "utime+stime of the streamlit process over the batch / sessions; sign-in, caseload, chart, "
                     "one simulation",
        })
    return rows


def _gc_rows(env: dict[str, str], tmp: Path, n: int) -> list[dict]:
    """The shipped ``runner.postScriptGC = false`` (.streamlit/config.toml) against Streamlit's default ``true``."""
    on = measure(env, tmp / "gc-on.log", (n,), ("--runner.postScriptGC", "true"))[0]
    off = measure(env, tmp / "gc-off.log", (n,))[0]
    p_on, p_off = percentile(on.to_chart_seconds(), 95), percentile(off.to_chart_seconds(), 95)
    return [{
        "name": f"sqlite: {n} sessions, sign-in to chart p95 with runner.postScriptGC=false (ratio vs true)",
        "value": round(p_off, 2) if p_off else None, "unit": "s",
        "baseline_name": "postScriptGC=true (Streamlit's default, passed on the command line)",
        "baseline_value": round(p_on, 2) if p_on else None,
        "ratio": round(p_off / p_on, 2) if p_on and p_off else None, "target": "informative", "peak_memory_mb": None,
        "notes": f"server CPU per session {off.server_cpu_s / n:.2f} s (false) vs {on.server_cpu_s / n:.2f} s "
                 f"(true); errors {len(off.errors())} / {len(on.errors())}",
    }]


def _component_sign_in_row(env: dict[str, str], tmp: Path, tries: int) -> dict:
    """First sign-in on a fresh server when the client mounts components as a browser does, shipped login delay."""
    ok = 0
    for i in range(tries):
        with streamlit_server(env, tmp / f"components-{i}.log") as (url, pid):
            visit = run_batch(url, pid, 1, simulate=False, mount_components=True).visits[0]
            ok += any(s.step == "sign_in" and not s.errors for s in visit)
    return {
        "name": "first sign-in on a fresh server, browser-like component mounts, shipped login delay (of tries)",
        "value": ok, "unit": "sign-ins", "baseline_name": "tries", "baseline_value": tries,
        "ratio": round(ok / tries, 2), "target": "ratio 1.0 (every sign-in completes)", "peak_memory_mb": None,
        "notes": "form widgets drawn before st.navigation take their ids from the request's page hash; the "
                 "component's mount rerun races the first run's navigation, so the submit's values are keyed by "
                 "stale ids and the form submits empty (docs/load.md, sign-in diagnosis)",
    }


def run(quick: bool = False) -> list[dict]:
    sizes = (1, 5, 20) if quick else (1, 5, 20, 50)
    backends = ["sqlite"] + (["postgresql"] if os.environ.get("NOVAMIND_TEST_DATABASE_URL") else [])
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for backend in backends:
            with database(backend) as url:
                env = seeded_environment(tmp / backend, url)
                rows += _rows(backend, measure(env, tmp / f"{backend}.log", sizes))
                if backend == "sqlite":
                    rows += _gc_rows(env, tmp, 5 if quick else 20)
                    rows.append(_component_sign_in_row(env, tmp, 3))
    return rows


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(json.dumps(row))
