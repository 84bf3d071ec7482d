"""TOTP (RFC 6238) and HOTP (RFC 4226) against the RFCs' own test vectors; drift window, replay and recovery codes."""

from __future__ import annotations

import base64

import pytest

from novamind_core.security import totp

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode().rstrip("=")  # RFC 6238 Appendix B, SHA-1 key


@pytest.mark.parametrize("unix_time, code", [
    (59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"), (1234567890, "89005924"),
    (2000000000, "69279037"), (20000000000, "65353130"),
])
def test_the_rfc_6238_appendix_b_sha1_vectors(unix_time, code):
    assert totp.hotp(b"12345678901234567890", totp.step_at(unix_time), digits=8) == code


def test_the_rfc_4226_appendix_d_hotp_vectors():
    expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]
    assert [totp.hotp(b"12345678901234567890", i) for i in range(10)] == expected


def test_a_code_matches_within_one_step_of_drift_and_not_beyond():
    now = 1_800_000_000
    assert totp.verify(RFC_SECRET, totp.code_at(RFC_SECRET, now - 30), now) is not None
    assert totp.verify(RFC_SECRET, totp.code_at(RFC_SECRET, now + 30), now) is not None
    assert totp.verify(RFC_SECRET, totp.code_at(RFC_SECRET, now - 90), now) is None


def test_a_code_is_accepted_once():
    now = 1_800_000_000
    code = totp.code_at(RFC_SECRET, now)
    step = totp.verify(RFC_SECRET, code, now)
    assert step is not None and totp.verify(RFC_SECRET, code, now, after_step=step) is None


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", None, "12 34 5x"])
def test_malformed_codes_never_match(typed):
    assert totp.verify(RFC_SECRET, typed, 1_800_000_000) is None  # type: ignore[arg-type]


def test_secrets_and_recovery_codes_are_random_and_recovery_hashes_ignore_case_and_dashes():
    assert len({totp.new_secret() for _ in range(20)}) == 20 and len(totp.new_secret()) == 32
    codes = totp.new_recovery_codes()
    assert len(set(codes)) == totp.RECOVERY_CODES
    assert totp.recovery_code_hash(codes[0]) == totp.recovery_code_hash(codes[0].upper().replace("-", " "))
    uri = totp.provisioning_uri(RFC_SECRET, "dr.one")
    assert uri.startswith("otpauth://totp/Novamind%3Adr.one?") and f"secret={RFC_SECRET}" in uri
