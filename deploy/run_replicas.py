"""K app replicas, the notification worker and nginx (TLS, sticky sessions) on loopback: ``make run-replicas``.

Each replica is ``streamlit run app.py`` with ``make run``'s flags on its own loopback port (8601, 8602, ...);
all share one PostgreSQL database (``NOVAMIND_DATABASE_URL``), the same keys and the same Streamlit cookie secret.
nginx runs as an ordinary process of this launcher (``-p``/``-c`` into the runtime directory, never the system
service) with a configuration rendered from ``deploy/nginx.conf.template`` and a self-signed certificate made at
start-up by ``deploy/make_cert.sh`` into the git-ignored runtime directory (``data/runtime/replicas``).
One Ctrl-C (or SIGTERM) stops every process this launcher started. docs/deployment.md §1.

SQLite is refused: it is one file on one machine with a single writer (docs/deployment.md §3).

The benchmark (``benchmarks/bench_replicas.py``) and the test (``tests/reliability/test_replicas.py``) use
:class:`ReplicaSet` directly.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
CERT_SCRIPT = Path(__file__).resolve().parent / "make_cert.sh"
DEFAULT_RUNTIME_DIR = REPO_ROOT / "data" / "runtime" / "replicas"
SERVER_FLAGS = ("--server.headless", "true", "--client.toolbarMode", "viewer", "--browser.gatherUsageStats", "false")
"""``make run``'s flags (the shipped server settings)."""
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 15.0


class ReplicaSetupError(RuntimeError):
    """The replicas cannot start; the message says why and what to do."""


@dataclass(frozen=True)
class ReplicaPlan:
    """Where everything listens: K replicas on consecutive ports, nginx on an HTTPS and a redirecting HTTP port."""

    replicas: int = 2
    first_app_port: int = 8601
    https_port: int = 8443
    http_port: int = 8080
    host: str = "127.0.0.1"
    runtime_dir: Path = DEFAULT_RUNTIME_DIR

    @property
    def app_ports(self) -> tuple[int, ...]:
        return tuple(self.first_app_port + i for i in range(self.replicas))

    @property
    def proxy_url(self) -> str:
        return f"https://{self.host}:{self.https_port}"

    @property
    def redirect_url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    def replica_url(self, index: int) -> str:
        return f"http://{self.host}:{self.app_ports[index]}"


def require_postgresql(database_url: str) -> None:
    """Refuse anything but PostgreSQL: replicas share one database over the network."""
    if not database_url.startswith("postgresql"):
        raise ReplicaSetupError(
            "replicas need PostgreSQL: NOVAMIND_DATABASE_URL is "
            f"{database_url.split(':', 1)[0]!r}. SQLite is one file with a single writer on one machine and serves "
            "one app process only (use `make run`). Set NOVAMIND_DATABASE_URL=postgresql+psycopg://user@host:5432/db "
            "(docs/deployment.md §3).")


def find_nginx() -> str:
    """The nginx binary (Debian's ``/usr/sbin/nginx``), or a one-line reason to install it."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        raise ReplicaSetupError("nginx is not installed (Debian: apt-get install nginx-light); the replicas need a "
                                "reverse proxy in front of them")
    return found


def make_certificate(runtime_dir: Path) -> tuple[Path, Path]:
    """A fresh self-signed certificate and key for localhost/127.0.0.1 in ``runtime_dir`` (never committed)."""
    if shutil.which("openssl") is None:
        raise ReplicaSetupError("openssl is not installed: it makes the proxy's local TLS certificate")
    subprocess.run(["sh", str(CERT_SCRIPT), str(runtime_dir)], check=True, capture_output=True, text=True)
    return runtime_dir / "tls.crt", runtime_dir / "tls.key"


def render_nginx_conf(plan: ReplicaPlan, cert: Path, key: Path) -> str:
    """The nginx configuration for ``plan`` (``deploy/nginx.conf.template`` with its ``@NAME@`` filled in)."""
    servers = "\n".join(f"        server {plan.host}:{port} max_fails=1 fail_timeout=10s;" for port in plan.app_ports)
    values = {
        "USER_LINE": "user root;" if os.geteuid() == 0 else "# (not root: workers run as this user)",
        "RUNTIME": str(plan.runtime_dir), "UPSTREAM_SERVERS": servers, "HOST": plan.host,
        "HTTP_PORT": str(plan.http_port), "HTTPS_PORT": str(plan.https_port), "CERT": str(cert), "KEY": str(key),
    }
    text = TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    return text


def unverified_tls() -> ssl.SSLContext:
    """A TLS context that accepts the proxy's self-signed certificate (loopback checks only)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2, context=unverified_tls()) as response:
            return response.read() == b"ok"
    except OSError:
        return False


