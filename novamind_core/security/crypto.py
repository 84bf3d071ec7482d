"""Field encryption (Fernet through MultiFernet, with key rotation) and HMAC blind indexes for exact-match search.

Encryption
----------
Fernet (``cryptography``) is AES-128-CBC with PKCS7 padding plus HMAC-SHA256 over version, timestamp, IV and
ciphertext (encrypt-then-MAC); each key is 32 random bytes, url-safe base64. :class:`FieldCipher` wraps a
``MultiFernet`` over the configured keys, **newest first**: it encrypts with the first key and decrypts with any,
so a new key can be prepended, every row re-encrypted with :meth:`FieldCipher.rotate`, and the old key retired.

Blind index
-----------
Encrypted columns cannot be searched (each encryption uses a fresh random IV). For exact-match search the row
also stores ``HMAC-SHA256(k_kind, normalise(value))`` where ``k_kind = HMAC-SHA256(k, "novamind/blind-index/" +
kind)``: a deterministic, keyed digest. Separate derived keys per kind (name, MRN, ...) mean equal values of
different kinds do not share an index, and without the key an attacker cannot test guesses offline.

References
----------
Fernet specification: https://github.com/fernet/spec/blob/master/Spec.md
Krawczyk H, Bellare M, Canetti R. HMAC: keyed-hashing for message authentication. RFC 2104, 1997.
CipherSweet blind indexing: https://ciphersweet.paragonie.com/security
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import threading
import unicodedata
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from novamind_core.domain.errors import ConfigurationError

MIN_BLIND_INDEX_KEY_BYTES = 32
"""HMAC-SHA256 keys shorter than the 32-byte output weaken it (RFC 2104 §3); refuse them."""

_WHITESPACE = re.compile(r"\s+")

logger = logging.getLogger(__name__)
_failures = {"count": 0}
_failures_lock = threading.Lock()


def decryption_failures() -> int:
    """How many stored values this process could not decrypt (or re-encrypt) since it started: a metric to alert on
    (a removed key, an altered value). Each failure is also logged at WARNING, without the value."""
    with _failures_lock:
        return _failures["count"]


def _record_failure(operation: str, size: int) -> None:
    with _failures_lock:
        _failures["count"] += 1
        total = _failures["count"]
    # never the token or any part of it: its length is enough to tell a truncated value from a foreign one
    logger.warning("%s failed: no configured key authenticates a stored value (%d bytes); %d failure(s) in this "
                   "process", operation, size, total)


class DecryptionError(ConfigurationError):
    """A stored value cannot be decrypted with any configured key (a key missing, or the value was altered)."""


def generate_key() -> str:
    """Return a new random Fernet key (32 bytes from the OS CSPRNG, url-safe base64, 44 characters)."""
    return Fernet.generate_key().decode("ascii")


class FieldCipher:
    """Encrypt and decrypt text fields with a list of Fernet keys, newest first.

    Parameters
    ----------
    keys : sequence of str
        Fernet keys; ``keys[0]`` encrypts, every key decrypts.

    Raises
    ------
    ConfigurationError
        No key, or a key that is not a valid Fernet key (the message names ``NOVAMIND_ENCRYPTION_KEYS`` and the
        key's position, never the key).
    """

    def __init__(self, keys: Sequence[str]):
        if isinstance(keys, str):
            keys = [k.strip() for k in keys.split(",") if k.strip()]
        if not keys:
            raise ConfigurationError("NOVAMIND_ENCRYPTION_KEYS: at least one encryption key is required")
        fernets = []
        for position, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key.encode("ascii") if isinstance(key, str) else key))
            except (ValueError, TypeError, UnicodeEncodeError):
                raise ConfigurationError(
                    f"NOVAMIND_ENCRYPTION_KEYS: key {position} is not a valid Fernet key "
                    "(32 bytes, url-safe base64, 44 characters)"
                ) from None
        self._primary = fernets[0]
        self._multi = MultiFernet(fernets)
        self.key_count = len(fernets)

    def __repr__(self) -> str:
        return f"FieldCipher(keys=<{self.key_count} redacted>)"

    # -- bytes
    def encrypt_bytes(self, data: bytes) -> bytes:
        """Encrypt ``data`` with the newest key; returns a Fernet token (url-safe base64 bytes)."""
        return self._multi.encrypt(data)

    def decrypt_bytes(self, token: bytes) -> bytes:
        """Decrypt a Fernet token made with any configured key.

        Raises
        ------
        DecryptionError
            No configured key authenticates the token.
        """
        try:
            return self._multi.decrypt(token)
        except InvalidToken:
            _record_failure("decryption", len(token))
            raise DecryptionError(
                "NOVAMIND_ENCRYPTION_KEYS: a stored value cannot be decrypted with any configured key "
                "(was a key removed before rotate-keys finished, or was the value altered?)"
            ) from None

    # -- text
    def encrypt(self, plaintext: str | None) -> str | None:
        """Encrypt text (UTF-8) with the newest key; None stays None."""
        if plaintext is None:
            return None
        return self.encrypt_bytes(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str | None) -> str | None:
        """Decrypt a token made by :meth:`encrypt` with any configured key; None stays None."""
        if token is None:
            return None
        return self.decrypt_bytes(token.encode("ascii")).decode("utf-8")

    def rotate(self, token: str) -> str:
        """Re-encrypt a token under the newest key (keeps its original timestamp).

        Raises
        ------
        DecryptionError
            No configured key authenticates the token.
        """
        try:
            return self._multi.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken:
            _record_failure("re-encryption", len(token))
            raise DecryptionError(
                "NOVAMIND_ENCRYPTION_KEYS: a stored value cannot be re-encrypted: no configured key decrypts it"
            ) from None

    def is_current(self, token: str) -> bool:
        """Whether ``token`` is already encrypted under the newest key (so rotation can skip it)."""
        try:
            self._primary.decrypt(token.encode("ascii"))
        except InvalidToken:
            return False
        return True


def normalise_for_index(value: str) -> str:
    """Normalise text before blind indexing: Unicode NFKC, trim, collapse internal whitespace, casefold.

    ``"  Ada   LOVELACE "`` and ``"ada lovelace"`` give the same index; ``"Ada-Lovelace"`` does not.
    """
    text = unicodedata.normalize("NFKC", value)
    return _WHITESPACE.sub(" ", text.strip()).casefold()


class BlindIndexer:
    """Keyed, deterministic digests of normalised values, for exact-match search over encrypted columns.

    ``index(value, kind) = hex(HMAC-SHA256(HMAC-SHA256(key, "novamind/blind-index/" + kind), normalise(value)))``

    Parameters
    ----------
    key : str
        The blind-index key (``NOVAMIND_BLIND_INDEX_KEY``), at least 32 bytes.
    """

    def __init__(self, key: str | bytes):
        raw = key.encode("utf-8") if isinstance(key, str) else bytes(key)
        if len(raw) < MIN_BLIND_INDEX_KEY_BYTES:
            raise ConfigurationError(
                f"NOVAMIND_BLIND_INDEX_KEY: too short ({len(raw)} bytes); "
                f"at least {MIN_BLIND_INDEX_KEY_BYTES} bytes are required"
            )
        self._key = raw
        self._kind_keys: dict[str, bytes] = {}

    def __repr__(self) -> str:
        return "BlindIndexer(key=<redacted>)"

    def _kind_key(self, kind: str) -> bytes:
        derived = self._kind_keys.get(kind)
        if derived is None:
            if not kind or not kind.strip():
                raise ValueError("blind index kind must be a non-empty name such as 'mrn' or 'family_name'")
            label = f"novamind/blind-index/{kind}".encode()
            derived = hmac.new(self._key, label, hashlib.sha256).digest()
            self._kind_keys[kind] = derived
        return derived

    def index(self, value: str | None, kind: str) -> str | None:
        """Return the 64-character hex blind index of ``value`` for a column ``kind`` (None stays None)."""
        if value is None:
            return None
        normalised = normalise_for_index(value).encode("utf-8")
        return hmac.new(self._kind_key(kind), normalised, hashlib.sha256).hexdigest()
