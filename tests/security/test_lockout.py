"""Brute-force lockout: a guesser gets at most ``login_max_attempts`` password checks per lockout window.

Sequential guessing, guessing the right password during the lockout, the window ending, unknown usernames and
parallel guessing (every check counted even when attempts race) are each a test.
"""

from __future__ import annotations

import threading

import pytest

from novamind_core.domain.errors import AuthenticationError
from tests.conftest import TEST_PASSWORD


def _guess(services, username: str, password: str) -> str:  # type: ignore[no-untyped-def]
    try:
        services.users.authenticate(username, password)
        return "signed in"
    except AuthenticationError as exc:
        return str(exc)


def _password_checks(services) -> int:  # type: ignore[no-untyped-def]
    """Sign-in attempts whose password was actually compared (wrong password, or the one that locked)."""
    from sqlalchemy import text

    with services.engine.connect() as conn:
        return int(conn.execute(text(
            "SELECT count(*) FROM audit_log WHERE (action = 'auth.sign_in_failed' AND detail LIKE 'wrong password%') "
            "OR action = 'auth.locked' OR action = 'auth.sign_in'")).scalar_one())


def test_a_hundred_wrong_guesses_check_the_password_only_max_attempts_times(services, clinician):
    limit = services.settings.login_max_attempts
    outcomes = [_guess(services, clinician.username, f"guess-{i}") for i in range(100)]
    assert _password_checks(services) == limit
    assert "now locked" in outcomes[limit - 1]
    assert all("locked" in o for o in outcomes[limit:])


def test_the_right_password_is_refused_while_the_account_is_locked(services, clinician, clock):
    for i in range(services.settings.login_max_attempts):
        _guess(services, clinician.username, f"guess-{i}")
    assert "locked" in _guess(services, clinician.username, TEST_PASSWORD)
    clock.advance(minutes=services.settings.lockout_minutes - 1)
    assert "locked" in _guess(services, clinician.username, TEST_PASSWORD)
    clock.advance(minutes=1, seconds=1)
    assert _guess(services, clinician.username, TEST_PASSWORD) == "signed in"


def test_the_lockout_message_is_the_same_shape_for_unknown_and_known_usernames(services, clinician):
    unknown = {_guess(services, "no.such.user", f"g{i}") for i in range(10)}
    known_first = _guess(services, clinician.username, "wrong-guess")
    assert unknown == {known_first} == {"wrong username or password"}


@pytest.mark.slow
def test_parallel_guesses_still_get_at_most_max_attempts_password_checks(services, clinician):
    """Twenty simultaneous wrong guesses (a scripted attacker): each password check must be counted."""
    limit = services.settings.login_max_attempts
    barrier = threading.Barrier(20)
    outcomes: list[str] = []

    def attacker(i: int) -> None:
        barrier.wait()
        outcomes.append(_guess(services, clinician.username, f"parallel-{i}"))

    threads = [threading.Thread(target=attacker, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 20 and "signed in" not in outcomes
    assert _password_checks(services) <= limit, "racing attempts were not all counted (lost update)"


@pytest.mark.parametrize("typed", ["dr.one\x00", "\x00", "dr\x00one"])
def test_a_username_with_a_nul_byte_is_refused_like_any_wrong_sign_in(services, clinician, typed):
    """PostgreSQL text cannot hold NUL: a hostile sign-in form value must still be a plain refusal, audited."""
    assert _guess(services, typed, TEST_PASSWORD) == "wrong username or password"
    from novamind_core.services.base import SYSTEM_USER

    assert services.audit.query(SYSTEM_USER, action="auth.sign_in_failed")
