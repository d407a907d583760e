"""Central's key file, and kiosk secrets sealed under it in the database.

Verifying a kiosk's HMAC needs its secret itself, so the database cannot hold a hash; it holds
the secret wrapped (AES key wrap, RFC 3394, which also detects a wrong key) under a 256-bit key
kept in a file outside the database, mode 0600. A database dump, backup or stolen copy without
that file impersonates no kiosk. The file is `--key-file`, else $KIOSK_CENTRAL_KEY_FILE, else,
for SQLite, `<database>.key` beside it; it is made on first use. A key file that others may
read is refused, as ssh refuses such a private key.
"""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap
from sqlalchemy.engine import make_url

PREFIX = "kw1:"
ENV = "KIOSK_CENTRAL_KEY_FILE"


class KeyFileError(ValueError):
    pass


def key_path_for(url: str, key_file: str | Path | None = None) -> Path:
    if key_file is not None:
        return Path(key_file)
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(parsed.database + ".key")
    raise KeyFileError(f"central on {parsed.get_backend_name()} needs a key file: --key-file or ${ENV}")


def load_or_create_key(path: Path) -> bytes:
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise KeyFileError(f"central key file {path} is readable by others (mode {mode:o}); chmod 600 it") from None
        try:
            key = bytes.fromhex(path.read_text().strip())
        except ValueError:
            key = b""
        if len(key) != 32:
            raise KeyFileError(f"central key file {path} does not hold a 256-bit key in hex") from None
        return key
    key = os.urandom(32)
    with os.fdopen(descriptor, "w") as file:
        file.write(key.hex())
        file.flush()
        os.fsync(file.fileno())
    return key


def seal(key: bytes, secret: bytes) -> str:
    return PREFIX + base64.urlsafe_b64encode(aes_key_wrap(key, secret)).decode()


def open_sealed(key: bytes, stored: str) -> bytes | None:
    """The secret from its stored form; a legacy row in plain hex as it is; None if the key does
    not open it (the wrong key file)."""
    if not stored.startswith(PREFIX):
        return bytes.fromhex(stored)
    try:
        return aes_key_unwrap(key, base64.urlsafe_b64decode(stored[len(PREFIX):]))
    except (InvalidUnwrap, ValueError):
        return None
