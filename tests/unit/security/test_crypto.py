"""Field encryption with key rotation, and blind indexes for exact-match search."""

from __future__ import annotations

import pytest

from novamind_core.domain.errors import ConfigurationError
from novamind_core.security.crypto import BlindIndexer, DecryptionError, FieldCipher, generate_key

INDEX_KEY = "i" * 40
OTHER_INDEX_KEY = "j" * 40


def test_encrypted_text_is_not_the_plaintext_and_decrypts_back():
    cipher = FieldCipher([generate_key()])
    token = cipher.encrypt("Ada Lovelace")
    assert token is not None and "Ada" not in token and "Lovelace" not in token
    assert cipher.decrypt(token) == "Ada Lovelace"


def test_encrypting_the_same_value_twice_gives_different_tokens():
    cipher = FieldCipher([generate_key()])
    assert cipher.encrypt("same") != cipher.encrypt("same")


def test_none_passes_through_encryption_and_decryption():
    cipher = FieldCipher([generate_key()])
    assert cipher.encrypt(None) is None
    assert cipher.decrypt(None) is None


def test_unicode_and_empty_text_round_trip():
    cipher = FieldCipher([generate_key()])
    for text in ("", "Zoë Ñúñez 李", "line\nbreak"):
        assert cipher.decrypt(cipher.encrypt(text)) == text


def test_bytes_round_trip():
    cipher = FieldCipher([generate_key()])
    assert cipher.decrypt_bytes(cipher.encrypt_bytes(b"\x00\x01payload")) == b"\x00\x01payload"


def test_a_new_key_list_decrypts_values_written_under_the_old_key():
    old_key, new_key = generate_key(), generate_key()
    token = FieldCipher([old_key]).encrypt("MRN NM-000123")
    assert FieldCipher([new_key, old_key]).decrypt(token) == "MRN NM-000123"


def test_rotation_re_encrypts_under_the_newest_key_so_the_old_key_can_be_retired():
    old_key, new_key = generate_key(), generate_key()
    token = FieldCipher([old_key]).encrypt("secret")
    both = FieldCipher([new_key, old_key])
    assert both.is_current(token) is False
    rotated = both.rotate(token)
    assert both.is_current(rotated) is True
    assert FieldCipher([new_key]).decrypt(rotated) == "secret"
    with pytest.raises(DecryptionError):
        FieldCipher([new_key]).decrypt(token)


def test_new_values_are_encrypted_with_the_first_key():
    old_key, new_key = generate_key(), generate_key()
    token = FieldCipher([new_key, old_key]).encrypt("x")
    assert FieldCipher([new_key]).decrypt(token) == "x"
    with pytest.raises(DecryptionError):
        FieldCipher([old_key]).decrypt(token)


def test_a_tampered_token_is_refused_with_a_message_naming_the_keys_variable():
    cipher = FieldCipher([generate_key()])
    token = cipher.encrypt("value")
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(DecryptionError, match="NOVAMIND_ENCRYPTION_KEYS"):
        cipher.decrypt(tampered)


def test_rotating_a_token_no_key_opens_is_refused():
    token = FieldCipher([generate_key()]).encrypt("value")
    with pytest.raises(DecryptionError):
        FieldCipher([generate_key()]).rotate(token)


def test_an_invalid_key_is_refused_without_echoing_it():
    with pytest.raises(ConfigurationError, match="key 2 is not a valid Fernet key") as info:
        FieldCipher([generate_key(), "not-a-key-123"])
    assert "not-a-key-123" not in str(info.value)


def test_no_key_is_refused():
    with pytest.raises(ConfigurationError, match="NOVAMIND_ENCRYPTION_KEYS"):
        FieldCipher([])


def test_the_cipher_repr_hides_its_keys():
    key = generate_key()
    assert key not in repr(FieldCipher([key]))


@pytest.mark.parametrize("variant", ["ada lovelace", "  Ada   Lovelace ", "ADA LOVELACE", "Ada\tLovelace"])
def test_blind_index_ignores_case_and_surrounding_or_repeated_whitespace(variant):
    indexer = BlindIndexer(INDEX_KEY)
    assert indexer.index(variant, "name") == indexer.index("Ada Lovelace", "name")


def test_blind_index_tells_different_values_apart():
    indexer = BlindIndexer(INDEX_KEY)
    assert indexer.index("Ada Lovelace", "name") != indexer.index("Ada-Lovelace", "name")
    assert indexer.index("NM-000123", "mrn") != indexer.index("NM-000124", "mrn")


def test_blind_index_is_a_keyed_sha256_hex_digest():
    value = BlindIndexer(INDEX_KEY).index("NM-000123", "mrn")
    assert value is not None and len(value) == 64 and int(value, 16) >= 0


def test_blind_indexes_differ_between_keys():
    assert BlindIndexer(INDEX_KEY).index("NM-1", "mrn") != BlindIndexer(OTHER_INDEX_KEY).index("NM-1", "mrn")


def test_blind_indexes_of_the_same_value_differ_between_kinds():
    indexer = BlindIndexer(INDEX_KEY)
    assert indexer.index("Morgan", "given_name") != indexer.index("Morgan", "family_name")


def test_blind_index_is_stable_across_instances():
    assert BlindIndexer(INDEX_KEY).index("NM-1", "mrn") == BlindIndexer(INDEX_KEY).index("nm-1", "mrn")


def test_a_short_blind_index_key_is_refused():
    with pytest.raises(ConfigurationError, match="NOVAMIND_BLIND_INDEX_KEY: too short"):
        BlindIndexer("short")
