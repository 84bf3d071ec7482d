"""The sign-in gate: sign-in form (password, then a TOTP code when enrolled), server-side sessions, the HttpOnly
cookie hand-off, cookie re-login, sign-out and idle timeout.

Design (docs/security.md, "Sessions and sign-in, step by step"):

* A sign-in opens a **server-side session** (``services.sessions.create_session``): a row in ``user_sessions`` whose
  id this Streamlit session keeps in ``st.session_state`` (server memory). **Every run** of app.py validates it
  in the database before anything is drawn (:func:`check_session`): revoked (sign-out, password change,
  deactivation, an administrator), idle past ``session_timeout_minutes`` or past the absolute expiry → signed out,
  told why, and the cookie cleared.
* The browser's cookie holds only an opaque 256-bit secret whose hash is in the session row. JavaScript never sees
  it: a small script in the page posts the one-time hand-off token to the app server's ``/_novamind/session`` endpoint
  (``novamind_server/session_routes.py``), which answers with ``Set-Cookie: ...; HttpOnly; SameSite=Strict``
  (``Secure`` over TLS). A reload or a new tab presents the cookie; :func:`check_session` resumes the session only
  while it is live, so a copy taken before *Sign out* (or after the idle timeout) opens nothing.
* Sign-out revokes the session in the database and posts to ``/_novamind/session/end`` to clear the cookie.
* The cookie action script is rendered in this run *and* the next few runs, so a rerun (a deep-link switch) cannot
  unmount it before its script has run; a repeated post of a used hand-off is refused harmlessly.
* Every refused password sign-in gets one message (``services.users.authenticate``: unknown user, wrong password,
  deactivated, backing off). Attempts are throttled per account and per client address in the database.
* Signed out, the sign-in form is drawn by a page that ``st.navigation(...).run()`` runs (:func:`sign_in_pages`), so
  its widget ids are fixed by that page and do not depend on the page hash a request happens to carry.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from components.shared.navigation import PageSpec, page_for_url_path
from components.shared.session import StateKeys, signed_in_username, touch_activity
from components.shared.text import plain
from components.shared.theme import format_datetime
from components.shared.warmup import warm_up_charts
from novamind_core.bootstrap import Services
from novamind_core.domain.errors import AuthenticationError, NovamindError
from novamind_core.domain.users import User

COOKIE_ACTION_RUNS = 3
"""Runs during which a cookie set/clear script stays rendered (the sign-in run, a deep-link switch, one spare)."""
SESSION_ENDPOINT = "/_novamind/session"
SESSION_END_ENDPOINT = "/_novamind/session/end"

logger = logging.getLogger("novamind.ui")


# ---------------------------------------------------------------------------------------------- client address
def client_address(services: Services | None = None) -> str:
    """The browser's network address for sign-in throttling: the peer address, or, when the peer is a trusted proxy
    (``NOVAMIND_TRUSTED_PROXIES``), the last address it appended to ``X-Forwarded-For``. "unknown" without one."""
    try:
        peer = st.context.ip_address
        forwarded = st.context.headers.get("X-Forwarded-For") or ""
    except Exception:  # no browser behind this run (AppTest)
        return "unknown"
    peer = peer if isinstance(peer, str) and peer else "unknown"
    trusted = {p.strip() for p in str(getattr(getattr(services, "settings", None), "trusted_proxies", "")
                                      or "127.0.0.1,::1").split(",") if p.strip()}
    if peer in trusted and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        untrusted = [h for h in hops if h not in trusted]
        if untrusted:
            return untrusted[-1][:64]
    return peer[:64]


# ---------------------------------------------------------------------------------------------- sessions
def start_session(services: Services, user: User, channel: str = "web") -> None:
    """Open the server-side session for ``user`` (who just proved who they are), sign this tab in, and schedule the
    HttpOnly cookie hand-off. Used by the password form and by single sign-on (``components/shared/sso.py``)."""
    grant = services.sessions.create_session(user, channel)
    _signed_in_state(user, grant.session_id)
    st.session_state[StateKeys.PASSWORD_CHECKED] = user.username  # audited by the service, not a cookie resume
    st.session_state[StateKeys.COOKIE_ACTION] = ("set", grant.handoff_token, COOKIE_ACTION_RUNS)
    st.session_state[StateKeys.SECOND_FACTOR] = None
    st.session_state[StateKeys.SIGN_IN_ERROR] = None
    st.session_state[StateKeys.SIGN_IN_NOTICE] = None
    notice = services.users.take_sign_in_notice(user)
    st.session_state[StateKeys.SIGN_IN_WARNING] = (
        None if notice is None else
        f"There were {notice.failed_attempts} failed sign-in attempts on your account since you last signed in"
        + (f" (the last at {format_datetime(notice.last_failure_at)} UTC)" if notice.last_failure_at else "")
        + ". If that was not you, tell an administrator.")


def open_session_for_sso(services: Services):  # type: ignore[no-untyped-def]
    """``open_session(user, channel)`` for :func:`components.shared.sso.accept_single_sign_on`."""
    return lambda user, channel: start_session(services, user, channel)


def _signed_in_state(user: User, session_id: int) -> None:
    st.session_state[StateKeys.SESSION_ID] = session_id
    st.session_state[StateKeys.AUTH_STATUS] = True
    st.session_state[StateKeys.USERNAME] = user.username
    st.session_state[StateKeys.NAME] = user.display_name
    st.session_state[StateKeys.ROLES] = [user.role.value]
    st.session_state[StateKeys.SIGNED_IN_AS] = user.username


def _clear_signed_in_state() -> None:
    for key in (StateKeys.SESSION_ID, StateKeys.SIGNED_IN_AS, StateKeys.PASSWORD_CHECKED, StateKeys.USERNAME,
                StateKeys.NAME, StateKeys.ROLES, StateKeys.SELECTED_PATIENT_ID, StateKeys.SELECTED_PATIENT_LABEL,
                StateKeys.LAST_ACTIVITY, StateKeys.PENDING_ASSESSMENT, StateKeys.SECOND_FACTOR,
                StateKeys.SIGN_IN_WARNING):
        st.session_state[key] = None
    st.session_state[StateKeys.AUTH_STATUS] = None
    st.session_state[StateKeys.RECENT_PATIENTS] = []


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def reject_cookie(token: str, reason: str) -> None:
    """Remember ``token`` (by its SHA-256) as rejected in this tab and schedule the cookie's clearing.

    Logs ``reason`` only: never the token."""
    logger.info("sign-in cookie not accepted (%s); it will be cleared", reason)
    st.session_state[StateKeys.REJECTED_COOKIE] = _digest(token)
    st.session_state[StateKeys.COOKIE_ACTION] = ("clear", None, COOKIE_ACTION_RUNS)


def _end_notice(reason: str | None, minutes: int) -> str:
    if reason == "idle timeout":
        return f"You were signed out after {minutes} minutes without activity. Please sign in again."
    if reason == "absolute expiry":
        return "Your sign-in has expired. Please sign in again."
    if reason in (None, "sign out"):
        return "You are signed out. Please sign in again."
    return f"Your session was ended ({reason}). Please sign in again."


def check_session(services: Services) -> User | None:
    """Run first on every app run: the signed-in user of a live server-side session, or None (signed out).

    With a session in this tab it is validated in the database (revoked, idle, absolute expiry, account active);
    without one, a cookie the browser sent is resumed only while its session is live. Anything else signs out.
    """
    session_id = st.session_state.get(StateKeys.SESSION_ID)
    if session_id is not None:
        active = services.sessions.validate(session_id)
        if active is not None:
            touch_activity()
            return active.user
        reason = services.sessions.why_ended(session_id)
        _clear_signed_in_state()
        _forget_this_tabs_cookie(services)
        st.session_state[StateKeys.SIGN_IN_NOTICE] = _end_notice(reason, services.settings.session_timeout_minutes)
        st.session_state[StateKeys.COOKIE_ACTION] = ("clear", None, COOKIE_ACTION_RUNS)
        return None
    if signed_in_username() is not None:  # signed-in keys without a server session: never trusted here
        _clear_signed_in_state()
    raw = st.context.cookies.get(services.settings.cookie_name)
    if not isinstance(raw, str) or not raw or st.session_state.get(StateKeys.REJECTED_COOKIE) == _digest(raw):
        return None
    active = services.sessions.resume(raw)
    if active is None:
        reject_cookie(raw, "no live session")
        return None
    _signed_in_state(active.user, active.session_id)
    touch_activity()
    return active.user


def _forget_this_tabs_cookie(services: Services) -> None:
    """The cookie this tab's websocket was opened with names the session that just ended: never resume it here
    (``st.context.cookies`` keeps the handshake's value until the tab reloads)."""
    try:
        raw = st.context.cookies.get(services.settings.cookie_name)
    except Exception:  # no browser behind this run
        raw = None
    if isinstance(raw, str) and raw:
        st.session_state[StateKeys.REJECTED_COOKIE] = _digest(raw)


def ensure_live_session(services: Services) -> None:
    """First line of an ``st.fragment``: a fragment's rerun does not run app.py, so its gate did not check the
    session. A session that ended since (revoked, idle, expired) reruns the whole app, whose gate then signs out."""
    session_id = st.session_state.get(StateKeys.SESSION_ID)
    if session_id is not None and services.sessions.validate(session_id) is None:
        st.rerun(scope="app")


def sign_out(services: Services, reason: str = "sign out") -> None:
    """End this tab's session in the database (audited with ``reason``), clear the cookie and the tab's state."""
    session_id = st.session_state.get(StateKeys.SESSION_ID)
    if session_id is not None:
        services.sessions.end_session(session_id, reason)
    _clear_signed_in_state()
    _forget_this_tabs_cookie(services)
    st.session_state[StateKeys.COOKIE_ACTION] = ("clear", None, COOKIE_ACTION_RUNS)


def render_cookie_action() -> None:
    """Render the pending cookie set/clear script (nothing visible) and count the run.

    The script posts to the app server's session endpoint from this origin; the server sets or clears the
    HttpOnly cookie. The hand-off token in it works once and for two minutes. It is drawn in a slot that every run
    draws (empty when nothing is pending): when it came and went, everything after it moved and the browser drew the
    page anew, and a text box being typed in lost focus and caret (docs/ux.md §5).
    """
    slot = st.empty()
    pending = st.session_state.get(StateKeys.COOKIE_ACTION)
    if not pending:
        return
    action, token, runs_left = pending
    url = SESSION_ENDPOINT if action == "set" else SESSION_END_ENDPOINT
    body = json.dumps({"handoff": token} if action == "set" else {})
    script = (
        "<script>(function(){"
        f"fetch({json.dumps(url)},{{method:'POST',credentials:'same-origin',cache:'no-store',"
        f"headers:{{'Content-Type':'application/json','X-Novamind-Session':'1'}},body:{json.dumps(body)}}})"
        ".catch(function(){});})();</script>"
    )
    # Run in the page itself (st.html with its script allowed: the text is this function's own, the token and URL
    # JSON-encoded), not in a component frame: streamlit.components.v1.html is deprecated, and the frame cost the
    # browser two more scripts to load on the sign-in's critical path.
    with slot:
        st.html(script, unsafe_allow_javascript=True)  # text-safe: built above from constants and json.dumps
    st.session_state[StateKeys.COOKIE_ACTION] = (action, token, runs_left - 1) if runs_left > 1 else None


# ---------------------------------------------------------------------------------------------- deep links
def remember_deep_link() -> None:
    """On a session's first run, remember the page and query the browser asked for (to restore after sign-in)."""
    if st.session_state.get(StateKeys.DEEP_LINK) is not None or st.session_state.get(StateKeys.FIRST_RUN_SEEN):
        return
    st.session_state[StateKeys.FIRST_RUN_SEEN] = True
    url = st.context.url or ""
    path = url.split("://", 1)[-1].split("/", 1)[1] if "/" in url.split("://", 1)[-1] else ""
    params = {k: v for k, v in st.query_params.to_dict().items()}
    if path.strip("/") or params:
        st.session_state[StateKeys.DEEP_LINK] = (path.strip("/"), params)


def follow_deep_link(pages: list[PageSpec], st_pages: dict[str, StreamlitPage], current_page: StreamlitPage) -> None:
    """After sign-in, switch once to the remembered page (if this role may open it), with its query."""
    link = st.session_state.get(StateKeys.DEEP_LINK)
    if not link:
        return
    st.session_state[StateKeys.DEEP_LINK] = None
    path, params = link
    spec = page_for_url_path(path, pages)
    if spec is None:
        return
    target = st_pages[spec.page_id]
    if target.url_path == current_page.url_path and dict(st.query_params.to_dict()) == params:
        return
    st.switch_page(target, query_params=params or None)


# ---------------------------------------------------------------------------------------------- the form
def sign_in_pages(services: Services, known_pages: list[PageSpec]) -> list[StreamlitPage]:
    """The signed-out navigation: a default "Sign in" page and every known address, each drawing the sign-in form.

    Run by ``st.navigation(...).run()``, so the form's widget ids belong to the page the session is on. After a
    sign-in the script reruns, and the same address resolves to the real page if the role may open it.
    """

    def sign_in_page() -> None:
        sign_in_form(services)
        if signed_in_username() is not None:
            st.rerun()
        warm_up_charts()  # the chart library loads while the user types (components/shared/warmup.py)

    pages = [st.Page(sign_in_page, title="Sign in", icon=":material/login:", url_path="sign-in", default=True)]
    pages += [st.Page(sign_in_page, title=spec.title, url_path=spec.url_path, visibility="hidden")
              for spec in known_pages]
    return pages


def _password_step(services: Services, username: str, password: str) -> None:
    from novamind_core.services.users import SecondFactorRequired

    time.sleep(services.settings.login_sleep_time)  # per submitted password; the service does the throttling
    try:
        user = services.users.authenticate(username, password, client_address=client_address(services))
    except SecondFactorRequired as exc:
        st.session_state[StateKeys.SECOND_FACTOR] = (exc.challenge, exc.enrol, None)
        st.session_state[StateKeys.SIGN_IN_ERROR] = None
        return
    except AuthenticationError as exc:
        st.session_state[StateKeys.SIGN_IN_ERROR] = str(exc)
        return
    start_session(services, user, "web")


def _code_step(services: Services, challenge: str, code: str) -> None:
    try:
        user = services.users.verify_second_factor(challenge, code, client_address=client_address(services))
    except AuthenticationError as exc:
        st.session_state[StateKeys.SIGN_IN_ERROR] = str(exc)
        if "took too long" in str(exc):
            st.session_state[StateKeys.SECOND_FACTOR] = None
        return
    start_session(services, user, "web")


def _enrolment_panel(services: Services, challenge: str) -> None:
    """An admin's first sign-in where a second factor is required: show the secret (once) and recovery codes."""
    pending = st.session_state.get(StateKeys.SECOND_FACTOR)
    shown = pending[2] if pending else None
    if shown is None:
        try:
            enrolment = services.users.start_totp_enrolment(challenge)
        except NovamindError as exc:
            st.session_state[StateKeys.SECOND_FACTOR] = None
            st.session_state[StateKeys.SIGN_IN_ERROR] = str(exc)
            st.rerun()
        shown = (enrolment.secret, enrolment.uri, enrolment.recovery_codes)
        st.session_state[StateKeys.SECOND_FACTOR] = (challenge, True, shown)
    from components.shared.account_security import show_enrolment

    show_enrolment(*shown)


def sign_in_form(services: Services) -> None:
    """The sign-in card: product name, the password form (or the code form), and the last refusal or notice."""
    _, middle, _ = st.columns([1, 1.3, 1])
    with middle:
        st.markdown("## :material/psychology: Novamind")
        st.caption("Clinician dashboard for measurement-based psychiatric care.")
        notice = st.session_state.get(StateKeys.SIGN_IN_NOTICE)
        if notice:
            st.info(notice, icon=":material/schedule:")
        pending = st.session_state.get(StateKeys.SECOND_FACTOR)
        if pending:
            challenge, enrol, _ = pending
            if enrol:
                _enrolment_panel(services, challenge)
            with st.form("nm_code_form", clear_on_submit=True):
                st.markdown("**Second step**")
                code = st.text_input("Authenticator code", max_chars=16,
                                     help="The 6-digit code your authenticator app shows now, or a recovery code.")
                verify = st.form_submit_button("Verify", type="primary", width="stretch")
            if st.button("Start again", key="nm_second_factor_cancel"):
                st.session_state[StateKeys.SECOND_FACTOR] = None
                st.rerun()
            if verify:
                _code_step(services, challenge, code)
        else:
            with st.form("nm_sign_in"):
                st.markdown("**Sign in**")
                username = st.text_input("Username", max_chars=64, autocomplete="username")
                password = st.text_input("Password", type="password", max_chars=200,
                                         autocomplete="current-password")
                submitted = st.form_submit_button("Sign in", type="primary", width="stretch")
            if submitted:
                _password_step(services, username, password)
                if st.session_state.get(StateKeys.SECOND_FACTOR):
                    st.rerun()
        message = st.session_state.get(StateKeys.SIGN_IN_ERROR)
        if message and signed_in_username() is None:
            st.error(plain(message[0].upper() + message[1:] + "."), icon=":material/lock:")
        # SSO HOOK: "Sign in with your organisation" under the password form (components/shared/sso.py)
        _single_sign_on_option()


def _single_sign_on_option() -> None:
    try:
        from components.shared.sso import render_single_sign_on_option
    except ImportError:
        return
    render_single_sign_on_option()
