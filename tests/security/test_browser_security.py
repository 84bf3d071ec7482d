"""Browser security (real ``streamlit run app.py`` + Debian chromium through Playwright; skipped with the reason when
chromium or playwright is missing): no session fixation, tampered sign-in cookies do not sign in, every response
carries anti-framing and content-security headers and another site cannot frame the sign-in page, and the server
log of a whole browser session (run at DEBUG) holds no PHI of the seeded cohort. (Copied cookies after sign-out,
idle timeout and revocation: tests/e2e/test_session_cookie_browser.py.)"""

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
    return next((c for c in ctx.cookies() if c["name"] == "novamind_auth" and c["value"]), None)


def _wait_for_token(ctx, accept, timeout_s: float = 15.0) -> str:  # type: ignore[no-untyped-def]
    """The sign-in cookie's value once ``accept(value)`` holds (the hand-off frame sets it asynchronously)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        cookie = _auth_cookie(ctx)
        if cookie is not None and accept(cookie["value"]):
            return cookie["value"]
        time.sleep(0.25)
    raise AssertionError(f"no accepted sign-in cookie within {timeout_s} s")


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _fetch_headers(url: str) -> dict[str, str]:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as answer:
        return {k.lower(): v for k, v in answer.headers.items()}


def test_signing_in_issues_a_fresh_sign_in_cookie_and_signing_in_again_issues_another(app_debug, context):
    page = context.new_page()
    page.goto(app_debug["url"])
    page.get_by_role("textbox", name="Username").wait_for()
    assert _auth_cookie(context) is None, "a sign-in cookie existed before anyone signed in"
    _sign_in(page)
    _idle(page)
    first = _wait_for_token(context, lambda t: True)
    page.get_by_role("button", name="Sign out").first.click()
    page.get_by_role("textbox", name="Username").wait_for()
    page.wait_for_timeout(1500)
    assert _auth_cookie(context) is None  # cleared by the server (HttpOnly: no script could)
    _sign_in(page)
    _idle(page)
    _wait_for_token(context, lambda t: t != first)


def test_a_cookie_planted_before_sign_in_does_not_become_the_signed_in_session(app_debug, browser):
    """Fixation: an attacker plants a cookie in the victim's browser before the victim signs in."""
    ctx = browser.new_context()
    try:
        planted = "A" * 43
        ctx.add_cookies([{"name": "novamind_auth", "value": planted, "url": app_debug["url"]}])
        page = ctx.new_page()
        page.goto(app_debug["url"])
        page.get_by_role("textbox", name="Username").wait_for()
        page.wait_for_timeout(1500)
        assert not _signed_in(page)
        _sign_in(page)
        _idle(page)
        token = _wait_for_token(ctx, lambda t: t != planted)
        assert app_debug["services"].sessions.resume(planted) is None
        assert app_debug["services"].sessions.resume(token) is not None
    finally:
        ctx.close()


@pytest.mark.parametrize("tamper", ["one_character_changed", "truncated", "old_jwt_for_admin"])
def test_a_tampered_sign_in_cookie_does_not_sign_in(app_debug, context, browser, tamper):
    page = context.new_page()
    page.goto(app_debug["url"])
    _sign_in(page)
    _idle(page)
    _wait_for_token(context, lambda t: True)
    cookie = _auth_cookie(context)
    value = cookie["value"]
    if tamper == "one_character_changed":
        forged = value[:-1] + ("A" if value[-1] != "A" else "B")
    elif tamper == "truncated":
        forged = value[:30]
    else:  # the wave-1 stateless token: a JWT naming the admin
        forged = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64({'username': 'demo.admin', 'exp_date': 4e9})}."
    other = browser.new_context()
    try:
        other.add_cookies([{**cookie, "value": forged}])
        stranger = other.new_page()
        stranger.goto(app_debug["url"])
        stranger.get_by_role("textbox", name="Username").wait_for(timeout=30_000)
        stranger.wait_for_timeout(2000)
        assert stranger.get_by_role("button", name="Sign out").count() == 0
        assert stranger.get_by_text("Caseload", exact=True).count() == 0
    finally:
        other.close()


def test_a_malformed_sign_in_cookie_still_lets_the_user_sign_in(app_debug, browser):
    """A cookie that names no session must end in the sign-in form, not a blank page."""
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


@pytest.mark.parametrize("path", ["/", "/sign-in", "/patient?mrn=NM-1", "/_stcore/health"])
def test_every_response_carries_anti_framing_and_content_security_headers(app_debug, path):
    headers = _fetch_headers(app_debug["url"] + path)
    assert headers.get("x-frame-options") == "DENY"
    assert "frame-ancestors 'none'" in headers.get("content-security-policy", "")
    assert "object-src 'none'" in headers["content-security-policy"]
    assert headers.get("x-content-type-options") == "nosniff"
    assert headers.get("referrer-policy") == "no-referrer"


def test_another_site_cannot_frame_the_sign_in_page(app_debug, browser):
    """Clickjacking: a page on another origin puts the app in an iframe; the browser must refuse to render it."""
    import http.server
    import threading

    from tests.browser_support import _free_port

    evil = f'<html><body><h1>Win a prize</h1><iframe id="victim" src="{app_debug["url"]}/sign-in" ' \
           'width="900" height="700"></iframe></body></html>'

    class Evil(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = evil.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.2", _free_port()), Evil)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        page.goto(f"http://127.0.0.2:{server.server_address[1]}/")
        page.get_by_text("Win a prize").wait_for()
        page.wait_for_timeout(5000)
        frame = page.frame_locator("#victim")
        assert frame.get_by_role("textbox", name="Username").count() == 0
        assert frame.get_by_role("textbox", name="Password").count() == 0
    finally:
        ctx.close()
        server.shutdown()


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
