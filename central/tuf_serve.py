"""Central's side of the operator-config repository: its files under /tuf/, its timestamp fresh.

The repository (central/tuf_repo.py) is served as plain files, /tuf/metadata/… and
/tuf/targets/…, to enrolled kiosks only: each request is signed like the rest of the kiosk API.
Trust in what they hold comes from the root installed on each kiosk, not from the connection;
the signature on the request keeps the configs (technicians' PIN hashes among them) from
anyone else on the network. With the timestamp role's key
(the one online key), central re-signs the timestamp whenever less than half of its life is left,
so an idle repository never expires while a cut-off kiosk still notices within hours.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse

from central.auth import SignedRequest, signed
from central.context import central_of

from central.tuf_keys import load_signer
from central.tuf_repo import EXPIRY, ConfigRepository

log = logging.getLogger(__name__)


def mount(app: FastAPI, repo_dir: str | Path) -> None:
    repo = ConfigRepository(repo_dir)
    directories = {"metadata": repo.metadata_dir.resolve(), "targets": repo.targets_dir.resolve()}
    for directory in directories.values():
        directory.mkdir(parents=True, exist_ok=True)

    @app.get("/tuf/{part}/{name:path}", include_in_schema=False)
    def repository_file(part: str, name: str, request: Request,
                        signed_request: SignedRequest = Depends(signed)) -> FileResponse:
        central = central_of(request)
        with central.engine.begin() as conn:
            central.verifier.authenticate(conn, signed_request)
        directory = directories.get(part)
        path = (directory / name).resolve() if directory is not None else None
        # 404 for what is not there: ngclient reads it as "no newer root" when it looks ahead.
        if path is None or not path.is_relative_to(directory) or not path.is_file():
            raise HTTPException(404, "not in the repository")
        return FileResponse(path, media_type="application/json", headers={"cache-control": "no-store"})


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
