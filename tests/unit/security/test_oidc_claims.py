"""Claim mapping for OpenID Connect sign-in (novamind_core/security/oidc.py): pure, no provider needed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from novamind_core.domain.errors import AuthenticationError
from novamind_core.domain.users import Role
from novamind_core.security.oidc import (
    ClaimMapping,
    group_names,
    identity_from_claims,
    is_replay,
    mapped_role,
    username_candidate,
)

NOW = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)
MAPPING = ClaimMapping(role_map=(("nm-admins", Role.ADMIN), ("nm-clinicians", Role.CLINICIAN),
                                 ("nm-analysts", Role.ANALYST)))


def claims(**extra: object) -> dict[str, object]:
    base: dict[str, object] = {"iss": "http://127.0.0.1:8801", "sub": "person-17", "iat": int(NOW.timestamp()),
                               "nonce": "n-1", "preferred_username": "Jane.Doe", "name": "Jane  Doe",
                               "groups": ["staff", "nm-clinicians"]}
    base.update(extra)
    return base


def test_the_first_mapped_group_in_the_configured_order_gives_the_role() -> None:
    assert mapped_role(claims(groups=["nm-clinicians", "nm-admins"]), MAPPING) is Role.ADMIN
    assert mapped_role(claims(groups="staff NM-Analysts"), MAPPING) is Role.ANALYST


def test_no_mapped_group_means_no_role() -> None:
    assert mapped_role(claims(groups=["staff"]), MAPPING) is None
    assert mapped_role(claims(groups=None), MAPPING) is None
    assert mapped_role(claims(groups={"nm-admins": True}), MAPPING) is None


def test_group_claims_may_be_a_list_or_a_string_separated_by_spaces_or_commas() -> None:
    assert group_names("a, b c") == ("a", "b", "c")
    assert group_names(["a", 3, None]) == ("a", "3")


def test_a_username_is_derived_from_preferred_username_or_the_email_local_part() -> None:
    assert username_candidate({"preferred_username": "Jane Doe@EXAMPLE"}) == "jane.doe.example"
    assert username_candidate({"email": "j.smith@hospital.example"}) == "j.smith"
    assert username_candidate({}) == "sso"
    assert len(username_candidate({"preferred_username": "x" * 200})) == 60


def test_identity_carries_issuer_subject_role_and_display_name() -> None:
    identity = identity_from_claims(claims(), MAPPING, now=NOW)
    assert (identity.issuer, identity.subject, identity.username) == ("http://127.0.0.1:8801", "person-17",
                                                                      "jane.doe")
    assert identity.display_name == "Jane Doe"
    assert identity.role is Role.CLINICIAN
    assert identity.assertion not in repr(identity)


@pytest.mark.parametrize("bad", [{"iss": ""}, {"sub": None}, {"iat": None}, {"iat": True}, {"sub": "s" * 300}])
def test_claims_without_a_usable_issuer_subject_or_issue_time_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(AuthenticationError):
        identity_from_claims(claims(**bad), MAPPING, now=NOW)


def test_an_assertion_older_than_the_allowed_age_is_refused() -> None:
    old = int((NOW - timedelta(seconds=MAPPING.max_age_s + 1)).timestamp())
    with pytest.raises(AuthenticationError, match="expired"):
        identity_from_claims(claims(iat=old), MAPPING, now=NOW)


def test_an_issuer_outside_the_allowed_list_is_refused() -> None:
    only = ClaimMapping(allowed_issuers=("https://login.hospital.example",))
    with pytest.raises(AuthenticationError, match="not accepted"):
        identity_from_claims(claims(), only, now=NOW)


def test_the_same_assertion_or_an_older_one_is_a_replay_but_a_new_one_is_not() -> None:
    first = identity_from_claims(claims(), MAPPING, now=NOW)
    assert not is_replay(first, None, None)
    assert is_replay(first, first.issued_at, first.assertion)
    same_second_new_nonce = identity_from_claims(claims(nonce="n-2"), MAPPING, now=NOW)
    assert not is_replay(same_second_new_nonce, first.issued_at, first.assertion)
    older = identity_from_claims(claims(iat=int(NOW.timestamp()) - 10), MAPPING, now=NOW)
    assert is_replay(older, first.issued_at, first.assertion)


def test_the_mapping_is_read_from_settings_in_order() -> None:
    class S:
        sso_role_claim = "roles"
        sso_role_map = {"b": "clinician", "a": "admin"}
        sso_allowed_issuers = ["x"]
        sso_max_assertion_age_s = 120

    mapping = ClaimMapping.from_settings(S())
    assert mapping.role_map == (("b", Role.CLINICIAN), ("a", Role.ADMIN))
    assert (mapping.role_claim, mapping.allowed_issuers, mapping.max_age_s) == ("roles", ("x",), 120)