class ReplicaSet:
    """Start replicas, worker (optionally a mail sink) and nginx; stop them all (a context manager)."""

    def __init__(self, plan: ReplicaPlan, env: dict[str, str], *, worker: bool = True, worker_console: bool = False,
                 mail_sink_port: int | None = None, streamlit_args: tuple[str, ...] = ()) -> None:
        self.plan = plan
        self.env = {**os.environ, **env, "PYTHONPATH": str(REPO_ROOT)}
        self.env.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_urlsafe(32))  # the same on every replica
        self.worker = worker
        self.worker_console = worker_console
        self.mail_sink_port = mail_sink_port
        self.streamlit_args = streamlit_args
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    # -- starting -------------------------------------------------------------------------------------------------
    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        with open(self.plan.runtime_dir / f"{name}.log", "wb") as log:
            proc = subprocess.Popen(args, cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)  # Ctrl-C reaches the launcher, which stops in order
        self.processes[name] = proc
        return proc

    def start(self) -> ReplicaSet:
        require_postgresql(self.env.get("NOVAMIND_DATABASE_URL", "sqlite"))
        nginx = find_nginx()
        runtime = self.plan.runtime_dir
        runtime.mkdir(parents=True, exist_ok=True)
        for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (runtime / sub).mkdir(exist_ok=True)
        cert, key = make_certificate(runtime)
        conf = runtime / "nginx.conf"
        conf.write_text(render_nginx_conf(self.plan, cert, key))
        try:
            for i, port in enumerate(self.plan.app_ports):
                self._spawn(f"replica-{i + 1}", [sys.executable, "-m", "streamlit", "run", "app.py", *SERVER_FLAGS,
                                                 "--server.address", self.plan.host, "--server.port", str(port),
                                                 *self.streamlit_args])
            if self.mail_sink_port is not None:
                self._spawn("mail-sink", [sys.executable, "-m", "novamind_core.notifications.sink",
                                          "--host", "127.0.0.1", "--port", str(self.mail_sink_port)])
            if self.worker:
                self._spawn("worker", [sys.executable, "-m", "novamind_core", "worker",
                                       *(["--console"] if self.worker_console else [])])
            self._spawn("nginx", [nginx, "-p", str(runtime), "-c", str(conf), "-e", str(runtime / "error.log")])
            self._wait_until_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_healthy(self) -> None:
        urls = [self.plan.replica_url(i) for i in range(self.plan.replicas)] + [self.plan.proxy_url]
        deadline = time.monotonic() + START_TIMEOUT_S
        for url in urls:
            while not _healthy(url):
                ended = self.first_ended()
                if ended is not None or time.monotonic() > deadline:
                    name = ended or "a replica"
                    log = self.plan.runtime_dir / f"{name}.log"
                    tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
                    if name == "nginx":
                        tail += (self.plan.runtime_dir / "error.log").read_text(errors="replace")[-1500:]
                    raise ReplicaSetupError(f"{name} did not start ({url} not healthy); log:\n{tail}")
                time.sleep(0.3)

    # -- watching and stopping ------------------------------------------------------------------------------------
    def first_ended(self) -> str | None:
        """The name of a process that has ended (None while all run)."""
        return next((name for name, proc in self.processes.items() if proc.poll() is not None), None)

    def pid(self, name: str) -> int:
        return self.processes[name].pid

    def replica_pids(self) -> tuple[int, ...]:
        return tuple(self.pid(f"replica-{i + 1}") for i in range(self.plan.replicas))

    def stop_process(self, name: str) -> None:
        """Stop one process (SIGTERM, then SIGKILL after a grace period) and forget it."""
        proc = self.processes.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT_S)

    def stop(self) -> None:
        """Stop the proxy first (no new requests), then the replicas, the worker and the sink."""
        for name in ["nginx", *[n for n in self.processes if n.startswith("replica-")], "worker", "mail-sink"]:
            self.stop_process(name)

    def __enter__(self) -> ReplicaSet:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _prepare_database(seed: bool) -> None:
    """As ``make run`` does: development keys once, migrations, the demo cohort into an empty database."""
    steps = [["init-keys"], ["migrate"]] + ([["seed-demo", "--if-empty"]] if seed else [])
    for step in steps:
        subprocess.run([sys.executable, "-m", "novamind_core", *step], cwd=REPO_ROOT, check=True)


