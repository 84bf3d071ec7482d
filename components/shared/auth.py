"""Sign-in, cookie re-login, sign-out and idle timeout, on streamlit-authenticator 0.4.2 over the users service.

Design:

* The authenticator gets a credentials dict of *active* users without password hashes (username -> name, roles);
  its credentials check is replaced by :meth:`UserService.authenticate`, so lockout after
  ``login_max_attempts`` failures and the audit of every outcome (success, failure, lockout) happen in the service.
* Cookie re-login (the authenticator's signed JWT cookie) is audited as a sign-in by cookie.
* Sign-out is audited, then the cookie is deleted. After ``session_timeout_minutes`` without interaction the next
  run signs the user out (audited with reason "idle timeout") and the sign-in form says why.
* A cookie the authenticator cannot verify (bad signature, ``alg: none``, garbage, a payload without a username or
  expiry), or a well-signed one naming a user who is no longer active (the library's ``LoginError``), is treated as
  no cookie: it is scheduled for deletion and the sign-in form is shown. Nothing is audited
  (the username inside such a token is unverified) and only the error's class name is logged, never the token.
* Setting or deleting the cookie is a browser component: we render it in this run *and* the next few runs, so a rerun
  (a deep-link switch) cannot unmount it before its script has run.
* Signed out, the sign-in form is drawn by a page that ``st.navigation(...).run()`` runs (:func:`sign_in_pages`), so
  its widget ids are fixed by that page and do not depend on the page hash a request happens to carry. The library's
  read-all-cookies component is never drawn (the cookie is read from the request, ``st.context.cookies``): its mount
  answered with a rerun in the middle of a session's first run, which is what raced the typed username and password.
  The sign-in delay (``login_sleep_time``) is spent once per submitted password, not on every signed-out run.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from datetime import datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING

import streamlit as st

from components.shared.navigation import PageSpec, page_for_url_path
from components.shared.session import StateKeys, signed_in_username, touch_activity
from novamind_core.bootstrap import Services
from novamind_core.domain.errors import AuthenticationError
from novamind_core.domain.users import User

if TYPE_CHECKING:  # imported lazily at run time: the library sets up Streamlit caches when imported
    from streamlit.navigation.page import StreamlitPage
    from streamlit_authenticator import Authenticate

Credentials = dict[str, dict[str, dict[str, object]]]
"""streamlit-authenticator's credentials shape (its API): ``{"usernames": {username: {"name", "roles", ...}}}``."""
Claims = dict[str, object]
"""The claims of a sign-in cookie (a JWT payload)."""

COOKIE_ACTION_RUNS = 3
"""Runs during which a cookie set/delete component stays rendered (the sign-in run, a deep-link switch, one spare)."""

logger = logging.getLogger("novamind.ui")


@st.cache_data(ttl=30, show_spinner=False)
def _active_user_credentials(fingerprint: str, _services: Services) -> Credentials:
    """Usernames, display names and roles of active users (no password hashes); refreshed every 30 s."""
    return {"usernames": {c.username: {"name": c.display_name, "roles": [c.role],
                                       "email": f"{c.username}@novamind.invalid"}
                          for c in _services.users.login_credentials()}}


def _without_cookie_reader_component() -> None:
    """Make the library's cookie manager a writer only: it no longer draws its read-all-cookies component.

    ``CookieModel`` reads the cookie from ``st.context.cookies``; the component it drew on every run (key "init") was
    never read, but its mount in the browser sent a rerun in the middle of a session's first run. Set and delete
    components (:func:`render_cookie_action`) are unchanged. Idempotent; applied when the library is first used.
    """
    import extra_streamlit_components as stx
    from streamlit_authenticator.models import cookie_model

    if getattr(cookie_model.stx, "CookieManager", None) is not stx.CookieManager:
        return

    class CookieWriter(stx.CookieManager):  # type: ignore[misc]
        def __init__(self, key: str = "init") -> None:
            self.cookie_manager = _cookie_component()
            self.cookies = {}

    cookie_model.stx = SimpleNamespace(CookieManager=CookieWriter)


def _cookie_component() -> Callable[..., object]:
    """extra-streamlit-components' declared cookie component (set/delete/getAll by ``method``)."""
    from extra_streamlit_components.CookieManager import _component_func

    return _component_func


