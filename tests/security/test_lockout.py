"""Sign-in guessing, enumeration and lockout abuse (issue 17, break 7), attacked as an intruder would.

* One answer, one cost: unknown username, wrong password, deactivated account and a backing-off account give the
  same message after the same password-hash work (the test counts bcrypt checks per code path; no timing asserts).
* Back-off instead of a hard lock: guesses from one address against one account slow down exponentially; the right
  password is refused while backing off and works after it; the attacker cannot keep the clinician out from another
  address, and the account as a whole is never held for more than 5 minutes.
* Throttling per client address (spraying many accounts) and in the database, so a second app process sees it.
* An administrator can lift a back-off; the clinician is told at their next sign-in how many attempts failed.
"""

from __future__ import annotations

import threading

import pytest

from novamind_core.domain.errors import AuthenticationError
from novamind_core.security import throttle
from novamind_core.services import users as users_module
from novamind_core.services import users_sign_in
from tests.conftest import TEST_PASSWORD

ATTACKER, CLINIC = "203.0.113.66", "10.1.2.3"


def _guess(services, username: str, password: str, address: str = ATTACKER) -> str:  # type: ignore[no-untyped-def]
    try:
        services.users.authenticate(username, password, client_address=address)
        return "signed in"
    except AuthenticationError as exc:
        return str(exc)


@pytest.fixture
def bcrypt_checks(monkeypatch):  # type: ignore[no-untyped-def]
    """Counts every password-hash comparison the users service makes."""
    calls: list[int] = []
    real = users_module.verify_password

    def counting(password, hashed):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(password, hashed)

    for module in (users_module, users_sign_in):  # account changes and the sign-in step each check passwords
        monkeypatch.setattr(module, "verify_password", counting)
    return calls


def test_unknown_wrong_deactivated_and_backing_off_give_one_answer_after_the_same_hash_work(
        services, clinician, other_clinician, admin, bcrypt_checks):
    services.users.deactivate(admin, other_clinician.id)
    for i in range(services.settings.login_max_attempts):  # dr.one now backs off from the attacker's address
        _guess(services, clinician.username, f"guess-{i}")
    answers, costs = {}, {}
    for case, (name, password) in {"unknown user": ("no.such.user", "whatever-pass-1"),
                                   "wrong password": ("ad.min", "wrong-pass-123"),
                                   "deactivated, right password": (other_clinician.username, TEST_PASSWORD),
                                   "backing off, right password": (clinician.username, TEST_PASSWORD)}.items():
        before = len(bcrypt_checks)
        answers[case] = _guess(services, name, password)
        costs[case] = len(bcrypt_checks) - before
    assert set(answers.values()) == {users_module.SIGN_IN_REFUSED}, answers
    assert set(costs.values()) == {1}, costs  # exactly one bcrypt check on every path


def test_guesses_from_one_address_back_off_exponentially_and_the_right_password_works_afterwards(
        services, clinician, clock):
    limit = services.settings.login_max_attempts
    for i in range(limit):
        assert _guess(services, clinician.username, f"guess-{i}") == users_module.SIGN_IN_REFUSED
    assert _guess(services, clinician.username, TEST_PASSWORD) == users_module.SIGN_IN_REFUSED  # backing off
    clock.advance(seconds=throttle.BASE_S + 1)
    assert _guess(services, clinician.username, "guess-again") == users_module.SIGN_IN_REFUSED  # 2nd back-off: 60 s
    clock.advance(seconds=throttle.BASE_S + 1)
    assert _guess(services, clinician.username, TEST_PASSWORD) == users_module.SIGN_IN_REFUSED  # still backing off
    clock.advance(seconds=throttle.BASE_S)
    assert _guess(services, clinician.username, TEST_PASSWORD) == "signed in"


def test_an_attacker_cannot_lock_the_clinician_out_from_another_address(services, clinician, clock):
    """Five guesses used to lock any clinician out for 15 minutes (break 7)."""
    for i in range(services.settings.login_max_attempts * 2):
        _guess(services, clinician.username, f"guess-{i}")
        clock.advance(seconds=1)
    assert _guess(services, clinician.username, TEST_PASSWORD, address=CLINIC) == "signed in"


def test_a_distributed_guesser_slows_the_account_but_never_holds_it_longer_than_the_cap(services, clinician, clock):
    limit = services.settings.login_max_attempts * throttle.ACCOUNT_FACTOR
    for i in range(limit + 10):  # every guess from a fresh address
        _guess(services, clinician.username, f"guess-{i}", address=f"198.51.100.{i % 250}")
        clock.advance(seconds=1)
    assert _guess(services, clinician.username, TEST_PASSWORD, address=CLINIC) == users_module.SIGN_IN_REFUSED
    clock.advance(seconds=throttle.ACCOUNT_CAP_S)
    assert _guess(services, clinician.username, TEST_PASSWORD, address=CLINIC) == "signed in"


def test_one_address_spraying_many_accounts_is_slowed_down(services, clinician, clock):
    limit = services.settings.login_max_attempts * throttle.ADDRESS_FACTOR
    for i in range(limit):
        _guess(services, f"user.{i:03d}", "spring-2026-pass")
    assert _guess(services, clinician.username, TEST_PASSWORD) == users_module.SIGN_IN_REFUSED
    assert _guess(services, clinician.username, TEST_PASSWORD, address=CLINIC) == "signed in"


def test_the_back_off_is_shared_by_every_app_process(services, settings, clock, clinician):
    """A second process (its own engine and services over the same database) sees the first one's counters."""
    from novamind_core.bootstrap import build_services

    second = build_services(settings, clock=clock, bcrypt_rounds=4)
    try:
        for i in range(services.settings.login_max_attempts):
            _guess(services if i % 2 else second, clinician.username, f"guess-{i}")
        assert _guess(second, clinician.username, TEST_PASSWORD) == users_module.SIGN_IN_REFUSED
    finally:
        second.close()