def _interrupt(signum: int, _frame: object) -> None:
    """Ctrl-C or SIGTERM, while starting or running: unwind to ``main``'s ``finally``, which stops everything."""
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m deploy.run_replicas", description=__doc__.split("\n\n")[0])
    p.add_argument("--replicas", type=int, default=int(os.environ.get("REPLICAS", "2")), help="app processes (2)")
    p.add_argument("--first-app-port", type=int, default=8601, help="replica 1's port; the others follow (8601)")
    p.add_argument("--https-port", type=int, default=8443, help="the proxy's HTTPS port (8443)")
    p.add_argument("--http-port", type=int, default=8080, help="the proxy's HTTP port, which redirects (8080)")
    p.add_argument("--runtime-dir", type=Path, default=DEFAULT_RUNTIME_DIR, help="logs, nginx.conf, certificate")
    p.add_argument("--mail-sink-port", type=int, default=8025, help="development mail sink for the worker (8025)")
    p.add_argument("--no-seed", action="store_true", help="do not seed the demo cohort into an empty database")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    from novamind_core.config import get_settings

    database_url = os.environ.get("NOVAMIND_DATABASE_URL") or get_settings().database_url
    try:
        require_postgresql(database_url)
        find_nginx()
    except ReplicaSetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.replicas < 1:
        print("error: --replicas (REPLICAS) must be at least 1", file=sys.stderr)
        return 2
    try:
        _prepare_database(seed=not args.no_seed)
    except subprocess.CalledProcessError as exc:
        print(f"error: `{' '.join(map(str, exc.cmd[1:]))}` failed (exit {exc.returncode}); nothing was started",
              file=sys.stderr)
        return 1
    plan = ReplicaPlan(args.replicas, args.first_app_port, args.https_port, args.http_port,
                       runtime_dir=args.runtime_dir.resolve())
    for signum in (signal.SIGINT, signal.SIGTERM):  # explicit: a shell may start us with SIGINT ignored
        signal.signal(signum, _interrupt)
    replicas = ReplicaSet(plan, {"NOVAMIND_DATABASE_URL": database_url}, mail_sink_port=args.mail_sink_port)
    try:
        replicas.start()
        print(f"{plan.replicas} replicas on ports {', '.join(map(str, plan.app_ports))} behind nginx: "
              f"{plan.proxy_url} (self-signed certificate; {plan.redirect_url} redirects there).\n"
              f"Logs: {plan.runtime_dir}. Ctrl-C stops everything.", flush=True)
        while True:
            ended = replicas.first_ended()
            if ended is not None:
                print(f"error: {ended} stopped (see {plan.runtime_dir / (ended + '.log')}); stopping the rest",
                      file=sys.stderr)
                return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("stopping: proxy, replicas, worker", flush=True)
    except ReplicaSetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not interrupt the stopping
            signal.signal(signum, signal.SIG_IGN)
        replicas.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
