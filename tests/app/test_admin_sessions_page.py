"""Admin page controls for sign-in sessions and back-off (AppTest, signed-in admin): end every session of an
account, end one listed session, and lift a sign-in back-off."""

from __future__ import annotations

import pytest

from tests.app.test_admin_page import open_section


def _session(services, username: str) -> int:  # type: ignore[no-untyped-def]
    return services.sessions.create_session(services.users.get_by_username(username), "web").session_id


def test_ending_all_sessions_of_an_account_signs_it_out_everywhere(seeded, app_as, page_text):
    services, _ = seeded
    first, second = _session(services, "demo.analyst"), _session(services, "demo.analyst")
    at = open_section(app_as, "Users")
    at.selectbox(key="nm_ad_user").set_value(services.users.get_by_username("demo.analyst").id).run()
    next(b for b in at.button if b.label == "End all sessions").click().run()
    assert not at.exception and "Ended 2 session(s)" in page_text(at)
    assert services.sessions.validate(first) is None and services.sessions.validate(second) is None


def test_one_listed_session_can_be_ended(seeded, app_as):
    services, _ = seeded
    target = _session(services, "demo.clinician3")
    at = open_section(app_as, "Users")
    at.toggle(key="nm_ad_show_sessions").set_value(True).run()
    assert target in set(at.dataframe[1].value["Session"])
    at.selectbox(key="nm_ad_session").set_value(target).run()
    next(b for b in at.button if b.label == "End this session").click().run()
    assert not at.exception and services.sessions.validate(target) is None


def test_unlock_lifts_a_sign_in_back_off(seeded, app_as):
    from novamind_core.domain.errors import AuthenticationError
    from novamind_core.security.passwords import DEMO_CREDENTIALS

    services, _ = seeded
    for i in range(services.settings.login_max_attempts):
        with pytest.raises(AuthenticationError):
            services.users.authenticate("demo.clinician3", f"wrong-guess-{i}", client_address="192.0.2.7")
    with pytest.raises(AuthenticationError):  # backing off: even the right password
        services.users.authenticate("demo.clinician3", DEMO_CREDENTIALS["demo.clinician3"], client_address="192.0.2.7")
    at = open_section(app_as, "Users")
    at.selectbox(key="nm_ad_user").set_value(services.users.get_by_username("demo.clinician3").id).run()
    next(b for b in at.button if b.label == "Unlock").click().run()
    assert services.users.authenticate("demo.clinician3", DEMO_CREDENTIALS["demo.clinician3"],
                                       client_address="192.0.2.7").username == "demo.clinician3"