def test_an_admin_can_lift_a_back_off(services, clinician, admin):
    for i in range(services.settings.login_max_attempts * throttle.ACCOUNT_FACTOR):
        _guess(services, clinician.username, f"guess-{i}", address=f"198.51.100.{i % 250}")
    assert _guess(services, clinician.username, TEST_PASSWORD) == users_module.SIGN_IN_REFUSED
    services.users.unlock(admin, clinician.id)
    assert _guess(services, clinician.username, TEST_PASSWORD) == "signed in"


def test_the_clinician_is_told_about_failed_attempts_at_the_next_sign_in(services, clinician, clock):
    for i in range(3):
        _guess(services, clinician.username, f"guess-{i}")
    clock.advance(minutes=1)
    user = services.users.authenticate(clinician.username, TEST_PASSWORD, client_address=CLINIC)
    notice = services.users.take_sign_in_notice(user)
    assert notice is not None and notice.failed_attempts == 3
    assert services.users.take_sign_in_notice(user) is None  # told once


def test_every_refusal_is_audited_with_its_real_reason_for_the_administrator(services, clinician, admin):
    from novamind_core.services.base import SYSTEM_USER

    _guess(services, "no.such.user", "whatever-pass-1")
    _guess(services, clinician.username, "wrong-password-1")
    details = [e.detail for e in services.audit.query(SYSTEM_USER, action="auth.sign_in_failed")]
    assert any(d.startswith("unknown username") for d in details)
    assert any(d.startswith("wrong password") for d in details)


@pytest.mark.slow
def test_parallel_guesses_are_each_counted(services, clinician):
    """Twenty simultaneous wrong guesses (a scripted attacker) must each be counted: none is lost to a race."""
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
    from sqlalchemy import text

    with services.engine.connect() as conn:
        counted = conn.execute(text("SELECT max(failures) FROM sign_in_throttle WHERE key LIKE 'pair:%'")).scalar_one()
        checked = conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'auth.sign_in_failed' "
                                    "AND detail LIKE 'wrong password%'")).scalar_one()
    assert int(counted) == int(checked) >= services.settings.login_max_attempts  # no failure lost to a race


def test_two_clinicians_signing_in_from_one_clinic_address_do_not_wait_for_each_others_password_check(
        services, clinician, other_clinician, monkeypatch):  # type: ignore[no-untyped-def]
    """A clinic behind one public address: while one clinician's password is being checked, a colleague's sign-in
    from the same address completes (the check holds no row lock; on PostgreSQL it used to hold the address's)."""
    real = users_module.verify_password
    inside, release = threading.Event(), threading.Event()

    def held_for_first(password, hashed):  # type: ignore[no-untyped-def]
        if password == TEST_PASSWORD and not inside.is_set():
            inside.set()
            release.wait(30)  # bounded: the test releases it whatever happens
        return real(password, hashed)

    monkeypatch.setattr(users_sign_in, "verify_password", held_for_first)
    outcomes: dict[str, str] = {}
    first = threading.Thread(target=lambda: outcomes.setdefault("first", _guess(
        services, clinician.username, TEST_PASSWORD, CLINIC)))
    first.start()
    try:
        assert inside.wait(10), "the first sign-in never reached its password check"
        second = threading.Thread(target=lambda: outcomes.setdefault("second", _guess(
            services, other_clinician.username, TEST_PASSWORD, CLINIC)))
        second.start()
        second.join(10)
        assert not second.is_alive(), "the colleague's sign-in waited for the first clinician's password check"
        assert outcomes["second"] == "signed in"
    finally:
        release.set()
        first.join(30)
    assert outcomes["first"] == "signed in"


def test_a_guess_that_finishes_its_check_after_the_back_off_started_is_refused_even_when_right(
        services, clinician, monkeypatch):  # type: ignore[no-untyped-def]
    """Parallel guesses are checked side by side, but the answer is decided under the counters' locks: the right
    password, checked while other guesses started a back-off, is refused like any guess during a back-off."""
    real = users_module.verify_password
    inside, release = threading.Event(), threading.Event()

    def held_for_right(password, hashed):  # type: ignore[no-untyped-def]
        if password == TEST_PASSWORD:
            inside.set()
            release.wait(30)
        return real(password, hashed)

    monkeypatch.setattr(users_sign_in, "verify_password", held_for_right)
    outcomes: list[str] = []
    right = threading.Thread(target=lambda: outcomes.append(_guess(services, clinician.username, TEST_PASSWORD)))
    right.start()
    try:
        assert inside.wait(10)
        wrong = [_guess(services, clinician.username, f"wrong-{i}")
                 for i in range(services.settings.login_max_attempts + 1)]
    finally:
        release.set()
        right.join(30)
    assert wrong[-1] == users_module.SIGN_IN_REFUSED
    assert outcomes == [users_module.SIGN_IN_REFUSED]


@pytest.mark.parametrize("typed", ["dr.one\x00", "\x00", "dr\x00one"])
def test_a_username_with_a_nul_byte_is_refused_like_any_wrong_sign_in(services, clinician, typed):
    """PostgreSQL text cannot hold NUL: a hostile sign-in form value must still be a plain refusal, audited."""
    assert _guess(services, typed, TEST_PASSWORD) == users_module.SIGN_IN_REFUSED
    from novamind_core.services.base import SYSTEM_USER

    assert services.audit.query(SYSTEM_USER, action="auth.sign_in_failed")
