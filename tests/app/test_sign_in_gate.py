"""The sign-in gate's session logic in a real script run: idle timeout and sign-out are audited and end the session.

(The login form and cookie re-login run in the browser tests; AppTest does not run custom components.)
"""

from __future__ import annotations


def gate_script() -> None:
    import streamlit as st

    from components.auth import build_authenticator, enforce_idle_timeout, sign_out
    from components.session import StateKeys, _environment_fingerprint, get_services, init_session_state

    init_session_state()
    services = get_services()
    auth = build_authenticator(services, _environment_fingerprint())
    enforce_idle_timeout(services, auth)
    if st.session_state.get("do_sign_out"):
        sign_out(services, auth)
    st.write(f"status={st.session_state.get(StateKeys.AUTH_STATUS)}")
    st.write(f"notice={st.session_state.get(StateKeys.SIGN_IN_NOTICE)}")


def gate(username: str, **state):  # type: ignore[no-untyped-def]
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(gate_script, default_timeout=30)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["name"] = username
    at.session_state["roles"] = ["clinician"]
    at.session_state["logout"] = None
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def sign_outs(services, user_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    from novamind_core.services.base import SYSTEM_USER

    return [e.detail for e in services.audit.query(SYSTEM_USER, action="auth.sign_out", user_id=user_id)]


def test_an_idle_session_is_signed_out_audited_and_told_why(seeded):
    import time

    services, cohort = seeded
    minutes = services.settings.session_timeout_minutes
    at = gate("demo.clinician", nm_last_activity=time.time() - minutes * 60 - 5)
    assert not at.exception
    assert "status=None" in at.markdown[0].value
    assert f"signed out after {minutes} minutes without activity" in at.markdown[1].value
    assert "idle timeout" in sign_outs(services, cohort.clinician_id)
    assert at.session_state["nm_cookie_action"][0] == "delete"


def test_an_active_session_stays_signed_in(seeded):
    import time

    at = gate("demo.clinician", nm_last_activity=time.time() - 60)
    assert "status=True" in at.markdown[0].value


def test_signing_out_is_audited_and_deletes_the_cookie(seeded):
    services, cohort = seeded
    before = sign_outs(services, cohort.other_clinician_id).count("user")
    at = gate("demo.clinician2", do_sign_out=True)
    assert "status=None" in at.markdown[0].value
    assert sign_outs(services, cohort.other_clinician_id).count("user") == before + 1
    assert at.session_state["nm_cookie_action"][0] == "delete"


def login_script() -> None:
    import streamlit as st

    from components.auth import build_authenticator
    from components.session import StateKeys, _environment_fingerprint, get_services, init_session_state

    init_session_state()
    services = get_services()
    auth = build_authenticator(services, _environment_fingerprint())
    for password in st.session_state["attempts"]:
        auth.authentication_controller.login(st.session_state["who"], password)
    st.write(f"status={st.session_state.get(StateKeys.AUTH_STATUS)}")
    st.write(f"error={st.session_state.get(StateKeys.SIGN_IN_ERROR)}")


def attempt(who: str, *passwords: str):  # type: ignore[no-untyped-def]
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(login_script, default_timeout=30)
    at.session_state["who"] = who
    at.session_state["attempts"] = list(passwords)
    return at.run()


def test_the_password_is_checked_by_the_users_service(seeded):
    from novamind_core.security.passwords import DEMO_CREDENTIALS

    at = attempt("demo.analyst", DEMO_CREDENTIALS["demo.analyst"])
    assert "status=True" in at.markdown[0].value
    assert at.session_state["nm_password_checked"] == "demo.analyst"


def test_repeated_wrong_passwords_lock_the_account_in_the_service(seeded):
    services, cohort = seeded
    limit = services.settings.login_max_attempts
    at = attempt("demo.admin", *["wrong-password-123"] * limit)
    assert "status=False" in at.markdown[0].value
    assert "locked" in at.markdown[1].value
    from novamind_core.security.passwords import DEMO_CREDENTIALS

    again = attempt("demo.admin", DEMO_CREDENTIALS["demo.admin"])  # right password, but locked now
    assert "status=False" in again.markdown[0].value and "locked" in again.markdown[1].value
    from novamind_core.services.base import SYSTEM_USER

    assert services.audit.query(SYSTEM_USER, action="auth.locked", user_id=cohort.admin_id)