def build_authenticator(services: Services, fingerprint: str) -> Authenticate:
    """An ``Authenticate`` whose password check is the users service's (lockout + audit there)."""
    import streamlit_authenticator as stauth
    from streamlit_authenticator.utilities import LoginError

    _without_cookie_reader_component()
    settings = services.settings
    credentials = _active_user_credentials(fingerprint, services)
    auth = stauth.Authenticate(credentials, cookie_name=settings.cookie_name, cookie_key=settings.cookie_key,
                               cookie_expiry_days=settings.cookie_expiry_days, auto_hash=False,
                               login_sleep_time=0)  # the delay is spent per submitted password (below)
    model = auth.authentication_controller.authentication_model

    def check_credentials(username: str, password: str) -> bool:
        time.sleep(settings.login_sleep_time)  # slows password guessing; lockout and audit are the service's
        try:
            user = services.users.authenticate(username, password)
        except AuthenticationError as exc:
            st.session_state[StateKeys.SIGN_IN_ERROR] = str(exc)
            return False
        # a user created after the credentials were cached is added here (the service just accepted them)
        model.credentials["usernames"].setdefault(
            user.username, {"name": user.display_name, "roles": [user.role.value], "email": None})
        st.session_state[StateKeys.PASSWORD_CHECKED] = user.username
        st.session_state[StateKeys.SIGN_IN_ERROR] = None
        return True

    model.check_credentials = check_credentials
    cookie_model = auth.cookie_controller.cookie_model

    def set_cookie() -> None:
        cookie_model.exp_date = cookie_model._set_exp_date()
        st.session_state[StateKeys.COOKIE_ACTION] = ("set", cookie_model._token_encode(), cookie_model.exp_date,
                                                     COOKIE_ACTION_RUNS)

    def delete_cookie() -> None:
        st.session_state[StateKeys.COOKIE_ACTION] = ("delete", None, None, COOKIE_ACTION_RUNS)

    def token_decode() -> Claims | bool:
        token = cookie_model.token
        return decode_cookie_token(token, cookie_model.cookie_key) if isinstance(token, str) else False

    controller = auth.authentication_controller
    library_login = controller.login

    def login(*args: object, token: Claims | None = None, **kwargs: object) -> object:
        if token is None:
            return library_login(*args, **kwargs)
        try:
            return library_login(*args, token=token, **kwargs)
        except LoginError as exc:  # a well-signed cookie of a user who is no longer active ("User not authorized")
            raw = st.context.cookies.get(cookie_model.cookie_name)
            reject_cookie(raw if isinstance(raw, str) else "", type(exc).__name__)
            return None

    auth.cookie_controller.set_cookie = set_cookie
    auth.cookie_controller.delete_cookie = delete_cookie
    cookie_model._token_decode = token_decode
    controller.login = login
    return auth


def reject_cookie(token: str, reason: str) -> None:
    """Remember ``token`` (by its SHA-256) as rejected in this session and schedule the cookie's deletion.

    Logs ``reason`` (an exception class name) only: never the token, nor the unverified username inside it.
    """
    logger.warning("sign-in cookie rejected (%s); it will be deleted", reason)
    st.session_state[StateKeys.REJECTED_COOKIE] = hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
    st.session_state[StateKeys.COOKIE_ACTION] = ("delete", None, None, COOKIE_ACTION_RUNS)


def decode_cookie_token(token: str, cookie_key: str) -> Claims | bool:
    """The claims of a sign-in cookie signed with ``cookie_key`` (HS256), or False when it cannot be trusted.

    streamlit-authenticator 0.4.2 (``CookieModel._token_decode``) catches only ``DecodeError`` and
    ``InvalidSignatureError``; any other PyJWT error (``alg: none`` gives ``InvalidAlgorithmError``) escaped from
    ``Authenticate.login`` before the form was drawn, leaving a blank page. Here every failure, including claims
    without a string ``username`` and a numeric ``exp_date`` (which the library then indexes), is a rejection
    (:func:`reject_cookie`, once per session) and the caller shows the sign-in form.
    """
    import jwt

    if st.session_state.get(StateKeys.REJECTED_COOKIE) == hashlib.sha256(token.encode("utf-8", "replace")).hexdigest():
        return False  # already rejected in this session (st.context.cookies keeps the request's value)
    try:
        claims = jwt.decode(token, cookie_key, algorithms=["HS256"])
        if not (isinstance(claims, dict) and isinstance(claims.get("username"), str)
                and isinstance(claims.get("exp_date"), int | float)):
            raise jwt.InvalidTokenError("claims lack a username or an expiry")
    except Exception as exc:  # any jwt.PyJWTError, and anything else a crafted token may trigger
        reject_cookie(token, type(exc).__name__)
        return False
    return claims


def render_cookie_action(auth: Authenticate) -> None:
    """Render the pending cookie set/delete component (hidden, zero height) and count the run."""
    pending = st.session_state.get(StateKeys.COOKIE_ACTION)
    if not pending:
        return
    action, token, expiry, runs_left = pending
    manager = auth.cookie_controller.cookie_model.cookie_manager
    name = auth.cookie_controller.cookie_model.cookie_name
    if action == "set":
        manager.set(name, token, key="nm_cookie_set", expires_at=datetime.fromtimestamp(expiry))
    else:
        manager.cookie_manager(method="delete", cookie=name, key="nm_cookie_delete", default=False)
    st.session_state[StateKeys.COOKIE_ACTION] = (action, token, expiry, runs_left - 1) if runs_left > 1 else None


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


