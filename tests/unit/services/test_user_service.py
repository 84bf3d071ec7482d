"""Users service on the in-memory unit of work: sign-in with lockout, deactivation, role changes. No database."""

from __future__ import annotations

import pytest

from novamind_core.domain.errors import AuthenticationError, PermissionDenied, ValidationError
from novamind_core.domain.users import Role, User
from novamind_core.security.audit import AuditAction, AuditOutcome
from novamind_core.security.passwords import hash_password
from novamind_core.services.users import UserService
from tests.fakes import MutableClock
from tests.fakes.uow import FakeStore, fake_context

PASSWORD = "correct-horse-battery-42"
ADMIN = User(1, "admin.a", "Admin A", Role.ADMIN)
CLINICIAN = User(7, "dr.a", "Dr A", Role.CLINICIAN)


@pytest.fixture
def clock() -> MutableClock:
    from datetime import UTC, datetime

    return MutableClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def store() -> FakeStore:
    store = FakeStore()
    users = store.repositories["users"]
    for user in (ADMIN, CLINICIAN):
        users.put(user, hash_password(PASSWORD, rounds=4))
    return store


def service(store: FakeStore, clock: MutableClock) -> UserService:
    return UserService(fake_context(store, clock=clock, login_max_attempts=3, lockout_minutes=15))


def outcomes(store: FakeStore) -> list[tuple[str, str]]:
    return [(r.action, r.outcome) for r in store.repositories["audit"].records]


def test_a_correct_password_signs_in_clears_the_failure_count_and_is_audited(store, clock):
    users = service(store, clock)
    with pytest.raises(AuthenticationError):
        users.authenticate("dr.a", "wrong-password-000")
    assert users.authenticate("DR.A ", PASSWORD) == CLINICIAN
    stored = store.repositories["users"].stored(CLINICIAN.id)
    assert stored.failed_attempts == 0 and stored.last_sign_in_at == clock.now
    assert outcomes(store)[-1] == (AuditAction.AUTH_SIGN_IN, AuditOutcome.SUCCESS)


def test_failed_sign_ins_are_counted_and_the_third_backs_off_even_against_the_right_password(store, clock):
    users = service(store, clock)
    for expected in (1, 2):
        with pytest.raises(AuthenticationError, match="wrong username or password"):
            users.authenticate("dr.a", "wrong-password-000")
        assert store.repositories["users"].stored(CLINICIAN.id).failed_attempts == expected
    with pytest.raises(AuthenticationError, match="wrong username or password"):
        users.authenticate("dr.a", "wrong-password-000")
    with pytest.raises(AuthenticationError, match="wrong username or password"):  # the same answer while backing off
        users.authenticate("dr.a", PASSWORD)
    assert outcomes(store) == [(AuditAction.AUTH_SIGN_IN_FAILED, AuditOutcome.FAILURE)] * 3 + [
        (AuditAction.AUTH_LOCKED, AuditOutcome.FAILURE), (AuditAction.AUTH_SIGN_IN_FAILED, AuditOutcome.DENIED)]
    assert store.repositories["audit"].records[1].detail == "wrong password (2)"


def test_the_back_off_ends_and_the_right_password_then_works(store, clock):
    users = service(store, clock)
    for _ in range(3):
        with pytest.raises(AuthenticationError):
            users.authenticate("dr.a", "wrong-password-000")
    clock.advance(seconds=31)
    assert users.authenticate("dr.a", PASSWORD) == CLINICIAN


def test_a_deactivated_account_cannot_sign_in_even_with_the_right_password(store, clock):
    users = service(store, clock)
    users.deactivate(ADMIN, CLINICIAN.id)
    with pytest.raises(AuthenticationError, match="wrong username or password"):  # no hint that the name exists
        users.authenticate("dr.a", PASSWORD)
    assert outcomes(store)[-1] == (AuditAction.AUTH_SIGN_IN_FAILED, AuditOutcome.FAILURE)
    assert "dr.a" not in {c.username for c in users.login_credentials()}


def test_an_unknown_username_fails_like_a_wrong_password_and_is_audited_under_the_typed_name(store, clock):
    with pytest.raises(AuthenticationError, match="wrong username or password"):
        service(store, clock).authenticate("nobody", PASSWORD)
    [record] = store.repositories["audit"].records
    assert (record.username, record.user_id, record.detail) == ("nobody", None, "unknown username (1)")


def test_a_role_change_takes_effect_on_the_changed_users_next_call(store, clock):
    users = service(store, clock)
    users.create(ADMIN, "admin.b", "Admin B", "admin", PASSWORD)
    second = users.get_by_username("admin.b")
    assert second is not None and len(users.list(second)) == 3
    users.set_role(ADMIN, second.id, "clinician")
    with pytest.raises(PermissionDenied):
        users.list(second)  # the session still holds the old admin User; the stored role decides
    assert outcomes(store)[-1] == (AuditAction.USER_LIST, AuditOutcome.DENIED)


def test_an_admin_cannot_remove_their_own_admin_role_or_deactivate_themselves(store, clock):
    users = service(store, clock)
    with pytest.raises(ValidationError, match="own admin role"):
        users.set_role(ADMIN, ADMIN.id, "clinician")
    with pytest.raises(ValidationError, match="own account"):
        users.deactivate(ADMIN, ADMIN.id)
    assert store.repositories["users"].current(ADMIN.id) == ADMIN
    assert store.repositories["audit"].records == []


@pytest.mark.parametrize("call", [
    lambda s: s.list(CLINICIAN),
    lambda s: s.create(CLINICIAN, "dr.new", "Dr New", "clinician", PASSWORD),
    lambda s: s.set_role(CLINICIAN, ADMIN.id, "analyst"),
    lambda s: s.deactivate(CLINICIAN, ADMIN.id),
    lambda s: s.unlock(CLINICIAN, ADMIN.id),
    lambda s: s.reset_password(CLINICIAN, ADMIN.id, "another-long-pass-43"),
], ids=["list", "create", "set_role", "deactivate", "unlock", "reset_password"])
def test_account_administration_is_refused_to_a_clinician_and_the_refusal_is_audited(store, clock, call):
    with pytest.raises(PermissionDenied):
        call(service(store, clock))
    [(_, outcome)] = outcomes(store)
    assert outcome == AuditOutcome.DENIED
    assert store.repositories["users"].current(ADMIN.id) == ADMIN and len(store.repositories["users"].users) == 2


def test_a_password_reset_clears_a_lockout_and_the_new_password_works(store, clock):
    users = service(store, clock)
    for _ in range(3):
        with pytest.raises(AuthenticationError):
            users.authenticate("dr.a", "wrong-password-000")
    account = users.reset_password(ADMIN, CLINICIAN.id, "a-new-temporary-pass-44")
    assert account.locked_until is None and account.failed_attempts == 0
    assert users.authenticate("dr.a", "a-new-temporary-pass-44") == CLINICIAN


def test_changing_ones_own_password_needs_the_current_one(store, clock):
    users = service(store, clock)
    with pytest.raises(AuthenticationError, match="current password is wrong"):
        users.change_password(CLINICIAN, "not-the-password-1", "brand-new-password-45")
    users.change_password(CLINICIAN, PASSWORD, "brand-new-password-45")
    assert users.authenticate("dr.a", "brand-new-password-45") == CLINICIAN
