"""One update round of the kiosk's operator config through tuf.ngclient.

TUF refuses what was not signed by the roles the installed root names (bad signature), metadata
older than what the kiosk has seen (a rollback), metadata past its expiry (a freeze), a
snapshot and targets that do not belong together (mix-and-match) and a target whose bytes are not
the signed ones (tampering). On top of that the kiosk refuses a signed config for another group,
one older than the one it runs, and one that fails the operator schema or the kiosk's own checks.
A refusal leaves every file of the running config as it was and is kept, with its reason, for
the heartbeat.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from common.config_groups import target_path
from kiosk.config import ConfigError
from kiosk.config_updates.store import ConfigStore
from kiosk.operator_config import validate_operator

if TYPE_CHECKING:
    from tuf.ngclient import Updater


class Refused(Exception):
    """A new config refused; the message is the reason (one line, for operators)."""

    def __init__(self, reason: str, version: int | None = None):
        super().__init__(reason)
        self.version = version


class Unreachable(Exception):
    """The repository could not be asked (network, central down): nothing refused, try later."""


@dataclass(frozen=True)
class Outcome:
    version: int  # the version of the group's config the kiosk now has (running or staged)
    seen: int | None  # the newest version the repository offered
    new: bool  # a new version was staged by this round


def _reason(exc) -> str:
    from tuf.api import exceptions as tuf_errors

    if isinstance(exc, tuf_errors.ExpiredMetadataError):
        return f"expired metadata: {exc}"
    if isinstance(exc, tuf_errors.UnsignedMetadataError):
        return f"bad signature: {exc}"
    if isinstance(exc, tuf_errors.BadVersionNumberError):
        return f"metadata version refused (rollback or mix-and-match): {exc}"
    if isinstance(exc, tuf_errors.LengthOrHashMismatchError):
        return f"tampered: {exc}"
    return f"repository refused: {exc}"


class ConfigUpdater:
    """`check(config)` raises ConfigError for an operator config the kiosk could not run (by
    default only the schema); `url` is the repository's (URL/metadata/, URL/targets/)."""

    def __init__(self, store: ConfigStore, url: str, trust: str | Path, group: str, *,
                 check: Callable[[dict[str, Any]], None] | None = None):
        self.store = store
        self.fetcher = None  # tuf.ngclient's own, unless signed as a kiosk (SignedFetcher)
        self.url = url.rstrip("/")
        self.trust = Path(trust)
        self.group = group
        self.path = target_path(group)
        self.check = check or (lambda config: validate_operator(config))

    def fetch(self) -> Outcome:
        """One round: stage a newer verified config if there is one. Raises Refused (recorded in
        the status) or Unreachable (recorded as the last error)."""
        self.store.update_status(checked_at=round(time.time()))
        try:
            outcome = self._round()
        except Refused as exc:
            self.store.refused(exc.version, str(exc))
            raise
        except Unreachable as exc:
            self.store.update_status(last_error=str(exc))
            raise
        self.store.update_status(last_error=None, seen=outcome.seen)
        return outcome

    def _updater(self) -> Updater:
        # tuf is imported here, on the poller's thread, not while the kiosk starts.
        from tuf.api import exceptions as tuf_errors
        from tuf.ngclient import Updater

        metadata = self.store.dir / "metadata"
        metadata.mkdir(exist_ok=True)
        downloads = self.store.dir / "downloads"
        downloads.mkdir(exist_ok=True)
        # The installed root is the trust anchor the first time; after that the root ngclient
        # keeps (itself verified from that anchor, rotations included).
        bootstrap = None if (metadata / "root.json").exists() else self._trust_bytes()
        try:
            return Updater(str(metadata), f"{self.url}/metadata/", str(downloads), f"{self.url}/targets/",
                           fetcher=self.fetcher, bootstrap=bootstrap)
        except tuf_errors.RepositoryError as exc:
            raise Refused(f"the installed root of trust is not usable: {exc}") from None

    def _trust_bytes(self) -> bytes:
        try:
            return self.trust.read_bytes()
        except OSError as exc:
            raise Refused(f"no root of trust at {self.trust}: {exc.strerror}") from None

    def _round(self) -> Outcome:
        from tuf.api import exceptions as tuf_errors

        updater = self._updater()
        try:
            updater.refresh()
            info = updater.get_targetinfo(self.path)
        except tuf_errors.RepositoryError as exc:
            raise Refused(_reason(exc)) from None
        except tuf_errors.DownloadHTTPError as exc:
            if exc.status_code in (401, 403):  # central serves its repository to its kiosks only
                raise Unreachable(f"the repository refused this download (HTTP {exc.status_code}): "
                                  "not signed as an enrolled kiosk") from None
            raise Unreachable(f"repository unreachable: {exc}") from None
        except (tuf_errors.DownloadError, OSError) as exc:
            raise Unreachable(f"repository unreachable: {exc}") from None
        running = self.store.running_version()
        if info is None:
            return Outcome(running, None, False)
        version = int((info.unrecognized_fields.get("custom") or {}).get("version", 0))
        self.store.update_status(seen=version)  # signed and offered, whatever becomes of it
        staged = self.store.staged()
        have = int(staged["version"]) if staged else running
        if version == have:
            return Outcome(have, version, False)
        if version < running:
            raise Refused(f"version {version} is older than the running {running}", version)
        if version == self.store.refused_version():  # refused before: said so already, said again
            raise Refused(self.store.status()["rejected"]["reason"], version)
        try:
            path = updater.download_target(info, str(self.store.dir / "downloads" / f"{version}.json"))
        except tuf_errors.RepositoryError as exc:
            raise Refused(_reason(exc), version) from None
        except (tuf_errors.DownloadError, OSError) as exc:
            raise Unreachable(f"repository unreachable: {exc}") from None
        doc = self._document(Path(path), version)
        rollout = (info.unrecognized_fields.get("custom") or {}).get("rollout")
        if rollout is not None:  # signed with the target: which kiosks take it first
            doc["rollout"] = rollout
        Path(path).unlink(missing_ok=True)
        self.store.stage(doc)
        return Outcome(version, version, True)

    def _document(self, path: Path, version: int) -> dict[str, Any]:
        try:
            doc = json.loads(path.read_bytes())
        except ValueError as exc:
            raise Refused(f"version {version} is not JSON: {exc}", version) from None
        if not isinstance(doc, dict) or not isinstance(doc.get("config"), dict):
            raise Refused(f"version {version} is not an operator config document", version)
        if doc.get("group") != self.group:
            raise Refused(f"version {version} is for group {doc.get('group')!r}, this kiosk is in {self.group!r}",
                          version)
        if doc.get("version") != version:
            raise Refused(f"the document says version {doc.get('version')!r}, its signed entry {version}", version)
        try:
            self.check(doc["config"])
        except ConfigError as exc:
            raise Refused(f"version {version} fails the schema: {exc}", version) from None
        return {"group": self.group, "version": version, "config": doc["config"]}
