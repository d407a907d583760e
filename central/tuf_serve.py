"""Central's side of the operator-config repository: its files under /tuf/, its timestamp fresh.

The repository (central/tuf_repo.py) is served as plain files, /tuf/metadata/… and
/tuf/targets/…, read by kiosks without signing in: everything in it is signed, and trust comes
from the root installed on each kiosk, not from the connection. With the timestamp role's key
(the one online key), central re-signs the timestamp whenever less than half of its life is left,
so an idle repository never expires while a cut-off kiosk still notices within hours.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from central.tuf_keys import load_signer
from central.tuf_repo import EXPIRY, ConfigRepository

log = logging.getLogger(__name__)


def mount(app: FastAPI, repo_dir: str | Path) -> None:
    repo = ConfigRepository(repo_dir)
    for part, directory in (("metadata", repo.metadata_dir), ("targets", repo.targets_dir)):
        directory.mkdir(parents=True, exist_ok=True)
        app.mount(f"/tuf/{part}", StaticFiles(directory=directory), name=f"tuf-{part}")


class TimestampKeeper:
    """Re-signs the timestamp before it expires; `check()` once, or `start()` a thread doing it."""

    def __init__(self, repo_dir: str | Path, key_file: str | Path, *, lifetime: timedelta = EXPIRY["timestamp"],
                 every_s: float = 60.0):
        self.repo = ConfigRepository(repo_dir)
        self.signer = load_signer(key_file)  # a bad or exposed key fails at start, not hours later
        self.lifetime = lifetime
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> bool:
        """Re-sign if less than half the lifetime is left; True if it did."""
        try:
            left = self.repo.timestamp_expires() - datetime.now(timezone.utc)
        except FileNotFoundError:
            return False  # no repository yet: `kiosk admin repo init` makes one
        if left > self.lifetime / 2:
            return False
        version = self.repo.resign_timestamp(self.signer, expires_in=self.lifetime)
        log.info("tuf: timestamp re-signed (version %d)", version)
        return True

    def start(self) -> "TimestampKeeper":
        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.check()
                except Exception:  # a full disk now must not stop the next attempt
                    log.exception("tuf: timestamp not re-signed")
                self._stop.wait(self.every_s)

        self._thread = threading.Thread(target=loop, name="tuf-timestamp", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
