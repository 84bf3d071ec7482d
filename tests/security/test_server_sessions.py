"""Server-side sessions (issue 17, break 1), attacked as an intruder would at the service level: a cookie copied
before sign-out, after an idle timeout, after a password change, a deactivation or an administrator's revoke opens
nothing; the database holds only hashes; a hand-off token works once. (The browser versions are in
``tests/e2e/test_session_cookie_browser.py``.) SQLite always; PostgreSQL too with NOVAMIND_TEST_DATABASE_URL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from novamind_core.domain.errors import PermissionDenied
from tests.conftest import TEST_PASSWORD


def _signed_in_cookie(services, user):  # type: ignore[no-untyped-def]
    """What a browser holds after signing in: (session id kept server-side, the HttpOnly cookie's secret)."""
    grant = services.sessions.create_session(user, "web")
    secret = services.sessions.redeem_handoff(grant.handoff_token)
    assert secret is not None
    return grant.session_id, secret


def test_a_cookie_resumes_its_live_session_and_the_database_holds_only_hashes(services, clinician):
    session_id, secret = _signed_in_cookie(services, clinician)
    resumed = services.sessions.resume(secret)
    assert resumed is not None and resumed.session_id == session_id and resumed.user.id == clinician.id
    with services.engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM user_sessions")) for v in row)
    assert secret not in dump and len(secret) >= 43  # 256 bits, url-safe


def test_a_cookie_copied_before_sign_out_opens_nothing_afterwards(services, clinician):
    session_id, secret = _signed_in_cookie(services, clinician)
    stolen = secret  # the intruder copied it from the clinician's browser
    services.sessions.end_session(session_id, "sign out")
    assert services.sessions.resume(stolen) is None
    assert services.sessions.validate(session_id) is None
    assert services.sessions.why_ended(session_id) == "sign out"


def test_an_idle_session_is_dead_after_the_timeout_even_if_the_tab_comes_back(services, clinician, clock):
    session_id, secret = _signed_in_cookie(services, clinician)
    minutes = services.settings.session_timeout_minutes
    clock.advance(minutes=minutes - 1)
    assert services.sessions.validate(session_id) is not None  # activity extends the idle expiry
    clock.advance(minutes=minutes - 1)
    assert services.sessions.resume(secret) is not None
    clock.advance(minutes=minutes, seconds=1)
    assert services.sessions.resume(secret) is None  # closing the tab and reopening after the timeout
    assert services.sessions.validate(session_id) is None
    assert services.sessions.why_ended(session_id) == "idle timeout"


def test_a_busy_session_still_ends_at_its_absolute_expiry(services, clinician, clock):
    session_id, _ = _signed_in_cookie(services, clinician)
    step = max(1, services.settings.session_timeout_minutes - 1)
    total = 0.0
    while total < services.settings.cookie_expiry_days * 24 * 60 - step:
        clock.advance(minutes=step)
        total += step
        assert services.sessions.validate(session_id) is not None
    clock.advance(minutes=step + 1)
    assert services.sessions.validate(session_id) is None
    assert services.sessions.why_ended(session_id) == "absolute expiry"


def test_changing_the_password_kills_every_other_session_of_the_account(services, clinician):
    stolen_id, stolen = _signed_in_cookie(services, clinician)
    mine_id, _ = _signed_in_cookie(services, clinician)
    services.users.change_password(clinician, TEST_PASSWORD, "a-brand-new-passphrase-77", keep_session_id=mine_id)
    assert services.sessions.resume(stolen) is None and services.sessions.validate(stolen_id) is None
    assert services.sessions.validate(mine_id) is not None


def test_an_admin_password_reset_or_deactivation_kills_the_accounts_sessions(services, clinician, admin):
    first_id, first = _signed_in_cookie(services, clinician)
    services.users.reset_password(admin, clinician.id, "temporary-passphrase-88")
    assert services.sessions.resume(first) is None
    second_id, second = _signed_in_cookie(services, clinician)
    services.users.deactivate(admin, clinician.id)
    assert services.sessions.resume(second) is None and services.sessions.validate(second_id) is None


def test_an_admin_can_revoke_one_session_or_all_and_others_cannot(services, clinician, other_clinician, admin):
    one_id, one = _signed_in_cookie(services, clinician)
    two_id, two = _signed_in_cookie(services, clinician)
    live = {s.id for s in services.sessions.list_live(admin)}
    assert {one_id, two_id} <= live
    with pytest.raises(PermissionDenied):
        services.sessions.revoke(other_clinician, one_id)
    services.sessions.revoke(admin, one_id)
    assert services.sessions.resume(one) is None and services.sessions.resume(two) is not None
    assert services.sessions.revoke_all(admin, clinician.id) == 1
    assert services.sessions.resume(two) is None


def test_a_hand_off_token_works_once_and_only_for_two_minutes(services, clinician, clock):
    grant = services.sessions.create_session(clinician, "web")
    assert services.sessions.redeem_handoff(grant.handoff_token) is not None
    assert services.sessions.redeem_handoff(grant.handoff_token) is None  # replayed
    late = services.sessions.create_session(clinician, "web")
    clock.advance(minutes=2, seconds=1)
    assert services.sessions.redeem_handoff(late.handoff_token) is None
    assert services.sessions.redeem_handoff("x" * 43) is None and services.sessions.redeem_handoff("") is None


def test_a_forged_or_garbage_cookie_resumes_nothing(services, clinician):
    _signed_in_cookie(services, clinician)
    for forged in ("", "a", "A" * 43, "../../etc", "x" * 500, "\x00" * 43):
        assert services.sessions.resume(forged) is None


def test_a_session_cannot_be_opened_for_a_deactivated_account(services, clinician, admin):
    from novamind_core.domain.errors import NotFoundError

    services.users.deactivate(admin, clinician.id)
    with pytest.raises(NotFoundError):
        services.sessions.create_session(clinician, "web")
