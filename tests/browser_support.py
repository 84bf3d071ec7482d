"""Browser-test support shared by tests/e2e and tests/security (a pytest plugin loaded by tests/conftest.py, so one
Playwright instance serves the whole session): a real ``streamlit run app.py`` on a seeded temporary database,
driven by Playwright through Debian's chromium (``playwright install`` cannot download browsers here;
docs/development.md §8).

Without chromium these tests skip and say why, unless ``NOVAMIND_REQUIRE_BROWSER=1`` (CI), where they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


def _require_browser() -> str:
    chromium = shutil.which("chromium")
    missing = None
    if chromium is None:
        missing = "Debian's chromium is not installed (apt-get install -y chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "playwright is not installed (pip install -r requirements-dev.txt)"
    skip_or_fail(missing, require_env="NOVAMIND_REQUIRE_BROWSER", required="browser tests required",
                 skipped="browser tests skipped")
    return chromium  # type: ignore[return-value]


def skip_or_fail(missing: str | None, *, require_env: str, required: str, skipped: str) -> None:
    """Nothing when no part is ``missing``; otherwise fail the test where ``require_env`` is "1" (CI, where the part
    must be there) and skip it elsewhere, saying what is missing."""
    if missing:
        if os.environ.get(require_env) == "1":
            pytest.fail(f"{required} ({require_env}=1) but {missing}")
        pytest.skip(f"{skipped}: {missing}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    return _require_browser()


@contextmanager
def serving(command: list[str], *, log: Path, ready: Callable[[], bool], what: str, cwd: Path = REPO_ROOT,
            env: dict[str, str] | None = None, timeout_s: float = 60) -> Iterator[subprocess.Popen]:
    """Run ``command`` (its output to ``log``) until the block ends; enter the block once ``ready()`` is true (an
    OSError from it means not yet). Fails the test, naming ``what`` and quoting the log's tail, when the process
    exits or is not ready within ``timeout_s``. The process is always stopped (terminated, killed after 10 s)."""
    with open(log, "w") as out:
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if ready():
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail(f"{what} did not start; log:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def running_app(env: dict[str, str], log: Path, extra_args: tuple[str, ...] = (),
                port: int | None = None, script: str = "app.py") -> Iterator[str]:
    """``streamlit run app.py`` (or another ``script``) on ``port`` (default: a free one) with ``env``; yields its
    URL once /_stcore/health answers."""
    port = port or _free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true", "--server.address",
               "127.0.0.1", "--server.port", str(port), "--server.fileWatcherType", "none",
               "--browser.gatherUsageStats", "false", *extra_args]
    with serving(command, log=log, env={**os.environ, **env, "PYTHONPATH": str(REPO_ROOT)}, what="the app",
                 ready=lambda: urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok"):
        yield url


@contextmanager
def seeded_app(tmp_path_factory: pytest.TempPathFactory, name: str, extra_env: dict[str, str] | None = None,
               extra_args: tuple[str, ...] = (), port: int | None = None) -> Iterator[dict]:
    """A freshly seeded story cohort and the app over it: ``{"url", "cohort", "services", "log"}``. Pass ``port``
    when the app must know its own address beforehand (``NOVAMIND_PUBLIC_BASE_URL`` in ``extra_env``)."""
    from tests.app import ui_cohort as ui

    saved = {k: v for k, v in os.environ.items() if k.startswith("NOVAMIND_")}
    env = {**ui.environment_for(tmp_path_factory.mktemp(name)), **(extra_env or {})}
    services = ui.build_services_from_environment(env)
    cohort = ui.seed_cohort(services)
    log = tmp_path_factory.mktemp(f"{name}-log") / "streamlit.log"
    try:
        with running_app(env, log, extra_args, port) as url:
            yield {"url": url, "cohort": cohort, "services": services, "log": log}
    finally:
        services.close()
        for key in [k for k in os.environ if k.startswith("NOVAMIND_")]:
            del os.environ[key]
        os.environ.update(saved)


@pytest.fixture(scope="session")
def live_app(chromium_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Start the app on a free port over a freshly seeded database; yield its URL and the cohort."""
    with seeded_app(tmp_path_factory, "e2e") as app:
        yield app


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def context(browser):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    ctx.set_default_timeout(30_000)
    yield ctx
    ctx.close()
