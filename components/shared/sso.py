"""Single sign-on ("Sign in with your organisation"): Streamlit's ``st.login`` (OpenID Connect, Authlib) beside local
accounts.

How it fits together (docs/deployment.md, "Single sign-on"):

1. The provider is configured in ``.streamlit/secrets.toml`` ``[auth]`` (``redirect_uri`` ending in
   ``/oauth2callback``, ``cookie_secret``, ``client_id``, ``client_secret``, ``server_metadata_url``), either flat
   (one provider) or as ``[auth.<name>]``. Nothing is shown when it is absent.
2. :func:`render_single_sign_on_option` draws the button under the password form; it calls ``st.login``, which sends
   the browser to the organisation's sign-in page and back to Streamlit's ``/oauth2callback``, where Authlib checks
   the ID token (signature, audience, expiry, nonce) and Streamlit stores its claims in its identity cookie.
3. On the next run :func:`accept_single_sign_on` hands those claims to ``services.single_sign_on.sign_in``, which
   matches the person by (issuer, subject), maps the role, refuses a used assertion and audits the sign-in with the
   issuer; the gate's ``open_session(user, "sso")`` then opens the same server-side session as a password sign-in.

Streamlit's identity cookie is only a carrier: each assertion in it is accepted once, so after sign-out (or an
administrator's revoke) a copy of that cookie opens nothing; the person signs in with their organisation again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping

import streamlit as st

from components.shared.text import plain
from novamind_core.bootstrap import Services
from novamind_core.domain.errors import AuthenticationError
from novamind_core.domain.users import User

SSO_SEEN = "nm_sso_seen"
"""Session key: digest of the identity-cookie claims this session already handed to the service (accepted or not)."""
SSO_MESSAGE = "nm_sso_message"
"""Session key: why the last organisation sign-in was refused (shown under the button)."""
BUTTON_LABEL = "Sign in with your organisation"

OpenSession = Callable[[User, str], None]
"""The sign-in gate's ``open_session(user, channel)``: opens the server-side session for an authenticated user."""


def provider_name() -> str | None:
    """The ``st.login`` provider to use: None when ``[auth]`` is not configured, "" for the flat (default) form,
    else the first ``[auth.<name>]`` section that names a ``server_metadata_url``."""
    try:
        section = st.secrets.get("auth")
    except Exception:  # no secrets.toml at all (FileNotFoundError, StreamlitSecretNotFoundError)
        return None
    if not isinstance(section, Mapping) or not section.get("redirect_uri") or not section.get("cookie_secret"):
        return None
    if section.get("client_id") and section.get("server_metadata_url"):
        return ""
    for name, value in section.items():
        if isinstance(value, Mapping) and value.get("client_id") and value.get("server_metadata_url"):
            return str(name)
    return None


def render_single_sign_on_option() -> None:
    """Under the password form: the organisation sign-in button (only when configured) and its last refusal."""
    provider = provider_name()
    if provider is None:
        return
    st.caption("or")
    if st.button(BUTTON_LABEL, key="nm_sso_sign_in", icon=":material/domain:", width="stretch"):
        st.session_state[SSO_MESSAGE] = None
        st.login(provider) if provider else st.login()
    message = st.session_state.get(SSO_MESSAGE)
    if message:
        st.warning(plain(message), icon=":material/badge:")


def _identity_claims() -> dict[str, object] | None:
    """The claims in Streamlit's identity cookie, or None when nobody is signed in with the provider."""
    try:
        if not st.user.is_logged_in:
            return None
        return {k: v for k, v in st.user.to_dict().items() if k not in {"is_logged_in", "tokens"}}
    except Exception:  # st.user unavailable (no auth configured, AppTest without a browser context)
        return None


def _digest(claims: Mapping[str, object]) -> str:
    parts = (str(claims.get("iss")), str(claims.get("sub")), str(claims.get("iat")), str(claims.get("nonce")))
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


def accept_single_sign_on(services: Services, open_session: OpenSession) -> User | None:
    """While signed out: turn a fresh organisation sign-in into a Novamind session; None when there is none.

    Each identity-cookie assertion is handed to the service at most once per browser session (accepted, or refused
    with the reason kept for :func:`render_single_sign_on_option`). A replayed assertion (the cookie left after
    sign-out) is refused by the service and shows nothing: the person just sees the sign-in form.
    """
    claims = _identity_claims()
    if claims is None:
        return None
    digest = _digest(claims)
    if st.session_state.get(SSO_SEEN) == digest:
        return None
    st.session_state[SSO_SEEN] = digest
    try:
        user = services.single_sign_on.sign_in(claims)
    except AuthenticationError as exc:
        text = str(exc)
        st.session_state[SSO_MESSAGE] = None if "already been used" in text else text[:1].upper() + text[1:] + "."
        return None
    st.session_state[SSO_MESSAGE] = None
    open_session(user, "sso")
    return user

