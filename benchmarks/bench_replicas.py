"""Scale-out through the real server: one app process directly vs two replicas behind nginx over TLS.

The same seeded PostgreSQL schema (``NOVAMIND_TEST_DATABASE_URL``; a fresh schema is created and dropped, as in
``bench_load``) serves (a) one ``streamlit run app.py`` reached directly over ``ws://`` and (b) two replicas started
by ``deploy/run_replicas.py`` behind nginx (cookie-sticky hash, TLS with a self-signed certificate) reached over
``wss://``. N concurrent sessions (``benchmarks.load_client.clinician_visit`` without the simulation) each open the
app, sign in with the form and open a chart; N = 1, 5, 20 (``quick``: 1, 5). New sessions carry no cookie, so the
proxy spreads them at random, as it does new browsers. Each process gets one warm-up visit first.

Reported: sign-in to chart p50/p95/max and errors per N; p95 of the replicas as a ratio to the single process at the
same N (the issue's targets: N = 20 p95 < 5 s with two replicas, < 8 s on one process); server CPU per session
(utime+stime of the app processes; nginx's workers in the notes) and from it sessions per core-minute: how many
clinicians one core takes from sign-in to chart in a minute. Needs nginx and openssl; skipped without PostgreSQL.
docs/deployment.md, "Sizing".
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import bench_load
from benchmarks.bench_load import Batch, percentile
from benchmarks.load_client import StepResult, clinician_visit, run_async

TARGET = "N=20: p95 < 5 s with two replicas, < 8 s single process; 0 errors"
GATE_TIMEOUT_S = 120.0


def _cpu(pids: tuple[int, ...]) -> float:
    return sum(bench_load._cpu_seconds(pid) for pid in pids)


def _nginx_worker_pids(master: int) -> tuple[int, ...]:
    try:
        with open(f"/proc/{master}/task/{master}/children") as fh:
            return tuple(int(p) for p in fh.read().split())
    except OSError:
        return ()


def _postgres_cpu() -> float:
    """CPU seconds of PostgreSQL on this machine: the postmaster, its live backends, and (its children's times) every
    backend that has ended, so connections opened and closed during a batch are counted."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as fh:
                if fh.read().strip() not in ("postgres", "postmaster"):
                    continue
            fields = bench_load.proc_stat(int(entry))
            with open(f"/proc/{fields[1]}/comm") as fh:
                parent_is_postgres = fh.read().strip() in ("postgres", "postmaster")
        except (OSError, IndexError):
            continue
        total += int(fields[11]) + int(fields[12])
        if not parent_is_postgres:  # the postmaster: add its reaped children
            total += int(fields[13]) + int(fields[14])
    return total / tick


class _Gate:
    """All signed-in sessions open their charts together (a session that failed never arrives: bounded wait)."""

    def __init__(self, n: int) -> None:
        self.n, self.arrived, self.open = n, 0, asyncio.Event()

    async def __call__(self) -> None:
        self.arrived += 1
        if self.arrived >= self.n:
            self.open.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.open.wait(), GATE_TIMEOUT_S)


def batch(url: str, pids: tuple[int, ...], n: int, *, verify_tls: bool = True, charts_together: bool = False) -> Batch:
    """N visits at once (sign-in and chart, as the demo clinician); wall time and the CPU of ``pids``, of this
    process (the load client) and of PostgreSQL. ``charts_together``: the N sessions sign in, then open their charts
    at the same moment (the "chart" step is then what N signed-in clinicians wait for at once)."""
    from tests.app import ui_cohort as ui

    async def all_visits() -> list[list[StepResult]]:
        gate = _Gate(n) if charts_together else None
        visits = [clinician_visit(url, ui.CLINICIAN, ui.PASSWORDS[ui.CLINICIAN], simulate=False,
                                  verify_tls=verify_tls, chart_gate=gate) for _ in range(n)]
        return await asyncio.wait_for(asyncio.gather(*visits), timeout=bench_load.BATCH_TIMEOUT_S)

    cpu0, db0, client0, t0 = _cpu(pids), _postgres_cpu(), time.process_time(), time.perf_counter()
    visits = run_async(all_visits())
    return Batch(n, tuple(tuple(v) for v in visits), time.perf_counter() - t0, _cpu(pids) - cpu0,
                 client_cpu_s=time.process_time() - client0, database_cpu_s=_postgres_cpu() - db0)


