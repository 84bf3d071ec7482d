"""Break 1 of issue 17, attacked in a real browser (``streamlit run app.py`` + chromium; skipped with the reason when
either is missing): the sign-in cookie is an opaque id of a server-side session, HttpOnly and SameSite=Strict, and it
dies with the session. Runs with the shipped sign-in delay (``NOVAMIND_LOGIN_SLEEP_TIME`` unset).

Idle expiry is reached by moving the session's idle deadline into the past in the database (what 30 quiet minutes
would do) instead of waiting; every other step is what an intruder with a copied cookie would try.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

pytestmark = pytest.mark.browser
CLINICIAN, PASSWORD = "demo.clinician", "demo-clinician-2024"


@pytest.fixture(scope="module")
def shipped_app(chromium_path, tmp_path_factory):  # type: ignore[no-untyped-def]
    import os

    from tests.browser_support import seeded_app

    saved = os.environ.pop("NOVAMIND_LOGIN_SLEEP_TIME", None)
    try:
        with seeded_app(tmp_path_factory, "sessions", {"NOVAMIND_LOGIN_SLEEP_TIME": "0.2"}) as app:
            yield app
    finally:
        if saved is not None:
            os.environ["NOVAMIND_LOGIN_SLEEP_TIME"] = saved


def _idle(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=30_000)


def _sign_in(page, url: str, username: str = CLINICIAN, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto(url)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").first.wait_for(timeout=30_000)
    _idle(page)


def _cookie(ctx, timeout_s: float = 15.0) -> dict:  # type: ignore[no-untyped-def]
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = next((c for c in ctx.cookies() if c["name"] == "novamind_auth" and c["value"]), None)
        if found is not None:
            return found
        time.sleep(0.2)
    raise AssertionError("the sign-in cookie was never set")


def _opens_a_chart(browser, url: str, cookie: dict, mrn: str, name: str) -> bool:  # type: ignore[no-untyped-def]
    """A fresh browser (the intruder's) with only the copied cookie: does the patient's chart open?"""
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    try:
        ctx.add_cookies([cookie])
        page = ctx.new_page()
        page.goto(f"{url}/patient?mrn={mrn}")
        page.get_by_role("button", name="Sign out").or_(page.get_by_role("textbox", name="Username")).first.wait_for(
            timeout=30_000)
        _idle(page)
        page.wait_for_timeout(2500)
        _idle(page)
        return page.get_by_role("button", name="Sign out").count() > 0 and name in page.inner_text("body")
    finally:
        ctx.close()


def _patient(app):  # type: ignore[no-untyped-def]
    services, cohort = app["services"], app["cohort"]
    user = services.users.get_by_username(CLINICIAN)
    return cohort.responder_mrn, services.patients.find_by_mrn(user, cohort.responder_mrn).family_name


def test_a_cookie_copied_before_sign_out_no_longer_opens_a_chart_in_a_fresh_browser(shipped_app, browser, context):
    url = shipped_app["url"]
    mrn, name = _patient(shipped_app)
    page = context.new_page()
    _sign_in(page, url)
    copied = _cookie(context)
    assert _opens_a_chart(browser, url, copied, mrn, name), "the copy should work while the session lives"
    page.get_by_role("button", name="Sign out").first.click()
    page.get_by_role("textbox", name="Username").wait_for()
    page.wait_for_timeout(1500)
    assert not _opens_a_chart(browser, url, copied, mrn, name)


def test_reopening_after_the_idle_timeout_shows_the_sign_in_form(shipped_app, browser, context):
    url, services = shipped_app["url"], shipped_app["services"]
    page = context.new_page()
    _sign_in(page, url)
    cookie = _cookie(context)
    page.close()  # the clinician closes the tab ...
    with services.engine.begin() as conn:  # ... and the idle timeout passes
        conn.execute(text("UPDATE user_sessions SET idle_expires_at = :t WHERE revoked_at IS NULL"),
                     {"t": datetime.now(UTC) - timedelta(seconds=1)})
    again = context.new_page()
    again.goto(url)
    again.get_by_role("textbox", name="Username").wait_for(timeout=30_000)
    assert again.get_by_role("button", name="Sign out").count() == 0
    assert not _opens_a_chart(browser, url, cookie, *_patient(shipped_app))


@pytest.mark.parametrize("how", ["admin revokes", "password changed"])
def test_a_revoked_or_password_changed_session_is_dead_at_the_next_click(shipped_app, browser, context, how):
    from novamind_core.services.base import SYSTEM_USER

    url, services = shipped_app["url"], shipped_app["services"]
    page = context.new_page()
    _sign_in(page, url, "demo.clinician2", "demo-clinician2-2024")
    cookie = _cookie(context)
    user = services.users.get_by_username("demo.clinician2")
    if how == "admin revokes":
        admin = services.users.get_by_username("demo.admin")
        services.sessions.revoke_all(admin, user.id)
    else:
        services.users.reset_password(SYSTEM_USER, user.id, "a-new-passphrase-for-two-42")
    page.reload()
    page.get_by_role("textbox", name="Username").wait_for(timeout=30_000)
    assert not _opens_a_chart(browser, url, cookie, *_patient(shipped_app))


def test_the_cookie_is_http_only_and_same_site_strict_in_the_set_cookie_header(shipped_app, context):
    page = context.new_page()
    answers: list = []
    page.on("response", lambda r: answers.append(r) if r.url.endswith("/_novamind/session") and r.status == 204
            else None)
    _sign_in(page, shipped_app["url"], "demo.analyst", "demo-analyst-2024")
    cookie = _cookie(context)
    headers = [a.header_value("set-cookie") or "" for a in answers]
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    assert headers and "HttpOnly" in headers[0] and "SameSite=Strict" in headers[0]
    assert page.evaluate("document.cookie").find("novamind_auth") == -1  # no script can read it
    assert len(cookie["value"]) >= 43 and "." not in cookie["value"]  # opaque: no JWT, no username inside


def test_the_cookie_is_secure_only_over_tls_as_reported_by_the_trusted_proxy(shipped_app):
    services = shipped_app["services"]
    user = services.users.get_by_username(CLINICIAN)

    def set_cookie(proto: str | None) -> str:
        grant = services.sessions.create_session(user, "web")
        request = urllib.request.Request(f"{shipped_app['url']}/_novamind/session", method="POST",
                                         data=json.dumps({"handoff": grant.handoff_token}).encode(),
                                         headers={"Content-Type": "application/json", "X-Novamind-Session": "1",
                                                  **({"X-Forwarded-Proto": proto} if proto else {})})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.headers.get("Set-Cookie", "")

    assert "Secure" in set_cookie("https")
    assert "Secure" not in set_cookie(None)


def test_a_cross_site_post_cannot_plant_a_session(shipped_app):
    services = shipped_app["services"]
    grant = services.sessions.create_session(services.users.get_by_username(CLINICIAN), "web")
    for headers in ({"Content-Type": "application/json"},  # a plain cross-site form/fetch: no guard header
                    {"Content-Type": "application/json", "X-Novamind-Session": "1", "Origin": "https://evil.example"}):
        request = urllib.request.Request(f"{shipped_app['url']}/_novamind/session", method="POST", headers=headers,
                                         data=json.dumps({"handoff": grant.handoff_token}).encode())
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 403
