"""Fixtures for page tests: a migrated temporary SQLite database with a small story cohort, and signed-in AppTests.

The NOVAMIND_* environment points the pages at that database (``components.shared.session.get_services`` builds services
per environment). Page tests skip the login form by seeding the authenticator's session keys (docs/development.md).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


from tests.app import ui_cohort  # noqa: E402  (after the sys.path line above)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, object]]:
    """(services, Cohort) on a fresh database for this test module; the environment points the pages at it."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("NOVAMIND_")}
    env = ui_cohort.environment_for(tmp_path_factory.mktemp("ui"))
    services = ui_cohort.build_services_from_environment(env)
    cohort = ui_cohort.seed_cohort(services)
    from novamind_core.services.base import SYSTEM_USER

    services.users.create(SYSTEM_USER, "demo.clinician3", "Dr Empty Caseload", "clinician",
                          ui_cohort.PASSWORDS["demo.clinician3"], allow_demo_password=True)
    yield services, cohort
    services.close()
    for key in [k for k in os.environ if k.startswith("NOVAMIND_")]:
        del os.environ[key]
    os.environ.update(saved)


def signed_in(page: str, username: str, **query: str):  # type: ignore[no-untyped-def]
    """An AppTest of ``pages/<page>.py`` with ``username`` signed in (not yet run)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO_ROOT / "pages" / f"{page}.py"), default_timeout=30)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["name"] = username
    at.session_state["roles"] = ["clinician"]  # deliberately not trusted: the role comes from the database
    at.session_state["logout"] = None
    for key, value in query.items():
        at.query_params[key] = value
    return at


def texts(at) -> str:  # type: ignore[no-untyped-def]
    """Every piece of text the run drew (markdown, captions, alerts, titles, metrics), for content assertions."""
    parts: list[str] = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "info", "error", "warning", "success",
                 "text"):
        parts.extend(str(e.value) for e in getattr(at, kind))
    parts.extend(f"{m.label} {m.value}" for m in at.metric)
    return "\n".join(parts)


@pytest.fixture
def app_as():  # type: ignore[no-untyped-def]
    """``app_as(page, username, **query)`` -> a signed-in AppTest (see :func:`signed_in`)."""
    return signed_in


@pytest.fixture
def page_text():  # type: ignore[no-untyped-def]
    return texts


@pytest.fixture(scope="module")
def cohort(seeded):  # type: ignore[no-untyped-def]
    """``(services, Cohort)``: the same seeded database as ``seeded``, under the name the twin-page tests use."""
    return seeded