def measure_single(env: dict[str, str], log: Path, sizes: tuple[int, ...]) -> list[Batch]:
    """One process, reached directly: a warm-up visit, then one batch per size."""
    with bench_load.streamlit_server(env, log) as (url, pid):
        batch(url, (pid,), 1)
        return [batch(url, (pid,), n) for n in sizes] + [batch(url, (pid,), sizes[-1], charts_together=True)]


def _free_port_run(count: int) -> int:
    allowed = bench_load.port_range()
    if allowed is not None:
        for first in allowed:
            if first + count - 1 in allowed and all(bench_load._is_free(p) for p in range(first, first + count)):
                return first
        raise RuntimeError(f"no {count} consecutive free ports in NOVAMIND_BENCH_PORTS")
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            first = s.getsockname()[1]
        free = True
        for port in range(first, first + count):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    free = False
        if free:
            return first
    raise RuntimeError(f"no {count} consecutive free ports")


def measure_replicas(env: dict[str, str], runtime: Path, sizes: tuple[int, ...],
                     replicas: int = 2) -> tuple[list[Batch], float]:
    """``replicas`` processes behind nginx over TLS: each warmed directly, then one batch per size through the proxy.

    Returns the batches and the nginx workers' CPU seconds over all of them.
    """
    from deploy.run_replicas import ReplicaPlan, ReplicaSet

    first = _free_port_run(replicas + 2)
    plan = ReplicaPlan(replicas, first, first + replicas, first + replicas + 1, runtime_dir=runtime)
    with ReplicaSet(plan, env, worker=False) as running:
        pids = running.replica_pids()
        for i, pid in enumerate(pids):
            batch(plan.replica_url(i), (pid,), 1)
        proxy = _nginx_worker_pids(running.pid("nginx"))
        proxy_cpu0 = _cpu(proxy)
        batches = [batch(plan.proxy_url, pids, n, verify_tls=False) for n in sizes]
        proxy_cpu = _cpu(proxy) - proxy_cpu0
        batches.append(batch(plan.proxy_url, pids, sizes[-1], verify_tls=False, charts_together=True))
        return batches, proxy_cpu


def _steps(b: Batch) -> str:
    to_chart = b.to_chart_seconds()
    errors = b.errors()
    median = f"p50 {statistics.median(to_chart):.2f} s, " if to_chart else ""
    sign_in, chart = percentile(b.seconds("sign_in"), 95), percentile(b.seconds("chart"), 95)
    split = (f"; sign-in p95 {sign_in:.2f} s, chart p95 {chart:.2f} s" if sign_in is not None and chart is not None
             else "")
    cpu = (f"; CPU per session: load client {b.client_cpu_s / b.sessions:.2f} s, PostgreSQL "
           f"{b.database_cpu_s / b.sessions:.2f} s")
    return (f"to chart {median}max {max(to_chart):.2f} s (n={len(to_chart)})" if to_chart else "no complete visit") \
        + split + f"; errors {len(errors)}" + (f" (first: {errors[0][:160]})" if errors else "") \
        + f"; wall {b.wall_s:.1f} s" + cpu


def _ratio(value: float | None, baseline: float | None) -> float | None:
    return round(value / baseline, 2) if value and baseline else None