def sign_out(services: Services, auth: Authenticate, reason: str = "user") -> None:
    """Audit the sign-out (reason "user" or "idle timeout"), end the session's sign-in and delete the cookie."""
    username = signed_in_username()
    if username:
        user = services.users.get_by_username(username)
        if user is not None:
            services.users.sign_out(user, reason)
    if st.session_state.get(StateKeys.AUTH_STATUS):
        auth.logout(location="unrendered")
    for key in (StateKeys.SIGNED_IN_AS, StateKeys.PASSWORD_CHECKED, StateKeys.SELECTED_PATIENT_ID,
                StateKeys.SELECTED_PATIENT_LABEL, StateKeys.LAST_ACTIVITY, StateKeys.PENDING_ASSESSMENT):
        st.session_state[key] = None
    st.session_state[StateKeys.RECENT_PATIENTS] = []


def enforce_idle_timeout(services: Services, auth: Authenticate) -> None:
    """Sign out a session idle for longer than ``session_timeout_minutes`` (checked at the start of each run)."""
    last = st.session_state.get(StateKeys.LAST_ACTIVITY)
    if signed_in_username() is None or last is None:
        return
    minutes = services.settings.session_timeout_minutes
    if time.time() - float(last) > minutes * 60:
        sign_out(services, auth, reason="idle timeout")
        st.session_state[StateKeys.SIGN_IN_NOTICE] = (
            f"You were signed out after {minutes} minutes without activity. Please sign in again.")


def accept_sign_in(services: Services, auth: Authenticate) -> User | None:
    """Once per sign-in: audit a cookie re-login (password sign-ins were audited by the service); return the user.

    Returns None (after signing out) when the account is missing or deactivated.
    """
    username = signed_in_username()
    if username is None:
        return None
    user = services.users.get_by_username(username)
    if user is None or not user.active:
        sign_out(services, auth, reason="account inactive")
        st.session_state[StateKeys.SIGN_IN_NOTICE] = "This account is not active. Ask an administrator."
        return None
    if st.session_state.get(StateKeys.SIGNED_IN_AS) != username:
        if st.session_state.get(StateKeys.PASSWORD_CHECKED) != username:
            services.users.record_sign_in(user, "cookie")
        st.session_state[StateKeys.SIGNED_IN_AS] = username
        st.session_state[StateKeys.PASSWORD_CHECKED] = None
        st.session_state[StateKeys.SIGN_IN_NOTICE] = None
    touch_activity()
    return user


def sign_in_pages(auth: Authenticate, known_pages: list[PageSpec]) -> list[StreamlitPage]:
    """The signed-out navigation: a default "Sign in" page and every known address, each drawing the sign-in form.

    Run by ``st.navigation(...).run()``, so the form's widget ids belong to the page the session is on. After a
    password sign-in the script reruns, and the same address resolves to the real page if the role may open it.
    """

    def sign_in_page() -> None:
        sign_in_form(auth)
        if signed_in_username() is not None:
            st.rerun()

    pages = [st.Page(sign_in_page, title="Sign in", icon=":material/login:", url_path="sign-in", default=True)]
    pages += [st.Page(sign_in_page, title=spec.title, url_path=spec.url_path, visibility="hidden")
              for spec in known_pages]
    return pages


def sign_in_form(auth: Authenticate) -> None:
    """The sign-in card: product name, the form, and the reason for the last refusal or sign-out."""
    _, middle, _ = st.columns([1, 1.3, 1])
    with middle:
        st.markdown("## :material/psychology: Novamind")
        st.caption("Clinician dashboard for measurement-based psychiatric care.")
        notice = st.session_state.get(StateKeys.SIGN_IN_NOTICE)
        if notice:
            st.info(notice, icon=":material/schedule:")
        try:
            auth.login(location="main", key="nm_sign_in",
                       fields={"Form name": "Sign in", "Username": "Username", "Password": "Password",
                               "Login": "Sign in"})
        except Exception as exc:  # the authenticator raises LoginError for e.g. an unknown cookie user
            st.session_state[StateKeys.SIGN_IN_ERROR] = str(exc) or "sign-in failed"
        if st.session_state.get(StateKeys.AUTH_STATUS) is False:
            message = st.session_state.get(StateKeys.SIGN_IN_ERROR) or "wrong username or password"
            st.error(message[0].upper() + message[1:] + ".", icon=":material/lock:")
