"""Load test: N concurrent simulated clinician sessions against one app process.

Each session is a demo clinician doing the everyday loop: the caseload, then one of their patients' charts (and,
every other round, saving an assessment). All sessions share one process-wide service stack
(``components.shared.session.get_services``: one engine and connection pool), as browser sessions on one Streamlit
server do. Mode ``services`` (default) makes exactly the service calls the two pages make, concurrently; mode ``pages``
renders the real pages with AppTest (whose process-wide patching makes concurrent runs interfere: see
:func:`run_load`). Reports latency percentiles per page load and every error.

Usage::

    python scripts/load_test.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test --sessions 20

With a PostgreSQL URL the test runs in a fresh schema that is dropped afterwards; with no URL it uses a temporary
SQLite file. ``run_load(...)`` is the same as a function (``benchmarks/bench_reliability.py`` and
``tests/reliability/test_load.py`` call it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CLINICIANS = ("demo.clinician", "demo.clinician2")


@dataclass
class LoadReport:
    sessions: int
    rounds: int
    renders: int
    errors: list[str] = field(default_factory=list)
    latencies_s: list[float] = field(default_factory=list, repr=False)
    wall_s: float = 0.0
    backend: str = ""
    mode: str = "services"
    harness_errors: list[str] = field(default_factory=list)

    def percentile(self, q: float) -> float:
        data = sorted(self.latencies_s)
        if not data:
            return float("nan")
        k = max(0, min(len(data) - 1, round(q / 100 * (len(data) - 1))))
        return data[k]

    def summary(self) -> dict:
        return {"mode": self.mode, "backend": self.backend, "sessions": self.sessions, "rounds": self.rounds,
                "renders": self.renders,
                "errors": len(self.errors), "p50_s": round(self.percentile(50), 3),
                "p90_s": round(self.percentile(90), 3), "p95_s": round(self.percentile(95), 3),
                "p99_s": round(self.percentile(99), 3), "max_s": round(max(self.latencies_s, default=0), 3),
                "mean_s": round(statistics.fmean(self.latencies_s), 3) if self.latencies_s else None,
                "throughput_renders_per_s": round(self.renders / self.wall_s, 2) if self.wall_s else None,
                "first_errors": self.errors[:5], "harness_errors": len(self.harness_errors)}


@contextlib.contextmanager
def prepared_database(database_url: str | None, n_patients: int = 40) -> Iterator[dict[str, str]]:
    """A migrated, demo-seeded database and the NOVAMIND_* environment for it (fresh PostgreSQL schema or SQLite)."""
    import secrets

    from sqlalchemy import create_engine, text

    from novamind_core.bootstrap import build_services
    from novamind_core.config import get_settings
    from novamind_core.db.engine import migrate
    from novamind_core.demo.seed import seed_demo
    from novamind_core.security.crypto import generate_key

    schema, admin, tmp = None, None, None
    if database_url and database_url.startswith("postgresql"):
        schema = f"load_{uuid.uuid4().hex[:10]}"
        admin = create_engine(database_url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in database_url else "?"
        url = f"{database_url}{sep}options={quote(f'-csearch_path={schema}')}"
    else:
        tmp = tempfile.TemporaryDirectory(prefix="novamind-load-")
        url = database_url or f"sqlite:///{tmp.name}/load.db"
    env = {"NOVAMIND_ENVIRONMENT": "testing", "NOVAMIND_DATABASE_URL": url, "NOVAMIND_ENCRYPTION_KEYS": generate_key(),
           "NOVAMIND_BLIND_INDEX_KEY": secrets.token_urlsafe(40), "NOVAMIND_DEID_KEY": secrets.token_urlsafe(40),
           "NOVAMIND_COOKIE_KEY": secrets.token_urlsafe(40), "NOVAMIND_LOGIN_SLEEP_TIME": "0",
           "NOVAMIND_LOG_LEVEL": "WARNING"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        migrate(url)
        services = build_services(get_settings(_env_file=None))
        seed_demo(services, n_patients=n_patients, seed=3)
        services.close()
        yield env
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        if tmp is not None:
            tmp.cleanup()


def _signed_in(page: str, username: str):  # type: ignore[no-untyped-def]
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=120)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["name"] = username
    at.session_state["roles"] = ["clinician"]
    at.session_state["logout"] = None
    return at


def _patients_of(username: str) -> list[int]:
    from components.shared.session import get_services

    services = get_services()
    user = services.users.get_by_username(username)
    return [r.patient_id for r in services.patients.caseload(user, page_size=50).rows]


def _service_pages(services, user, patient_id: int, write: bool) -> None:  # type: ignore[no-untyped-def]
    """The service calls the caseload and patient pages make on one render (no Streamlit involved)."""
    services.patients.caseload(user)
    services.patients.chart(user, patient_id)
    services.assessments.history(user, patient_id)
    services.medications.history(user, patient_id)
    services.notes.list(user, patient_id)
    services.alerts.list_for_patient(user, patient_id)
    services.patients.timeline(user, patient_id)
    if write:
        services.assessments.record(user, patient_id, "GAD-7", [1, 1, 2, 1, 0, 1, 1])


def run_load(sessions: int = 20, rounds: int = 2, database_url: str | None = None, n_patients: int = 40,
             prepared: dict[str, str] | None = None, mode: str = "services") -> LoadReport:
    """Run ``sessions`` concurrent sessions of ``rounds`` each and return the report.

    ``mode="services"``: each round is the service calls of a caseload + patient page render (and, every other
    round, saving an assessment), all sessions on one process-wide service stack: truly concurrent.
    ``mode="pages"``: each round renders pages/caseload.py and pages/patient.py with AppTest. AppTest patches
    process-wide Streamlit state while a script runs, so concurrent AppTests in one process interfere with each
    other (``KeyError ... SCRIPT_RUN_WITHOUT_ERRORS``); these harness errors are reported apart from page errors.
    """
    ctx = contextlib.nullcontext(prepared) if prepared else prepared_database(database_url, n_patients)
    with ctx:
        from components.shared.session import get_services

        backend = get_services().engine.dialect.name
        patients = {u: _patients_of(u) for u in CLINICIANS}
        if mode == "pages":
            _signed_in("caseload", CLINICIANS[0]).run()  # warm the process (imports, caches) like a running server
        report = LoadReport(sessions, rounds, 0, backend=backend, mode=mode)
        lock = threading.Lock()
        barrier = threading.Barrier(sessions)

        def service_session(i: int) -> None:
            services = get_services()
            username = CLINICIANS[i % len(CLINICIANS)]
            user = services.users.get_by_username(username)
            mine = patients[username]
            barrier.wait()
            for r in range(rounds):
                t0 = time.perf_counter()
                try:
                    _service_pages(services, user, mine[(i + r) % len(mine)], write=r % 2 == 0)
                    problem = ""
                except Exception as exc:  # noqa: BLE001 - every failure is reported
                    problem = f"{type(exc).__name__}: {exc}"
                elapsed = time.perf_counter() - t0
                with lock:
                    report.renders += 1
                    report.latencies_s.append(elapsed)
                    if problem:
                        report.errors.append(f"session {i}: {problem}")

        def session(i: int) -> None:
            username = CLINICIANS[i % len(CLINICIANS)]
            mine = patients[username]
            barrier.wait()
            for r in range(rounds):
                for page, state in (("caseload", {}),
                                    ("patient", {"nm_selected_patient_id": mine[(i + r) % len(mine)]})):
                    at = _signed_in(page, username)
                    for k, v in state.items():
                        at.session_state[k] = v
                    t0 = time.perf_counter()
                    try:
                        at.run()
                        problem = "; ".join(str(e.value)[:200] for e in at.exception) if at.exception else ""
                        incidents = [str(e.value)[:200] for e in at.error if "incident" in str(e.value).lower()]
                        problem = "; ".join(filter(None, [problem, *incidents]))
                    except Exception as exc:  # noqa: BLE001 - every failure is reported
                        problem = f"{type(exc).__name__}: {exc}"
                    elapsed = time.perf_counter() - t0
                    with lock:
                        report.renders += 1
                        report.latencies_s.append(elapsed)
                        if "SCRIPT_RUN_WITHOUT_ERRORS" in problem:
                            report.harness_errors.append(f"session {i} {page}: {problem[:120]}")
                        elif problem:
                            report.errors.append(f"session {i} {page}: {problem}")

        t0 = time.perf_counter()
        target = service_session if mode == "services" else session
        threads = [threading.Thread(target=target, args=(i,)) for i in range(sessions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        report.wall_s = time.perf_counter() - t0
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("NOVAMIND_TEST_DATABASE_URL"),
                        help="PostgreSQL base URL (a fresh schema is used) or a SQLite URL; default: temp SQLite")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--patients", type=int, default=40)
    parser.add_argument("--mode", choices=("services", "pages"), default="services",
                        help="services: the pages' service calls, truly concurrent; pages: AppTest renders")
    args = parser.parse_args(argv)
    report = run_load(args.sessions, args.rounds, args.database_url, args.patients, mode=args.mode)
    print(json.dumps(report.summary(), indent=2))
    return 0 if not report.errors else 1


if __name__ == "__main__":
    sys.exit(main())
