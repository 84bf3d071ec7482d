"""Shared fixtures: settings over a migrated temporary database (SQLite always; PostgreSQL when
``NOVAMIND_TEST_DATABASE_URL`` is set, each test in a fresh schema), services, and one user per role."""

from __future__ import annotations

import secrets
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.fakes import MutableClock

pytest_plugins = ["tests.browser_support"]  # browser fixtures, shared by tests/e2e and tests/security

PG_ENV = "NOVAMIND_TEST_DATABASE_URL"
TEST_PASSWORD = "correct-horse-battery-staple"


def _pg_base_url() -> str | None:
    import os

    return os.environ.get(PG_ENV) or None


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per session; each test copies it (migrating per test would cost ~0.3 s)."""
    from novamind_core.db.engine import migrate

    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate(f"sqlite:///{path}")
    return path


def _fresh_sqlite(template: Path, tmp_path: Path) -> str:
    target = tmp_path / "novamind.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def sqlite_url(_sqlite_template: Path, tmp_path: Path) -> str:
    return _fresh_sqlite(_sqlite_template, tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, _sqlite_template: Path, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: SQLite, and PostgreSQL in a fresh schema when NOVAMIND_TEST_DATABASE_URL is set."""
    if request.param == "sqlite":
        yield _fresh_sqlite(_sqlite_template, tmp_path)
        return
    base = _pg_base_url()
    if not base:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    from sqlalchemy import create_engine, text

    from novamind_core.db.engine import migrate

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    try:
        migrate(url)
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def make_settings(database_url: str, **overrides: object):  # type: ignore[no-untyped-def]
    from novamind_core.config import get_settings
    from novamind_core.security.crypto import generate_key

    values = dict(
        _env_file=None, environment="testing", database_url=database_url, encryption_keys=[generate_key()],
        blind_index_key=secrets.token_urlsafe(40), deid_key=secrets.token_urlsafe(40),
        cookie_key=secrets.token_urlsafe(40), login_sleep_time=0.0,
    )
    values.update(overrides)
    return get_settings(**values)


@pytest.fixture
def settings(db_url: str):  # type: ignore[no-untyped-def]
    return make_settings(db_url)


@pytest.fixture
def clock() -> MutableClock:
    """Pinned clock: 12 Mar 2026 10:00 UTC (tests move it with ``clock.advance(...)``)."""
    return MutableClock(datetime(2026, 3, 12, 10, 0, tzinfo=UTC))


@pytest.fixture
def services(settings, clock: MutableClock) -> Iterator[object]:  # type: ignore[no-untyped-def]
    from novamind_core.bootstrap import build_services

    built = build_services(settings, clock=clock, bcrypt_rounds=4)
    yield built
    built.close()


def _make_user(services, username: str, role: str):  # type: ignore[no-untyped-def]
    from novamind_core.services.base import SYSTEM_USER

    services.users.create(SYSTEM_USER, username, username.replace(".", " ").title(), role, TEST_PASSWORD)
    return services.users.get_by_username(username)


@pytest.fixture
def clinician(services):  # type: ignore[no-untyped-def]
    return _make_user(services, "dr.one", "clinician")


@pytest.fixture
def other_clinician(services):  # type: ignore[no-untyped-def]
    return _make_user(services, "dr.two", "clinician")


@pytest.fixture
def analyst(services):  # type: ignore[no-untyped-def]
    return _make_user(services, "ana.lyst", "analyst")


@pytest.fixture
def admin(services):  # type: ignore[no-untyped-def]
    return _make_user(services, "ad.min", "admin")


@pytest.fixture
def patient(services, clinician):  # type: ignore[no-untyped-def]
    """A registered patient on ``clinician``'s care team."""
    return register_patient(services, clinician)


def register_patient(services, user, mrn: str = "NM-000001", given: str = "Zebediah",  # type: ignore[no-untyped-def]
                     family: str = "Quuxington", **extra):
    values = dict(mrn=mrn, given_name=given, family_name=family, date_of_birth="1980-02-03",
                  sex_at_birth="female", phone="+44 7700 900123", email="zeb.quux@example.invalid",
                  address="1 Nowhere Lane", diagnoses=[("F32.1", "Moderate depressive episode")])
    values.update(extra)
    return services.patients.register(user, **values)


__all__ = ["TEST_PASSWORD", "make_settings", "register_patient", "timedelta"]


# --- CI guard: in CI (.ci/run) the real parts must run, so a skip because PostgreSQL or the browser is MISSING is a
# failure. (A skip for another reason, e.g. the SQLite run of a PostgreSQL-only test, stays a skip.)
def _missing_part(reason: str) -> str | None:
    import os

    if os.environ.get("NOVAMIND_REQUIRE_POSTGRES") == "1" and "postgres" in reason \
            and not os.environ.get("NOVAMIND_TEST_DATABASE_URL"):
        return "NOVAMIND_REQUIRE_POSTGRES=1 but NOVAMIND_TEST_DATABASE_URL is not set"
    if os.environ.get("NOVAMIND_REQUIRE_BROWSER") == "1" and "not installed" in reason:
        return "NOVAMIND_REQUIRE_BROWSER=1 but the browser is missing"
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or not isinstance(report.longrepr, tuple):
        return
    reason = str(report.longrepr[2])
    why = _missing_part(reason.lower())
    if why:
        report.outcome = "failed"
        report.longrepr = f"{why}; the test was skipped: {reason}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Long reliability/security tests (marker ``slow``) run only where NOVAMIND_RUN_SLOW=1 (``.ci/run`` sets it)."""
    import os

    if os.environ.get("NOVAMIND_RUN_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow test: set NOVAMIND_RUN_SLOW=1 (as .ci/run does) to run it")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
