"""TOTP second factor for local accounts: enrolment shown once, the code required at sign-in, replay refused,
recovery codes work once, the secret encrypted at rest, and admins required to enrol in production."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from novamind_core.domain.errors import AuthenticationError
from novamind_core.security import totp
from novamind_core.services.users import SIGN_IN_REFUSED, SecondFactorRequired
from tests.conftest import TEST_PASSWORD


def _enrolled(services, user, clock):  # type: ignore[no-untyped-def]
    enrolment = services.users.start_totp_enrolment(user)
    services.users.confirm_totp_enrolment(user, totp.code_at(enrolment.secret, clock.now.timestamp()))
    clock.advance(seconds=totp.STEP_S)
    return enrolment


def _challenge(services, username):  # type: ignore[no-untyped-def]
    with pytest.raises(SecondFactorRequired) as raised:
        services.users.authenticate(username, TEST_PASSWORD, client_address="10.0.0.9")
    return raised.value


def test_an_enrolled_account_needs_the_current_code_after_the_password(services, clinician, clock):
    enrolment = _enrolled(services, clinician, clock)
    pending = _challenge(services, clinician.username)
    assert not pending.enrol
    with pytest.raises(AuthenticationError, match="wrong username or password"):
        services.users.verify_second_factor(pending.challenge, "000000")
    code = totp.code_at(enrolment.secret, clock.now.timestamp())
    assert services.users.verify_second_factor(pending.challenge, code).id == clinician.id
    again = _challenge(services, clinician.username)
    with pytest.raises(AuthenticationError):  # the same code a second time (replay)
        services.users.verify_second_factor(again.challenge, code)


def test_a_recovery_code_works_once(services, clinician, clock):
    enrolment = _enrolled(services, clinician, clock)
    pending = _challenge(services, clinician.username)
    assert services.users.verify_second_factor(pending.challenge, enrolment.recovery_codes[0].upper()).id == \
        clinician.id
    pending = _challenge(services, clinician.username)
    with pytest.raises(AuthenticationError, match="wrong username"):
        services.users.verify_second_factor(pending.challenge, enrolment.recovery_codes[0])


def test_a_forged_or_stale_challenge_signs_nobody_in(services, clinician, clock):
    enrolment = _enrolled(services, clinician, clock)
    pending = _challenge(services, clinician.username)
    uid, expiry, mac = pending.challenge.split(".")
    code = totp.code_at(enrolment.secret, clock.now.timestamp())
    with pytest.raises(AuthenticationError):
        services.users.verify_second_factor(f"{uid}.{int(expiry) + 9999}.{mac}", code)
    clock.advance(minutes=6)
    with pytest.raises(AuthenticationError, match="took too long"):
        services.users.verify_second_factor(pending.challenge, totp.code_at(enrolment.secret,
                                                                            clock.now.timestamp()))


def test_the_secret_is_encrypted_and_recovery_codes_are_only_hashed_at_rest(services, clinician, clock):
    enrolment = _enrolled(services, clinician, clock)
    with services.engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM user_second_factors")) for v in row)
    assert enrolment.secret not in dump
    assert not any(code in dump or code.replace("-", "") in dump for code in enrolment.recovery_codes)


def test_wrong_codes_back_off_like_wrong_passwords(services, clinician, clock):
    _enrolled(services, clinician, clock)
    pending = _challenge(services, clinician.username)
    answers = set()
    for _ in range(services.settings.login_max_attempts + 1):
        try:
            services.users.verify_second_factor(pending.challenge, "123456", client_address="10.0.0.9")
        except AuthenticationError as exc:
            answers.add(str(exc))
    assert answers == {SIGN_IN_REFUSED}


def test_admins_must_enrol_in_production_and_the_first_code_completes_the_sign_in(services, admin, clock):
    services.settings.totp_required_for_admins = True
    pending = _challenge(services, admin.username)
    assert pending.enrol
    enrolment = services.users.start_totp_enrolment(pending.challenge)
    user = services.users.verify_second_factor(pending.challenge, totp.code_at(enrolment.secret,
                                                                              clock.now.timestamp()))
    assert user.id == admin.id and services.users.second_factor_enabled(admin)


def test_an_admin_reset_removes_the_factor_and_ends_the_accounts_sessions(services, clinician, admin, clock):
    _enrolled(services, clinician, clock)
    grant = services.sessions.create_session(clinician, "web")
    services.users.reset_second_factor(admin, clinician.id)
    assert not services.users.second_factor_enabled(clinician)
    assert services.sessions.validate(grant.session_id) is None
    assert services.users.authenticate(clinician.username, TEST_PASSWORD).id == clinician.id
