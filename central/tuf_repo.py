"""The operator-config repository: TUF metadata over one target per kiosk group.

A directory with `metadata/` and `targets/`, which central serves as plain files under /tuf/
(central/tuf_serve.py) and kiosks read through tuf.ngclient (kiosk/config_updates/). Built with
python-tuf's Metadata API: root, targets, snapshot and timestamp, consistent snapshots (every
version of a role, and every target by its hash, stays a file of its own), so a kiosk fetching
while a publish runs sees the old state or the new, never a mixture.

A group's config is the target `groups/<group>/config.json`, a JSON document
{"group": G, "version": N, "config": {...}}; N counts that group's publications from 1 and is also
the target's `custom.version`; `custom.published_by` and `custom.published_at` say who published
it and when (central audits them when it first sees the version). Publishing writes the target,
then targets, snapshot and timestamp, each file renamed into place, timestamp last: until it
lands nobody sees the rest.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from securesystemslib.signer import Signer
from tuf.api.metadata import (Metadata, MetaFile, Role, Root, Snapshot, TargetFile, Targets, Timestamp,
                              TOP_LEVEL_ROLE_NAMES)
from tuf.api.serialization.json import JSONSerializer

from central.tuf_keys import KeySet, KeysError
from common.config_groups import target_path
from common.files import write_atomically


# How long each role's signature holds. The timestamp's is short, so a kiosk cut off from new
# metadata (a freeze attack) stops trusting it within hours; central re-signs it well before.
EXPIRY = {
    "root": timedelta(days=365),
    "targets": timedelta(days=180),
    "snapshot": timedelta(days=180),
    "timestamp": timedelta(hours=6),
}


# The shape of an operator id (central/operators.py), without loading central's database here.
PUBLISHER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


class RepositoryError(Exception):
    """A repository that cannot be used as asked; the message says why."""


class ConfigRepository:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.metadata_dir = self.path / "metadata"
        self.targets_dir = self.path / "targets"

    # ---- creating --------------------------------------------------------------------------
    @classmethod
    def init(cls, path: str | Path, keys: KeySet, *, root_threshold: int | None = None,
             expiry: dict[str, timedelta] | None = None) -> "ConfigRepository":
        """A new repository at `path` (which must not hold one): root version 1 naming every
        root key in `keys` (threshold: a majority unless given), and empty targets."""
        repo = cls(path)
        if (repo.metadata_dir / "root.json").exists():
            raise RepositoryError(f"{repo.path} already holds a repository")
        expiry = {**EXPIRY, **(expiry or {})}
        root_signers = keys.need("root")
        threshold = root_threshold or len(root_signers) // 2 + 1
        if not 1 <= threshold <= len(root_signers):
            raise RepositoryError(f"root threshold {threshold} with {len(root_signers)} root key(s)")
        root = Root(expires=_now() + expiry["root"], consistent_snapshot=True)
        for role in TOP_LEVEL_ROLE_NAMES:
            signers = root_signers if role == "root" else keys.need(role)
            root.roles[role] = Role([], threshold if role == "root" else 1)
            for signer in signers:
                root.add_key(signer.public_key, role)
        repo.metadata_dir.mkdir(parents=True, exist_ok=True)
        repo.targets_dir.mkdir(parents=True, exist_ok=True)
        with repo.locked():
            repo._write_root(Metadata(root), root_signers)
            repo._write_top(Targets(expires=_now() + expiry["targets"]), keys, expiry)
        return repo

    # ---- reading ---------------------------------------------------------------------------
    def root(self) -> Metadata[Root]:
        return self._read("root.json")

    def timestamp(self) -> Metadata[Timestamp]:
        return self._read("timestamp.json")

    def snapshot(self) -> Metadata[Snapshot]:
        return self._read(f"{self.timestamp().signed.snapshot_meta.version}.snapshot.json")

    def targets(self) -> Metadata[Targets]:
        return self.targets_at(self.snapshot().signed.meta['targets.json'].version)

    def targets_at(self, version: int) -> Metadata[Targets]:
        """An earlier targets version, as consistent snapshots keep it (FileNotFoundError if not)."""
        return self._read(f"{version}.targets.json")

    def group_version(self, group: str) -> int:
        """The version of `group`'s config now published (0: none yet)."""
        target = self.targets().signed.targets.get(target_path(group))
        return int(target.unrecognized_fields.get("custom", {}).get("version", 0)) if target else 0

    def groups(self) -> dict[str, int]:
        return {path.split("/")[1]: int(t.unrecognized_fields.get("custom", {}).get("version", 0))
                for path, t in self.targets().signed.targets.items() if path.startswith("groups/")}

    # ---- publishing ------------------------------------------------------------------------
    def publish(self, group: str, config: dict[str, Any], keys: KeySet, *,
                expiry: dict[str, timedelta] | None = None, rollout: dict[str, Any] | None = None,
                published_by: str | None = None) -> int:
        """Sign `config` (already validated: kiosk.operator_config) as `group`'s next version and
        return that version. `rollout` (common/rollout.py make_plan) is signed into the target's
        custom.rollout: which kiosks take it first (None: everyone at once); `published_by`, the
        operator's name, into custom.published_by, with the time into custom.published_at."""
        if published_by is not None and not PUBLISHER.match(published_by):
            raise RepositoryError("the publishing operator's name: 1-64 letters, digits, '.', '_', '@' or '-'")
        self._check_signers(keys, "targets", "snapshot", "timestamp")
        with self.locked():
            version = self.group_version(group) + 1
            data = json.dumps({"group": group, "version": version, "config": config}, ensure_ascii=False,
                              sort_keys=True, indent=1) + "\n"
            custom = {**({"rollout": rollout} if rollout else {}),
                      **({"published_by": published_by} if published_by else {}),
                      "published_at": _now().isoformat()}
            self._add_target(group, data.encode(), version, keys, {**EXPIRY, **(expiry or {})}, custom)
        return version

    def publish_target_bytes(self, group: str, data: bytes, keys: KeySet, *, version: int) -> None:
        """Sign arbitrary bytes as `group`'s target: how tests publish what `publish` would never
        make (a document for another group, one that fails the schema, an older version)."""
        with self.locked():
            self._add_target(group, data, version, keys, dict(EXPIRY))

    def _add_target(self, group: str, data: bytes, version: int, keys: KeySet,
                    expiry: dict[str, timedelta], custom: dict[str, Any] | None = None) -> None:
        path = target_path(group)
        targets = self.targets().signed
        target = TargetFile.from_data(path, data, ["sha256"])
        target.unrecognized_fields["custom"] = {"version": version, **(custom or {})}
        # Consistent snapshots: the file is named by its hash, so old and new stay side by side.
        write_atomically(self.targets_dir / f"groups/{group}/{target.hashes['sha256']}.config.json", data)
        targets.targets[path] = target
        targets.version += 1
        targets.expires = _now() + expiry["targets"]
        self._write_top(targets, keys, expiry)

    def resign_timestamp(self, signer: Signer, *, expires_in: timedelta | None = None) -> int:
        """A new timestamp version over the same snapshot, signed by the online key."""
        with self.locked():
            current = self.timestamp().signed
            stamp = Timestamp(version=current.version + 1, expires=_now() + (expires_in or EXPIRY["timestamp"]),
                              snapshot_meta=current.snapshot_meta)
            md = Metadata(stamp)
            md.sign(signer)
            write_atomically(self.metadata_dir / "timestamp.json", self._bytes(md))
            return stamp.version

    def timestamp_expires(self) -> datetime:
        return self.timestamp().signed.expires

    def rotate_root(self, old: KeySet, new: KeySet, *, root_threshold: int | None = None,
                    expiry: dict[str, timedelta] | None = None) -> int:
        """The next root version naming `new`'s keys for every role it has (root at least), signed
        by the old root keys (a threshold of them, as the old root demands) and by the new ones
        (as the new root demands): kiosks walk from their root to this one, file by file."""
        expiry = {**EXPIRY, **(expiry or {})}
        new_root_signers = new.need("root")
        threshold = root_threshold or len(new_root_signers) // 2 + 1
        if not 1 <= threshold <= len(new_root_signers):
            raise RepositoryError(f"root threshold {threshold} with {len(new_root_signers)} root key(s)")
        with self.locked():
            md = self.root()
            previous = md.signed
            old_signers = [s for s in old.of("root") if s.public_key.keyid in previous.roles["root"].keyids]
            if len(old_signers) < previous.roles["root"].threshold:
                raise RepositoryError(f"the current root needs {previous.roles['root'].threshold} of its keys, "
                                      f"{len(old_signers)} given")
            root = Root(version=previous.version + 1, expires=_now() + expiry["root"], consistent_snapshot=True,
                        keys=dict(previous.keys), roles={r: Role(list(previous.roles[r].keyids),
                                                                 previous.roles[r].threshold)
                                                         for r in TOP_LEVEL_ROLE_NAMES})
            for role in TOP_LEVEL_ROLE_NAMES:
                if not new.of(role):
                    continue
                for keyid in list(root.roles[role].keyids):
                    root.revoke_key(keyid, role)
                for signer in new.of(role):
                    root.add_key(signer.public_key, role)
                root.roles[role].threshold = threshold if role == "root" else 1
            self._write_root(Metadata(root), list({s.public_key.keyid: s for s in old_signers + new_root_signers}.values()))
            if any(new.of(role) for role in ("targets", "snapshot", "timestamp")):
                # Roles with new keys are signed again now, so they verify under the new root.
                merged = KeySet({role: new.of(role) or old.of(role) for role in TOP_LEVEL_ROLE_NAMES})
                targets = self.targets().signed
                targets.version += 1
                self._write_top(targets, merged, expiry)
            return root.version

    # ---- files -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """One writer at a time: an operator publishing while central re-signs the timestamp."""
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / ".lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _check_signers(self, keys: KeySet, *roles: str) -> None:
        root = self.root().signed
        for role in roles:
            allowed = set(root.roles[role].keyids)
            usable = [s for s in keys.of(role) if s.public_key.keyid in allowed]
            if len(usable) < root.roles[role].threshold:
                raise KeysError(f"no {role} key of this repository's root among the keys given")

    def _write_root(self, md: Metadata[Root], signers: list[Signer]) -> None:
        for n, signer in enumerate(signers):
            md.sign(signer, append=n > 0)
        data = self._bytes(md)
        write_atomically(self.metadata_dir / f"{md.signed.version}.root.json", data)
        write_atomically(self.metadata_dir / "root.json", data)

    def _write_top(self, targets: Targets, keys: KeySet, expiry: dict[str, timedelta]) -> None:
        """targets (as given), then the next snapshot and timestamp over it, timestamp last."""
        root = self.root().signed

        def signed(signed_obj, role: str) -> bytes:
            md = Metadata(signed_obj)
            allowed = set(root.roles[role].keyids)
            signers = [s for s in keys.of(role) if s.public_key.keyid in allowed]
            if not signers:
                raise KeysError(f"no {role} key of this repository's root among the keys given")
            for n, signer in enumerate(signers):
                md.sign(signer, append=n > 0)
            return self._bytes(md)

        write_atomically(self.metadata_dir / f"{targets.version}.targets.json", signed(targets, "targets"))
        try:
            previous = self.timestamp().signed
            snapshot_version, stamp_version = previous.snapshot_meta.version + 1, previous.version + 1
        except FileNotFoundError:
            snapshot_version, stamp_version = 1, 1
        snapshot = Snapshot(version=snapshot_version, expires=_now() + expiry["snapshot"],
                            meta={"targets.json": MetaFile(targets.version)})
        write_atomically(self.metadata_dir / f"{snapshot_version}.snapshot.json", signed(snapshot, "snapshot"))
        stamp = Timestamp(version=stamp_version, expires=_now() + expiry["timestamp"],
                          snapshot_meta=MetaFile(snapshot_version))
        write_atomically(self.metadata_dir / "timestamp.json", signed(stamp, "timestamp"))

    def _read(self, name: str) -> Metadata:
        return Metadata.from_bytes((self.metadata_dir / name).read_bytes())

    @staticmethod
    def _bytes(md: Metadata) -> bytes:
        return md.to_bytes(JSONSerializer(compact=False))
