"""The signing keys of the operator-config repository: one Ed25519 key per file.

A keys directory holds `root-1.pem` … `root-N.pem`, `targets-1.pem`, `snapshot-1.pem` and
`timestamp-1.pem`: PKCS#8 PEM, mode 0600, named for the role they sign. The root and targets
keys belong offline (an operator's machine, a safe); the timestamp key is the one central holds
online to re-sign the timestamp before it expires (central/tuf_repo.py). Keeping the private
keys as plain files is what python-tuf's CryptoSigner reads; an HSM signer can take a role's
place later without changing the repository.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.serialization import load_pem_private_key
from securesystemslib.signer import CryptoSigner

ROLES = ("root", "targets", "snapshot", "timestamp")
_NAME = re.compile(r"^(root|targets|snapshot|timestamp)-([1-9][0-9]{0,2})\.pem$")


class KeysError(Exception):
    """Keys that cannot be read or used; the message says which file and why."""


@dataclass
class KeySet:
    """The signers found in a keys directory, by role (a role may have none: kept elsewhere)."""

    signers: dict[str, list[CryptoSigner]] = field(default_factory=lambda: {role: [] for role in ROLES})

    def of(self, role: str) -> list[CryptoSigner]:
        return self.signers.get(role, [])

    def need(self, role: str, count: int = 1) -> list[CryptoSigner]:
        found = self.of(role)
        if len(found) < count:
            raise KeysError(f"{count} {role} key(s) needed, {len(found)} found")
        return found


def generate(out: str | Path, *, root_keys: int = 3) -> dict[str, list[str]]:
    """Write a fresh key for each role (`root_keys` of them for root) into `out`, which must not
    hold keys already. Returns {role: [keyid, …]}."""
    out = Path(out)
    if not 1 <= root_keys <= 9:
        raise ValueError("root keys: 1 to 9")
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    if any(_NAME.match(p.name) for p in out.iterdir()):
        raise ValueError(f"{out} already holds keys: generate into an empty directory")
    made: dict[str, list[str]] = {}
    for role in ROLES:
        for n in range(1, (root_keys if role == "root" else 1) + 1):
            signer = CryptoSigner.generate_ed25519()
            path = out / f"{role}-{n}.pem"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(signer.private_bytes)
            made.setdefault(role, []).append(signer.public_key.keyid)
    return made


def load(directory: str | Path) -> KeySet:
    """The keys in `directory`; a private key readable by others is refused, not used."""
    directory = Path(directory)
    if not directory.is_dir():
        raise KeysError(f"no keys directory at {directory}")
    keys = KeySet()
    for path in sorted(directory.iterdir(), key=lambda p: p.name):
        match = _NAME.match(path.name)
        if match:
            keys.signers[match.group(1)].append(load_signer(path))
    return keys


def load_signer(path: str | Path) -> CryptoSigner:
    path = Path(path)
    try:
        if path.stat().st_mode & 0o077:
            raise KeysError(f"{path} is readable by others: chmod 600 it")
        private = load_pem_private_key(path.read_bytes(), None)
        return CryptoSigner(private)
    except KeysError:
        raise
    except (OSError, ValueError, TypeError) as exc:
        raise KeysError(f"cannot use key {path}: {exc}") from None
