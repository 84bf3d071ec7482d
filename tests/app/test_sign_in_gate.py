"""The sign-in gate's session logic in a real script run: idle timeout and sign-out are audited and end the session.

(The login form and cookie re-login run in the browser tests; AppTest does not run custom components.)
"""

from __future__ import annotations


def gate_script() -> None:
    import streamlit as st

    from components.shared.auth import build_authenticator, enforce_idle_timeout, sign_out
    from components.shared.session import StateKeys, _environment_fingerprint, get_services, init_session_state

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

    from components.shared.auth import build_authenticator
    from components.shared.session import StateKeys, _environment_fingerprint, get_services, init_session_state

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


def cookie_script() -> None:
    import streamlit as st

    from components.shared.auth import build_authenticator
    from components.shared.session import StateKeys, _environment_fingerprint, get_services, init_session_state

    init_session_state()
    auth = build_authenticator(get_services(), _environment_fingerprint())
    model = auth.cookie_controller.cookie_model
    model.token = st.session_state["raw_token"]
    claims = model._token_decode()  # the decoder build_authenticator installs (the library's raises on alg: none)
    if claims:
        auth.authentication_controller.login(token=claims)  # the cookie re-login step of Authenticate.login
    st.write(f"claims={claims if claims is False else sorted(claims)}")
    st.write(f"status={st.session_state.get(StateKeys.AUTH_STATUS)}")


def cookie_run(services, token: str):  # type: ignore[no-untyped-def]
    """Run ``cookie_script`` with ``token`` as the sign-in cookie; also return how many audit rows it wrote."""
    from streamlit.testing.v1 import AppTest

    from novamind_core.services.base import SYSTEM_USER

    newest_before = services.audit.query(SYSTEM_USER, limit=1)[0].id  # this query then audits itself: +1
    at = AppTest.from_function(cookie_script, default_timeout=30)
    at.session_state["raw_token"] = token
    at.run()
    written = services.audit.query(SYSTEM_USER, limit=1)[0].id - (newest_before + 1)
    return at, written


def _b64(obj: dict) -> str:
    import base64
    import json

    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def _signed(services, username: str) -> str:  # type: ignore[no-untyped-def]
    import jwt

    return jwt.encode({"username": username, "exp_date": 4e9}, services.settings.cookie_key, algorithm="HS256")


def test_an_alg_none_sign_in_cookie_is_rejected_deleted_and_audits_nothing(seeded):
    services, _ = seeded
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64({'username': 'demo.clinician', 'exp_date': 4e9})}."
    at, written = cookie_run(services, token)
    assert not at.exception
    assert "claims=False" in at.markdown[0].value and "status=None" in at.markdown[1].value
    assert at.session_state["nm_cookie_action"][0] == "delete"
    assert written == 0


def test_a_sign_in_cookie_with_a_wrong_signature_is_rejected_and_deleted(seeded):
    services, _ = seeded
    header, payload, _signature = _signed(services, "demo.clinician").split(".")
    at, _ = cookie_run(services, f"{header}.{payload}.{'A' * 43}")
    assert not at.exception and "claims=False" in at.markdown[0].value
    assert at.session_state["nm_cookie_action"][0] == "delete"


def test_a_well_signed_sign_in_cookie_signs_in_and_is_kept(seeded):
    services, _ = seeded
    at, _ = cookie_run(services, _signed(services, "demo.clinician"))
    assert not at.exception
    assert "claims=['exp_date', 'username']" in at.markdown[0].value and "status=True" in at.markdown[1].value
    assert "nm_cookie_action" not in at.session_state or not at.session_state["nm_cookie_action"]


def test_a_well_signed_cookie_of_a_user_who_is_not_active_is_deleted_instead_of_raising(seeded):
    services, _ = seeded
    at, written = cookie_run(services, _signed(services, "no.longer.here"))
    assert not at.exception  # the library raises LoginError("User not authorized") before drawing the form
    assert "status=None" in at.markdown[1].value
    assert at.session_state["nm_cookie_action"][0] == "delete"
    assert written == 0
