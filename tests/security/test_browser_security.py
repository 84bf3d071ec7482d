"""Browser security (real ``streamlit run app.py`` + Debian chromium through Playwright; skipped with the reason when
chromium or playwright is missing): no session fixation, tampered sign-in cookies do not sign in, and the server
log of a whole browser session (run at DEBUG) holds no PHI of the seeded cohort."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parents[2]


CLINICIAN, PASSWORD = "demo.clinician", "demo-clinician-2024"


@pytest.fixture(scope="module")
def app_debug(chromium_path, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The app on a free port over a seeded database, logging at DEBUG to a file we scan afterwards."""
    from tests.browser_support import seeded_app

    with seeded_app(tmp_path_factory, "sec", {"NOVAMIND_LOG_LEVEL": "DEBUG"}, ("--logger.level", "debug")) as app:
        yield app


def _sign_in(page, username: str = CLINICIAN, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("textbox", name="Username").wait_for()
    _idle(page)
    page.wait_for_timeout(800)
    _idle(page)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def _idle(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=30_000)


def _signed_in(page) -> bool:  # type: ignore[no-untyped-def]
    return page.get_by_role("textbox", name="Password").count() == 0


def _auth_cookie(ctx) -> dict | None:  # type: ignore[no-untyped-def]
    return next((c for c in ctx.cookies() if c["name"] == "novamind_auth"), None)


def _wait_for_token(ctx, accept, timeout_s: float = 15.0) -> str:  # type: ignore[no-untyped-def]
    """The sign-in cookie's value once ``accept(value)`` holds (the cookie component writes it asynchronously)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        cookie = _auth_cookie(ctx)
        if cookie is not None and accept(cookie["value"]):
            return cookie["value"]
        time.sleep(0.25)
    raise AssertionError(f"no accepted sign-in cookie within {timeout_s} s: {_auth_cookie(ctx)}")


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _unb64(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_signing_in_issues_a_fresh_sign_in_cookie_and_signing_in_again_issues_another(app_debug, context):
    page = context.new_page()
    page.goto(app_debug["url"])
    page.get_by_role("textbox", name="Username").wait_for()
    before = {c["name"]: c["value"] for c in context.cookies()}
    assert "novamind_auth" not in before, "a sign-in cookie existed before anyone signed in"
    _sign_in(page)
    _idle(page)
    first = _wait_for_token(context, lambda t: t not in before.values())
    page.get_by_role("button", name="Sign out").first.click()
    page.get_by_role("textbox", name="Username").wait_for()
    page.wait_for_timeout(1500)
    assert _auth_cookie(context) is None or _auth_cookie(context)["value"] != first
    page.wait_for_timeout(1100)  # tokens carry an expiry in seconds: a new one must differ even within a second
    _sign_in(page)
    _idle(page)
    _wait_for_token(context, lambda t: t != first)


def test_a_cookie_planted_before_sign_in_does_not_become_the_signed_in_session(app_debug, browser):
    """Fixation: an attacker plants a (forged) token in the victim's browser before the victim signs in."""
    ctx = browser.new_context()
    try:
        planted = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64({'username': 'demo.admin', 'exp_date': 4e9})}.AAAA"
        ctx.add_cookies([{"name": "novamind_auth", "value": planted, "url": app_debug["url"]}])
        page = ctx.new_page()
        page.goto(app_debug["url"])
        page.get_by_role("textbox", name="Username").wait_for()
        page.wait_for_timeout(1500)
        assert not _signed_in(page)
        _sign_in(page)
        _idle(page)
        page.wait_for_timeout(1500)
        token = _wait_for_token(ctx, lambda t: t != planted)
        assert _unb64(token.split(".")[1]).get("username") == CLINICIAN
    finally:
        ctx.close()


@pytest.mark.parametrize("tamper", ["payload_to_admin", "alg_none", "expired_resigned_garbage"])
def test_a_tampered_sign_in_cookie_does_not_sign_in(app_debug, context, browser, tamper):
    page = context.new_page()
    page.goto(app_debug["url"])
    _sign_in(page)
    _idle(page)
    _wait_for_token(context, lambda t: True)
    cookie = _auth_cookie(context)
    header, payload, signature = cookie["value"].split(".")
    claims = _unb64(payload)
    if tamper == "payload_to_admin":
        forged = f"{header}.{_b64({**claims, 'username': 'demo.admin'})}.{signature}"
    elif tamper == "alg_none":
        forged = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}."
    else:
        forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    other = browser.new_context()
    try:
        other.add_cookies([{**cookie, "value": forged}])
        stranger = other.new_page()
        stranger.goto(app_debug["url"])
        stranger.get_by_text("Novamind").first.wait_for()
        stranger.wait_for_timeout(4000)
        assert stranger.get_by_role("button", name="Sign out").count() == 0
        assert stranger.get_by_text("Caseload", exact=True).count() == 0
    finally:
        other.close()


def test_a_malformed_sign_in_cookie_still_lets_the_user_sign_in(app_debug, browser):
    """A token the authenticator cannot verify (here ``alg: none``) must end in the sign-in form, not a blank page
    (found by this suite: the page stays without a form until the cookie expires)."""
    ctx = browser.new_context()
    try:
        token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64({'username': CLINICIAN, 'exp_date': 4e9})}."
        ctx.add_cookies([{"name": "novamind_auth", "value": token, "url": app_debug["url"]}])
        page = ctx.new_page()
        page.goto(app_debug["url"])
        page.get_by_role("textbox", name="Username").wait_for(timeout=20_000)
        _sign_in(page)
        page.get_by_role("button", name="Sign out").first.wait_for(timeout=20_000)
    finally:
        ctx.close()


def test_a_whole_browser_session_leaves_no_phi_in_the_server_log(app_debug, context, browser):
    from novamind_core.services.base import SYSTEM_USER

    services, cohort = app_debug["services"], app_debug["cohort"]
    page = context.new_page()
    page.goto(app_debug["url"])
    _sign_in(page)
    _idle(page)
    page.goto(f"{app_debug['url']}/patient?mrn={cohort.responder_mrn}")
    _idle(page)
    page.wait_for_timeout(2000)
    page.goto(f"{app_debug['url']}/patient?mrn={cohort.other_patient_mrn}")  # refused: not on the care team
    _idle(page)
    other = browser.new_context()
    try:
        stranger = other.new_page()
        stranger.goto(app_debug["url"])
        _sign_in(stranger, password="wrong-password-for-sure")
        stranger.wait_for_timeout(1500)
    finally:
        other.close()
    log = app_debug["log"].read_text()
    assert len(log) > 200, "the server logged nothing: the scan would prove nothing"
    needles = []
    for user_id in (cohort.clinician_id, cohort.other_clinician_id):
        username = next(a.username for a in services.users.list(SYSTEM_USER) if a.id == user_id)
        user = services.users.get_by_username(username)
        for row in services.patients.caseload(user, page_size=200).rows:
            p = services.patients.get(user, row.patient_id)
            needles += [p.mrn, p.given_name, p.family_name, p.date_of_birth.isoformat(),
                        *(v for v in (p.contact.email, p.contact.phone) if v)]
    assert needles
    leaked = sorted({n for n in needles if n in log})
    assert not leaked, f"PHI in the server log: {leaked}"
