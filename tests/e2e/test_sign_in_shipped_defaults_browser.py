"""Browser test of sign-in with the shipped sign-in delay (``NOVAMIND_LOGIN_SLEEP_TIME`` left at its default).

Every other browser test runs with the delay at 0, which hid a race: with the default delay the sign-in form was drawn
before ``st.navigation`` fixed the page, the cookie component's first answer reran the script under another page
hash, and the typed username and password arrived under widget ids the next run no longer drew (an empty form, no
audit row). Here a clinician types as soon as the form appears, on fresh servers and fresh browser sessions (the
sign-in page's hidden warm-up of the next pages' scripts is drawn after the form and must not get in the way), and
nothing the browser fetches comes from another server (a ":material/...:" favicon used to come from a font CDN).
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

import pytest

from novamind_core.config import Settings
from tests.browser_support import running_app
from tests.e2e.test_clinician_workflow import CLINICIAN, PASSWORD, wait_idle

pytestmark = pytest.mark.browser

SERVERS = 2
SESSIONS_PER_SERVER = 2


def type_and_sign_in_at_once(page, url: str) -> None:  # type: ignore[no-untyped-def]
    """Open the app and sign in as soon as the form is there (no settling wait, as a quick clinician would)."""
    page.goto(url)
    page.get_by_role("textbox", name="Username").fill(CLINICIAN)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("combobox", name="Open a patient").wait_for(timeout=30_000)
    wait_idle(page)


def test_sign_in_works_with_the_shipped_sign_in_delay_on_fresh_servers_and_sessions(chromium_path, browser,
                                                                                    tmp_path_factory):
    from novamind_core.services.base import SYSTEM_USER
    from tests.app import ui_cohort as ui

    assert Settings.model_fields["login_sleep_time"].default > 0  # the shipped delay is what this test exercises
    saved = {k: v for k, v in os.environ.items() if k.startswith("NOVAMIND_")}
    try:
        for server in range(SERVERS):
            env = ui.environment_for(tmp_path_factory.mktemp(f"sign-in-default-{server}"))
            del env["NOVAMIND_LOGIN_SLEEP_TIME"]  # the shipped default, not the tests' 0
            os.environ.pop("NOVAMIND_LOGIN_SLEEP_TIME", None)
            services = ui.build_services_from_environment(env)
            try:
                ui.seed_cohort(services)
                log = tmp_path_factory.mktemp(f"sign-in-default-{server}-log") / "streamlit.log"
                with running_app(env, log) as url:
                    for _ in range(SESSIONS_PER_SERVER):
                        context = browser.new_context(viewport={"width": 1440, "height": 1000})
                        context.set_default_timeout(30_000)
                        fetched: set[str] = set()
                        context.on("request", lambda r, seen=fetched: seen.add(r.url))
                        try:
                            type_and_sign_in_at_once(context.new_page(), url)
                        finally:
                            context.close()
                        elsewhere = {u for u in fetched
                                     if urlparse(u).scheme in ("http", "https", "ws", "wss")
                                     and urlparse(u).hostname not in ("127.0.0.1", "localhost")}
                        assert not elsewhere, f"the browser fetched from another server: {sorted(elsewhere)[:3]}"
                signed_in = services.audit.query(SYSTEM_USER, action="auth.sign_in", outcome="success")
                assert len(signed_in) == SESSIONS_PER_SERVER  # one audited password sign-in per session
            finally:
                services.close()
    finally:
        for key in [k for k in os.environ if k.startswith("NOVAMIND_")]:
            del os.environ[key]
        os.environ.update(saved)
