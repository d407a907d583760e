"""Encryption at rest for outbox payloads.

The key lives in its own file, outside the database, so a copied or stolen .db file holds only
ciphertext. Each sealed blob is bound (AES-GCM associated data) to its row's kind and
idempotency key: a blob moved to another row no longer opens.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from common.credentials import credential

KEY_BYTES = 32
NONCE_BYTES = 12
FORMAT_V1 = b"\x01"  # leading byte, so a later format or key rotation can be told apart


class KeyFileError(Exception):
    """The kiosk's outbox key file is missing, unreadable or malformed."""


class TamperedRecord(Exception):
    """A sealed blob failed authentication: altered, truncated, moved, or another key."""


def load_or_create_key(path: str | os.PathLike[str]) -> bytes:
    """Read the 32-byte key at `path`, creating it (mode 0600) on first use; a systemd
    credential of the same name (common/credentials.py) takes its place.

    A new key is written to a temporary file and linked into place, so a crash never leaves
    a half-written key file behind and two processes starting together agree on one key.
    """
    path = Path(path)
    passed = credential(path.name)
    if passed is not None:
        return _read_key(passed)
    if path.exists():
        return _read_key(path)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    key = secrets.token_bytes(KEY_BYTES)
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, key)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(temporary, path)
        except FileExistsError:
            return _read_key(path)
        _fsync_directory(path.parent)
    except OSError as exc:
        raise KeyFileError(f"cannot create outbox key file {path}: {exc.strerror}") from None
    finally:
        temporary.unlink(missing_ok=True)
    return key


def _read_key(path: Path) -> bytes:
    try:
        key = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"cannot read outbox key file {path}: {exc.strerror}") from None
    if len(key) != KEY_BYTES:
        raise KeyFileError(
            f"outbox key file {path} holds {len(key)} bytes, expected {KEY_BYTES}"
        )
    return key


def _fsync_directory(directory: Path) -> None:
    # A new file's name is durable only once its directory entry is on disk.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Sealer:
    """AES-256-GCM over the JSON form of a dict, with a random 96-bit nonce per blob."""

    def __init__(self, key: bytes):
        if len(key) != KEY_BYTES:
            raise ValueError(f"outbox key must be {KEY_BYTES} bytes, got {len(key)}")
        self._aead = AESGCM(key)

    def seal(self, obj: dict[str, Any], aad: bytes) -> bytes:
        plaintext = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
        nonce = secrets.token_bytes(NONCE_BYTES)
        return FORMAT_V1 + nonce + self._aead.encrypt(nonce, plaintext, aad)

    def open(self, blob: bytes, aad: bytes) -> dict[str, Any]:
        if len(blob) < 1 + NONCE_BYTES + 16 or blob[:1] != FORMAT_V1:
            raise TamperedRecord("sealed record is truncated or of an unknown format")
        nonce = blob[1 : 1 + NONCE_BYTES]
        try:
            plaintext = self._aead.decrypt(nonce, blob[1 + NONCE_BYTES :], aad)
        except InvalidTag:
            raise TamperedRecord("sealed record failed authentication") from None
        obj = json.loads(plaintext)
        if not isinstance(obj, dict):
            raise TamperedRecord("sealed record does not hold an object")
        return obj


def record_aad(kind: str, key: str) -> bytes:
    """The associated data that ties a blob to its row."""
    return f"{kind}\n{key}".encode()
