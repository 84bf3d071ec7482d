"""Single sign-on service over a real database: match by (issuer, subject), provision, role mapping, replay, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from novamind_core.domain.errors import AuthenticationError
from novamind_core.domain.users import Role
from novamind_core.services.base import SYSTEM_USER
from tests.conftest import make_settings

ISSUER = "http://127.0.0.1:8801"


@pytest.fixture
def sso_services(db_url, clock):  # type: ignore[no-untyped-def]
    from novamind_core.bootstrap import build_services

    settings = make_settings(db_url, sso_role_map={"nm-admins": "admin", "nm-clinicians": "clinician"})
    built = build_services(settings, clock=clock, bcrypt_rounds=4)
    yield built
    built.close()


def claims(clock, nonce: str = "n1", **extra: object) -> dict[str, object]:  # type: ignore[no-untyped-def]
    base: dict[str, object] = {"iss": ISSUER, "sub": "abc-123", "iat": int(clock().timestamp()), "nonce": nonce,
                               "preferred_username": "jane.doe", "name": "Jane Doe", "groups": ["nm-clinicians"]}
    base.update(extra)
    return base


def _rows(services):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from novamind_core.db.models import AuditRow

    with services.engine.connect() as conn:
        return list(conn.execute(select(AuditRow.username, AuditRow.action, AuditRow.outcome, AuditRow.detail)
                                 .order_by(AuditRow.id)))


def test_a_new_person_with_a_mapped_group_is_created_with_that_role_and_signed_in(sso_services, clock) -> None:
    user = sso_services.single_sign_on.sign_in(claims(clock))
    assert (user.username, user.display_name, user.role, user.active) == ("jane.doe", "Jane Doe", Role.CLINICIAN,
                                                                          True)
    username, action, outcome, detail = _rows(sso_services)[-1]
    assert (username, action, outcome) == ("jane.doe", "auth.sign_in", "success")
    assert f"sso issuer={ISSUER}" in detail and "created user" in detail


def test_the_same_person_signs_in_again_to_the_same_account(sso_services, clock) -> None:
    first = sso_services.single_sign_on.sign_in(claims(clock))
    clock.advance(minutes=1)
    again = sso_services.single_sign_on.sign_in(claims(clock, nonce="n2", preferred_username="renamed"))
    assert again.id == first.id and again.username == "jane.doe"


def test_a_used_sign_in_assertion_cannot_sign_in_again(sso_services, clock) -> None:
    used = claims(clock)
    sso_services.single_sign_on.sign_in(used)
    with pytest.raises(AuthenticationError, match="already been used"):
        sso_services.single_sign_on.sign_in(used)
    _, action, outcome, detail = _rows(sso_services)[-1]
    assert (action, outcome) == ("auth.sign_in_failed", "denied") and "already used" in detail


def test_an_organisation_account_never_takes_over_a_local_account_of_the_same_name(sso_services, clock) -> None:
    local = sso_services.users.create(SYSTEM_USER, "jane.doe", "Local Jane", "admin", "a-long-passphrase-123")
    user = sso_services.single_sign_on.sign_in(claims(clock))
    assert user.id != local.id and user.username == "jane.doe-2" and user.role is Role.CLINICIAN


def test_an_unmapped_new_person_gets_no_access_until_an_admin_assigns_a_role(sso_services, clock) -> None:
    with pytest.raises(AuthenticationError, match="administrator has not given it a role"):
        sso_services.single_sign_on.sign_in(claims(clock, groups=["staff"]))
    created = sso_services.users.get_by_username("jane.doe")
    assert created is not None and not created.active
    _, action, outcome, detail = _rows(sso_services)[-1]
    assert (action, outcome) == ("auth.sign_in_failed", "denied") and "awaiting a role" in detail
    admin = sso_services.users.create(SYSTEM_USER, "ad.min", "Ad Min", "admin", "a-long-passphrase-123")
    admin_user = sso_services.users.get_by_username(admin.username)
    sso_services.users.set_role(admin_user, created.id, "clinician")
    sso_services.users.reactivate(admin_user, created.id)
    clock.advance(seconds=30)
    user = sso_services.single_sign_on.sign_in(claims(clock, nonce="n2", groups=["staff"]))
    assert user.id == created.id and user.role is Role.CLINICIAN and user.active


def test_a_changed_group_changes_the_role_at_the_next_sign_in(sso_services, clock) -> None:
    first = sso_services.single_sign_on.sign_in(claims(clock))
    clock.advance(minutes=1)
    promoted = sso_services.single_sign_on.sign_in(claims(clock, nonce="n2", groups=["nm-admins"]))
    assert promoted.id == first.id and promoted.role is Role.ADMIN
    assert "role clinician->admin from claims" in _rows(sso_services)[-1][3]


def test_a_deactivated_account_cannot_sign_in_by_single_sign_on(sso_services, clock) -> None:
    user = sso_services.single_sign_on.sign_in(claims(clock))
    admin = sso_services.users.create(SYSTEM_USER, "ad.min", "Ad Min", "admin", "a-long-passphrase-123")
    sso_services.users.deactivate(sso_services.users.get_by_username(admin.username), user.id)
    clock.advance(minutes=1)
    with pytest.raises(AuthenticationError, match="deactivated"):
        sso_services.single_sign_on.sign_in(claims(clock, nonce="n2"))


def test_an_expired_assertion_is_refused_and_audited_without_a_user(sso_services, clock) -> None:
    stale = claims(clock, iat=int((clock() - timedelta(hours=1)).timestamp()))
    with pytest.raises(AuthenticationError, match="expired"):
        sso_services.single_sign_on.sign_in(stale)
    username, action, outcome, _ = _rows(sso_services)[-1]
    assert (username, action, outcome) == ("(single sign-on)", "auth.sign_in_failed", "failure")
    assert sso_services.users.get_by_username("jane.doe") is None
