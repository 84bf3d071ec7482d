"""The "Sign in with your organisation" option (components/shared/sso.py) in a real script run (AppTest).

The full round trip through a provider runs in tests/e2e/test_single_sign_on_browser.py.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

BUTTON = "Sign in with your organisation"


def option_script() -> None:
    import streamlit as st

    from components.shared.sso import SSO_MESSAGE, provider_name, render_single_sign_on_option

    if st.session_state.get("planted_message"):
        st.session_state[SSO_MESSAGE] = st.session_state["planted_message"]
    render_single_sign_on_option()
    st.write(f"provider={provider_name()!r}")


def run(secrets: dict | None = None, **state: object) -> AppTest:  # type: ignore[type-arg]
    at = AppTest.from_function(option_script, default_timeout=30)
    for key, value in (secrets or {}).items():
        at.secrets[key] = value
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "x" * 32}
PROVIDER = {"client_id": "novamind", "client_secret": "s", "server_metadata_url": "https://idp.example/.well-known"}


def test_without_an_auth_section_no_organisation_option_is_shown():
    at = run()
    assert not at.exception
    assert not [b for b in at.button if b.label == BUTTON]
    assert "provider=None" in at.markdown[-1].value


def test_a_named_provider_section_shows_the_option():
    at = run({"auth": {**AUTH, "hospital": PROVIDER}})
    assert [b for b in at.button if b.label == BUTTON]
    assert "provider='hospital'" in at.markdown[-1].value


def test_a_flat_provider_section_uses_the_default_provider():
    at = run({"auth": {**AUTH, **PROVIDER}})
    assert "provider=''" in at.markdown[-1].value


def test_an_incomplete_auth_section_shows_nothing():
    at = run({"auth": {"hospital": PROVIDER}})  # no redirect_uri / cookie_secret: st.login would fail
    assert not [b for b in at.button if b.label == BUTTON]


def test_the_reason_for_a_refused_organisation_sign_in_is_shown_under_the_button():
    at = run({"auth": {**AUTH, "hospital": PROVIDER}},
             planted_message="Your organisation account is recognised, but has no role yet.")
    assert at.warning and at.warning[0].value.startswith("Your organisation account is recognised")
