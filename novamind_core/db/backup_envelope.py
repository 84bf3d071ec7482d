"""The backup file: a signed manifest, then the database copy encrypted in authenticated chunks.

Layout (all integers big-endian)::

    MAGIC (19 bytes) | manifest length (4) | manifest (canonical JSON) | HMAC-SHA256(mac_key, MAGIC|length|manifest)
    then chunks:  ciphertext length (4) | AES-256-GCM(enc_key, nonce, plaintext chunk, aad = the manifest HMAC)

``enc_key`` and ``mac_key`` come from ``NOVAMIND_BACKUP_KEY`` through HKDF-SHA256 (RFC 5869) with distinct labels,
so the key never sits in the file and one key serves both purposes safely. Each chunk's 96-bit nonce is the
manifest's random 7-byte prefix, the chunk index (4 bytes) and a last-chunk flag (1 byte): chunks cannot be
reordered, dropped, or cut off at the end without a tag failing (the "STREAM" construction of Hoang, Reyhanitabar,
Rogaway and Vizár, "Online authenticated-encryption and its nonce-reuse misuse-resistance", CRYPTO 2015). The
manifest also carries the SHA-256 and size of the plaintext, checked after decryption.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any, BinaryIO

from novamind_core.domain.errors import ConfigurationError

MAGIC = b"NOVAMIND-BACKUP v1\n"
CHUNK_BYTES = 1 << 20
MIN_BACKUP_KEY_BYTES = 32
_TAG_BYTES = 32
_MAX_MANIFEST_BYTES = 1 << 20


class BackupRejected(ConfigurationError):
    """The file is not a backup this key made, or it was altered: nothing was restored."""


def _derive(backup_key: str) -> tuple[bytes, bytes]:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    raw = (backup_key or "").encode("utf-8")
    if len(raw) < MIN_BACKUP_KEY_BYTES:
        raise ConfigurationError(
            "NOVAMIND_BACKUP_KEY: " + ("not set" if not raw else f"too short ({len(raw)} bytes)")
            + f"; backups are encrypted and signed with a key of at least {MIN_BACKUP_KEY_BYTES} bytes kept apart "
            "from the database keys and from the backups (make one: python -c \"import secrets; "
            "print(secrets.token_urlsafe(48))\")")
    okm = HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=b"novamind/backup/v1").derive(raw)
    return okm[:32], okm[32:]


def _canonical(manifest: dict[str, Any]) -> bytes:
    return json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def create_private(path: Path) -> BinaryIO:
    """Open a new file for writing with mode 0600 from its creation (never an existing file)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "wb")


def seal(plain: Path, out: Path, manifest: dict[str, Any], backup_key: str) -> dict[str, Any]:
    """Write ``plain`` encrypted and authenticated to the new file ``out``; return the manifest as written."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    enc_key, mac_key = _derive(backup_key)
    digest, size = hashlib.sha256(), 0
    with open(plain, "rb") as src:
        while block := src.read(CHUNK_BYTES):
            digest.update(block)
            size += len(block)
    prefix = secrets.token_bytes(7)
    body = _canonical({**manifest, "format": 1, "cipher": "AES-256-GCM", "kdf": "HKDF-SHA256",
                       "chunk_bytes": CHUNK_BYTES, "nonce_prefix": prefix.hex(),
                       "payload_sha256": digest.hexdigest(), "payload_bytes": size})
    header = MAGIC + len(body).to_bytes(4, "big") + body
    tag = hmac.new(mac_key, header, hashlib.sha256).digest()
    aead = AESGCM(enc_key)
    with open(plain, "rb") as src, create_private(out) as dst:
        dst.write(header + tag)
        index, block = 0, src.read(CHUNK_BYTES)
        while True:
            following = src.read(CHUNK_BYTES) if block else b""
            last = not following
            nonce = prefix + index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")
            sealed = aead.encrypt(nonce, block, tag)
            dst.write(len(sealed).to_bytes(4, "big") + sealed)
            if last:
                break
            index, block = index + 1, following
        dst.flush()
        os.fsync(dst.fileno())
    return json.loads(body)


def _read_header(handle: BinaryIO, mac_key: bytes, name: str) -> tuple[dict[str, Any], bytes]:
    magic = handle.read(len(MAGIC))
    if magic != MAGIC:
        raise BackupRejected(f"{name} is not a signed Novamind backup (no backup header): restore refuses unsigned "
                             "files, including copies made before backups were signed")
    length = int.from_bytes(handle.read(4), "big")
    if not 0 < length <= _MAX_MANIFEST_BYTES:
        raise BackupRejected(f"{name}: the backup header is damaged")
    body = handle.read(length)
    tag = handle.read(_TAG_BYTES)
    expected = hmac.new(mac_key, magic + length.to_bytes(4, "big") + body, hashlib.sha256).digest()
    if len(body) != length or not hmac.compare_digest(tag, expected):
        raise BackupRejected(f"{name}: the backup's signature does not match (the file was altered, or it was made "
                             "with another NOVAMIND_BACKUP_KEY); nothing was restored")
    return json.loads(body), tag


def read_manifest(path: Path, backup_key: str) -> dict[str, Any]:
    """The manifest of a backup, after checking its signature (raises :class:`BackupRejected`)."""
    _, mac_key = _derive(backup_key)
    with open(path, "rb") as handle:
        manifest, _ = _read_header(handle, mac_key, path.name)
    return manifest


def unseal(path: Path, out: Path, backup_key: str) -> dict[str, Any]:
    """Check and decrypt the backup ``path`` into the new 0600 file ``out``; return its manifest.

    Raises :class:`BackupRejected` on any mismatch (signature, a chunk's tag, order, truncation, trailing bytes,
    size or SHA-256); ``out`` is then removed.
    """
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    enc_key, mac_key = _derive(backup_key)
    aead = AESGCM(enc_key)
    try:
        with open(path, "rb") as src, create_private(out) as dst:
            manifest, tag = _read_header(src, mac_key, path.name)
            prefix = bytes.fromhex(str(manifest.get("nonce_prefix", "")))
            digest, size, index = hashlib.sha256(), 0, 0
            while True:
                length_bytes = src.read(4)
                if len(length_bytes) < 4:
                    raise BackupRejected(f"{path.name}: the backup is cut short (its last part is missing)")
                sealed = src.read(int.from_bytes(length_bytes, "big"))
                plain, last = None, False
                for flag in (b"\x00", b"\x01"):
                    try:
                        plain = aead.decrypt(prefix + index.to_bytes(4, "big") + flag, sealed, tag)
                        last = flag == b"\x01"
                        break
                    except InvalidTag:
                        continue
                if plain is None:
                    raise BackupRejected(f"{path.name}: part {index + 1} of the backup fails its authentication tag "
                                         "(the file was altered); nothing was restored")
                digest.update(plain)
                size += len(plain)
                dst.write(plain)
                index += 1
                if last:
                    break
            if src.read(1):
                raise BackupRejected(f"{path.name}: bytes follow the end of the backup (the file was altered)")
            if size != manifest.get("payload_bytes") or digest.hexdigest() != manifest.get("payload_sha256"):
                raise BackupRejected(f"{path.name}: the decrypted copy does not match its manifest")
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return manifest


def check_key(backup_key: str) -> None:
    """Raise ConfigurationError (naming ``NOVAMIND_BACKUP_KEY``) when the key is missing or short."""
    _derive(backup_key)
