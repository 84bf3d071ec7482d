"""Password hashing with bcrypt and the password policy."""

from __future__ import annotations

import pytest

from novamind_core.domain.errors import ValidationError
from novamind_core.security.passwords import (
    DEMO_CREDENTIALS,
    DEMO_PASSWORDS,
    hash_password,
    validate_new_password,
    verify_password,
)

FAST = 4  # bcrypt's minimum cost keeps the tests fast; production uses DEFAULT_ROUNDS


def test_a_hashed_password_verifies_and_a_wrong_one_does_not():
    hashed = hash_password("correct horse battery", rounds=FAST)
    assert hashed.startswith("$2b$04$") and "correct" not in hashed
    assert verify_password("correct horse battery", hashed) is True
    assert verify_password("correct horse batterY", hashed) is False


def test_hashing_the_same_password_twice_uses_a_fresh_salt():
    assert hash_password("same password here", rounds=FAST) != hash_password("same password here", rounds=FAST)


@pytest.mark.parametrize("hashed", [None, "", "not-a-bcrypt-hash", "$2b$04$short"])
def test_verification_against_a_missing_or_malformed_hash_is_false_not_an_error(hashed):
    assert verify_password("anything at all", hashed) is False


def test_passwords_longer_than_bcrypt_reads_are_refused_not_truncated():
    with pytest.raises(ValidationError, match="72 bytes"):
        hash_password("x" * 73, rounds=FAST)
    hashed = hash_password("x" * 72, rounds=FAST)
    assert verify_password("x" * 72 + "extra", hashed) is False


@pytest.mark.parametrize(
    ("password", "rule"),
    [("short", "too short"), ("            ", "only spaces"), ("é" * 40, "too long"), ("dr.someone.123", "username")],
)
def test_new_passwords_breaking_a_rule_are_refused_with_the_rule(password, rule):
    with pytest.raises(ValidationError, match=rule):
        validate_new_password(password, username="dr.someone.123")


def test_demo_passwords_are_refused_for_real_accounts_but_allowed_for_the_seed():
    demo = next(iter(DEMO_PASSWORDS))
    with pytest.raises(ValidationError, match="demo password"):
        validate_new_password(demo)
    validate_new_password(demo, allow_demo=True)


def test_every_demo_password_is_listed_and_meets_the_length_rule():
    assert set(DEMO_CREDENTIALS.values()) == DEMO_PASSWORDS
    for username, password in DEMO_CREDENTIALS.items():
        validate_new_password(password, username=username, allow_demo=True)


def test_a_good_passphrase_is_accepted():
    validate_new_password("plum tractor lantern 42")
