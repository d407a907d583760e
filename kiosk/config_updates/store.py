"""The kiosk's operator configs on disk: what it runs, what last ran well, what waits.

In the state directory (UpdatesConfig.state_dir), each a whole JSON document
{"group", "version", "config"} or absent:

- `staged.json`  verified and downloaded, waiting for the kiosk to be between visits;
- `current.json` the one the kiosk runs (or is about to start with);
- `good.json`    the last one the kiosk started with: the fallback;
- `status.json`  what the heartbeat reports: the version seen, the last refusal and its reason.

Every file is written beside itself and renamed into place, and applying is one rename of
staged.json onto current.json, so a kill at any moment leaves each file whole: the old config
or the new one, never half of either. tuf.ngclient keeps its metadata in `metadata/` beside them.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from common.files import fsync_directory, write_atomically

STAGED, CURRENT, GOOD, STATUS = "staged.json", "current.json", "good.json", "status.json"


class ConfigStore:
    def __init__(self, state_dir: str | Path):
        self.dir = Path(state_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        # The updater's thread and the heartbeat's (central's release) both write status.json:
        # one at a time, each read-modify-write whole.
        self._lock = threading.RLock()

    # ---- documents -------------------------------------------------------------------------
    def read(self, name: str) -> dict[str, Any] | None:
        try:
            doc = json.loads((self.dir / name).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return None  # cannot happen through write_atomically; a hand-damaged file is ignored
        return doc if isinstance(doc, dict) else None

    def _write(self, name: str, doc: dict[str, Any]) -> None:
        with self._lock:
            write_atomically(self.dir / name, (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode())

    def running_version(self) -> int:
        current = self.read(CURRENT)
        return int(current["version"]) if current else 0

    def stage(self, doc: dict[str, Any]) -> None:
        self._write(STAGED, doc)

    def staged(self) -> dict[str, Any] | None:
        """The staged document if it is newer than the current one (else it is stale: dropped)."""
        doc = self.read(STAGED)
        if doc is not None and int(doc.get("version", 0)) <= self.running_version():
            (self.dir / STAGED).unlink(missing_ok=True)
            return None
        return doc

    def apply_staged(self) -> dict[str, Any] | None:
        """Make the staged document current (one rename); None when nothing newer waits."""
        doc = self.staged()
        if doc is None:
            return None
        os.replace(self.dir / STAGED, self.dir / CURRENT)
        fsync_directory(self.dir)
        return doc

    def confirm(self, doc: dict[str, Any]) -> None:
        """The kiosk started with `doc`: it is the fallback from now on."""
        if self.read(GOOD) != doc:
            self._write(GOOD, doc)

    def fall_back(self, doc: dict[str, Any], reason: str) -> None:
        """The kiosk cannot start with `doc`: the last good one becomes current again (or none),
        and the refusal is kept for the heartbeat, so that version is not applied again."""
        self.refused(int(doc.get("version", 0)), reason, fallback=True)
        good = self.read(GOOD)
        if good is not None and good != doc:
            self._write(CURRENT, good)
        else:
            (self.dir / CURRENT).unlink(missing_ok=True)

    # ---- status ----------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        return self.read(STATUS) or {}

    def update_status(self, **changes: Any) -> None:
        with self._lock:
            status = self.status()
            status.update(changes)
            self._write(STATUS, status)

    def refused(self, version: int | None, reason: str, *, fallback: bool = False) -> None:
        self.update_status(rejected={"version": version, "reason": reason, "at": round(time.time()),
                                     "fallback": fallback})

    def refused_version(self) -> int | None:
        rejected = self.status().get("rejected") or {}
        return rejected.get("version")
