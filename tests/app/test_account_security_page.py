"""Preferences, "Sign-in and security" (AppTest): a clinician turns on the authenticator-app second factor (the key
and recovery codes are shown once) and changes their password, which signs out their other sessions."""

from __future__ import annotations


def test_a_clinician_turns_on_the_second_factor_with_a_first_code(seeded, app_as, page_text):
    import time

    from novamind_core.security import totp

    services, _ = seeded
    at = app_as("preferences", "demo.analyst")
    at.run()
    next(b for b in at.button if b.label == "Set up an authenticator app").click().run()
    assert not at.exception
    secret = at.session_state["nm_totp_enrolment"][0]
    assert at.get("image"), "the QR code of the key is drawn"
    code_box = next(t for t in at.text_input if t.label == "Code from the app")
    code_box.input(totp.code_at(secret, time.time()))
    next(b for b in at.button if b.label == "Turn on").click().run()
    assert not at.exception
    assert services.users.second_factor_enabled(services.users.get_by_username("demo.analyst"))
    assert "On: you sign in with your password and a code" in page_text(at)


def test_changing_the_password_signs_out_the_other_sessions(seeded, app_as, page_text):
    from novamind_core.security.passwords import DEMO_CREDENTIALS

    services, _ = seeded
    me = services.users.get_by_username("demo.clinician3")
    other = services.sessions.create_session(me, "web").session_id
    this_tab = services.sessions.create_session(me, "web").session_id
    at = app_as("preferences", "demo.clinician3")
    at.session_state["nm_session_id"] = this_tab
    at.run()
    new = "a-fresh-passphrase-for-3"
    for label, value in (("Current password", DEMO_CREDENTIALS["demo.clinician3"]), ("New password", new),
                         ("New password again", new)):
        next(t for t in at.text_input if t.label == label).input(value)
    next(b for b in at.button if b.label == "Change password").click().run()
    assert not at.exception and "Every other session of your account has been signed out" in page_text(at)
    assert services.sessions.validate(other) is None and services.sessions.validate(this_tab) is not None
