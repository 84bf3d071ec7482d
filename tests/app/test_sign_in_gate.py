"""The sign-in gate in a real script run (AppTest): the server-side session is checked on every run; idle, revoked
and signed-out sessions end with the reason shown; signed-in keys planted in the session state without a server
session are not trusted; the password form signs in through the users service with its one uniform refusal.

(The HttpOnly cookie, its hand-off and cookie re-login run in the browser tests: AppTest has no browser.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def gate_script() -> None:
    import streamlit as st

    from components.shared.auth import check_session, sign_out
    from components.shared.session import StateKeys, get_services, init_session_state

    init_session_state()
    services = get_services()
    user = check_session(services)
    if user is not None and st.session_state.get("do_sign_out"):
        sign_out(services)
        user = None
    st.write(f"user={user.username if user else None}")
    st.write(f"notice={st.session_state.get(StateKeys.SIGN_IN_NOTICE)}")


def gate(services, username: str | None, **state):  # type: ignore[no-untyped-def]
    """Run the gate once in a tab signed in as ``username`` (a fresh server-side session), with extra ``state``."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(gate_script, default_timeout=30)
    session_id = None
    if username is not None:
        session_id = services.sessions.create_session(services.users.get_by_username(username), "web").session_id
        at.session_state["nm_session_id"] = session_id
        at.session_state["authentication_status"] = True
        at.session_state["username"] = username
    for key, value in state.items():
        at.session_state[key] = value
    return at, session_id


def _expire_idle(services, session_id: int) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    with services.engine.begin() as conn:
        conn.execute(text("UPDATE user_sessions SET idle_expires_at = :t WHERE id = :i"),
                     {"t": datetime.now(UTC) - timedelta(seconds=1), "i": session_id})


def test_an_active_session_stays_signed_in(seeded):
    services, _ = seeded
    at, _ = gate(services, "demo.clinician")
    at.run()
    assert not at.exception and "user=demo.clinician" in at.markdown[0].value


def test_an_idle_session_is_signed_out_and_told_why(seeded):
    services, _ = seeded
    at, session_id = gate(services, "demo.clinician")
    _expire_idle(services, session_id)
    at.run()
    minutes = services.settings.session_timeout_minutes
    assert "user=None" in at.markdown[0].value
    assert f"signed out after {minutes} minutes without activity" in at.markdown[1].value
    assert at.session_state["nm_cookie_action"][0] == "clear"
    assert services.sessions.why_ended(session_id) == "idle timeout"


def test_a_session_revoked_elsewhere_ends_at_the_next_run(seeded):
    services, cohort = seeded
    at, session_id = gate(services, "demo.clinician2")
    at.run()
    assert "user=demo.clinician2" in at.markdown[0].value
    admin = services.users.get_by_username("demo.admin")
    services.sessions.revoke(admin, session_id)
    at.run()
    assert "user=None" in at.markdown[0].value and "revoked by an administrator" in at.markdown[1].value


def test_signing_out_revokes_the_session_in_the_database_and_clears_the_cookie(seeded):
    from novamind_core.services.base import SYSTEM_USER

    services, cohort = seeded
    at, session_id = gate(services, "demo.clinician2", do_sign_out=True)
    at.run()
    assert "user=None" in at.markdown[0].value
    assert at.session_state["nm_cookie_action"][0] == "clear"
    assert services.sessions.validate(session_id) is None
    outs = [e.detail for e in services.audit.query(SYSTEM_USER, action="auth.sign_out",
                                                    user_id=cohort.other_clinician_id)]
    assert any(d.startswith("sign out") for d in outs)


def test_signed_in_keys_planted_without_a_server_session_are_not_trusted(seeded):
    """Wave 1 trusted ``authentication_status`` + ``username`` in the session state; now only a live session counts."""
    services, _ = seeded
    at, _ = gate(services, None, authentication_status=True, nm_session_id=None)
    at.session_state["username"] = "demo.admin"
    at.run()
    assert "user=None" in at.markdown[0].value
    assert at.session_state["authentication_status"] is None


def login_script() -> None:
    import streamlit as st

    from components.shared.auth import sign_in_form
    from components.shared.session import StateKeys, get_services, init_session_state

    init_session_state()
    sign_in_form(get_services())
    st.write(f"session={st.session_state.get(StateKeys.SESSION_ID)}")


def _submit(username: str, password: str):  # type: ignore[no-untyped-def]
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(login_script, default_timeout=30).run()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    next(b for b in at.button if b.label == "Sign in").click()
    return at.run()


def test_the_password_form_opens_a_server_session_and_schedules_the_cookie(seeded):
    from novamind_core.security.passwords import DEMO_CREDENTIALS

    services, _ = seeded
    at = _submit("demo.analyst", DEMO_CREDENTIALS["demo.analyst"])
    assert not at.exception
    session_id = at.session_state["nm_session_id"]
    assert isinstance(session_id, int) and services.sessions.validate(session_id) is not None
    action, token, _runs = at.session_state["nm_cookie_action"]
    assert action == "set" and len(token) >= 43


def test_every_refusal_shows_the_same_message(seeded):
    services, _ = seeded
    shown = set()
    for username, password in (("no.such.user", "whatever-pass-1"), ("demo.clinician", "wrong-password-1")):
        at = _submit(username, password)
        assert "nm_session_id" not in at.session_state or at.session_state["nm_session_id"] is None
        shown.add(at.error[0].value)
    assert len(shown) == 1 and "wrong username or password" in shown.pop().lower()


def test_an_enrolled_account_is_asked_for_its_code_before_any_session_opens(seeded):
    import time

    from novamind_core.security import totp
    from novamind_core.security.passwords import DEMO_CREDENTIALS

    services, _ = seeded
    lead = services.users.get_by_username("demo.lead") or services.users.get_by_username("demo.clinician")
    enrolment = services.users.start_totp_enrolment(lead)
    services.users.confirm_totp_enrolment(lead, totp.code_at(enrolment.secret, time.time()))
    at = _submit(lead.username, DEMO_CREDENTIALS[lead.username])
    assert "nm_session_id" not in at.session_state or at.session_state["nm_session_id"] is None  # no session yet
    assert [t.label for t in at.text_input] == ["Authenticator code"], (
        [e.value for e in at.error], [m.value for m in at.markdown], at.exception)
    at.text_input[0].input(enrolment.recovery_codes[0])
    next(b for b in at.button if b.label == "Verify").click()
    at.run()
    assert not at.exception and isinstance(at.session_state["nm_session_id"], int)


def test_an_admin_without_a_second_factor_must_set_one_up_when_it_is_required(seeded, monkeypatch):
    import time

    from novamind_core.security import totp
    from novamind_core.security.passwords import DEMO_CREDENTIALS

    monkeypatch.setenv("NOVAMIND_TOTP_REQUIRED_FOR_ADMINS", "true")  # production's default
    at = _submit("demo.admin", DEMO_CREDENTIALS["demo.admin"])
    assert not at.exception
    assert "nm_session_id" not in at.session_state or at.session_state["nm_session_id"] is None
    assert any("Set up your authenticator app" in m.value for m in at.markdown)
    secret = at.session_state["nm_second_factor"][2][0]
    next(t for t in at.text_input if t.label == "Authenticator code").input(totp.code_at(secret, time.time()))
    next(b for b in at.button if b.label == "Verify").click()
    at.run()
    assert not at.exception and isinstance(at.session_state["nm_session_id"], int)