def _round(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def rows(single: list[Batch], replicated: list[Batch], proxy_cpu_s: float, replicas: int) -> list[dict]:
    """The house-format rows: p95 per N for both set-ups, and sessions per core-minute at the largest N."""
    cores = os.cpu_count() or 1
    (*single, single_together), (*replicated, replicated_together) = single, replicated
    base = percentile(single[0].to_chart_seconds(), 95)
    out: list[dict] = []
    for one, many in zip(single, replicated, strict=True):
        p_one, p_many = percentile(one.to_chart_seconds(), 95), percentile(many.to_chart_seconds(), 95)
        out.append({
            "name": f"replicas: single process direct, {one.sessions} sessions, sign-in to chart p95 "
                    "(ratio vs 1 session)",
            "value": _round(p_one), "unit": "s", "baseline_name": "1 session alone, same run",
            "baseline_value": _round(base), "ratio": _ratio(p_one, base), "target": TARGET, "peak_memory_mb": None,
            "notes": f"PostgreSQL, ws:// straight to streamlit; {_steps(one)}; server CPU "
                     f"{one.server_cpu_s / one.sessions:.2f} s/session",
        })
        out.append({
            "name": f"replicas: {replicas} replicas behind nginx (TLS), {many.sessions} sessions, sign-in to chart "
                    "p95 (ratio vs single process)",
            "value": _round(p_many), "unit": "s", "baseline_name": f"single process, {one.sessions} sessions, same run",
            "baseline_value": _round(p_one), "ratio": _ratio(p_many, p_one), "target": TARGET, "peak_memory_mb": None,
            "notes": f"PostgreSQL, wss:// through nginx, cookie-sticky hash; {_steps(many)}; server CPU "
                     f"{many.server_cpu_s / many.sessions:.2f} s/session (all replicas)",
        })
    one_chart = percentile(single_together.seconds("chart"), 95)
    many_chart = percentile(replicated_together.seconds("chart"), 95)
    alone = percentile(single[0].seconds("chart"), 95)
    out.append({
        "name": f"replicas: {replicas} replicas behind nginx (TLS), {replicated_together.sessions} signed-in sessions "
                "open a chart at the same moment, chart p95 (ratio vs single process)",
        "value": _round(many_chart), "unit": "s",
        "baseline_name": f"single process, {single_together.sessions} signed-in sessions at once, same run",
        "baseline_value": _round(one_chart), "ratio": _ratio(many_chart, one_chart),
        "target": "informative: the Monday-morning chart opens once sessions exist (sign-in's bcrypt check excluded)",
        "peak_memory_mb": None,
        "notes": f"sessions sign in first (untimed here), then all click Open chart together; one chart alone "
                 f"{alone:.2f} s; replicas: {_steps(replicated_together)}; single: {_steps(single_together)}"
        if alone is not None else "no complete single-session chart",
    })
    one, many = single[-1], replicated[-1]
    per_one, per_many = one.server_cpu_s / one.sessions, many.server_cpu_s / many.sessions
    proxy_per = proxy_cpu_s / sum(b.sessions for b in replicated)
    out.append({
        "name": f"replicas: sessions per core-minute, sign-in to chart, {replicas} replicas at N={many.sessions} "
                "(ratio vs single process)",
        "value": round(60 / (per_many + proxy_per), 1) if per_many else None, "unit": "sessions/core-min",
        "baseline_name": f"single process at N={one.sessions}, same run",
        "baseline_value": round(60 / per_one, 1) if per_one else None,
        "ratio": _ratio(per_one, per_many + proxy_per), "target": "informative (sizing: docs/deployment.md)",
        "peak_memory_mb": None,
        "notes": f"60 s / app CPU per session ({per_many:.2f} s replicas + {proxy_per:.3f} s nginx TLS; "
                 f"{per_one:.2f} s single); machine has {cores} cores shared with the load client",
    })
    return out


def run(quick: bool = False) -> list[dict]:
    if not os.environ.get("NOVAMIND_TEST_DATABASE_URL"):
        return [{"name": "replicas: skipped", "value": None, "unit": "-", "baseline_name": None,
                 "baseline_value": None, "ratio": None, "target": TARGET, "peak_memory_mb": None,
                 "notes": "replicas share PostgreSQL: set NOVAMIND_TEST_DATABASE_URL"}]
    sizes = (1, 5) if quick else (1, 5, 20)
    replicas = 2
    with tempfile.TemporaryDirectory() as tmp_name, bench_load.database("postgresql") as url:
        tmp = Path(tmp_name)
        env = bench_load.seeded_environment(tmp / "keys", url)
        single = measure_single(env, tmp / "single.log", sizes)
        replicated, proxy_cpu = measure_replicas(env, tmp / "runtime", sizes, replicas)
    return rows(single, replicated, proxy_cpu, replicas)


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(json.dumps(row))
