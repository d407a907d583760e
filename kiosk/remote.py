"""Support's requests from central, done between visits: a screenshot, a diagnostic bundle.

Central lists what support asked for in the heartbeat's answer (central/remote.py); `heard` takes
the new ones, `work` does them on a worker thread and uploads the result over the kiosk's signed
HTTP, or tells central why not. A screenshot is never of a visit: while one is in progress the
request is refused (not kept for later, so it cannot fire into the next visit), and whether
the kiosk is idle is asked again on the GUI thread just before the grab and once more after it.
A bundle (kiosk/bundle.py: masked, nothing of a citizen) waits for the visit to end. Each
request's arrival and its outcome go to the audit trail, and so through the outbox to central.

The core knows no Qt: the screens register `capture(still_idle) -> PNG bytes | None` (None:
`still_idle()` said no); a kiosk without a screen refuses with "no_screen".
"""

from __future__ import annotations

import collections
import logging
import re
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.central_client import CentralRejected, CentralUnavailable

log = logging.getLogger(__name__)

_REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")
_OPERATOR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")  # central/operators.py OPERATOR_ID
CONTENT_TYPES = {"screenshot": "image/png", "bundle": "application/gzip"}
MAX_UPLOAD = 5 * 1024 * 1024  # central/guard.py's limit for /api/v1/remote
REMEMBERED = 200  # ids done lately: central may list one again before it has our answer

Capture = Callable[[Callable[[], bool]], "bytes | None"]


class RemoteSupport:
    def __init__(self, *, central, audit, idle: Callable[[], bool], write_bundle: Callable[[Path], Path],
                 work_dir: Path):
        self._central = central
        self._audit = audit
        self._idle = idle
        self._write_bundle = write_bundle
        self._work_dir = Path(work_dir)
        self.capture: Capture | None = None  # registered by the screens (screens/remote_capture.py)
        self._lock = threading.Lock()
        self._working = threading.Lock()
        self._waiting: dict[str, dict[str, str]] = {}
        self._done: collections.deque[str] = collections.deque(maxlen=REMEMBERED)

    def heard(self, requests: Any) -> bool:
        """The heartbeat answer's `remote_requests`; True when there is something new to do."""
        new = False
        for item in requests if isinstance(requests, list) else []:
            if not isinstance(item, dict) or not _REQUEST_ID.match(str(item.get("id", ""))):
                continue
            request_id, kind = item["id"], str(item.get("kind", ""))[:20]
            by = str(item.get("by", ""))
            request = {"id": request_id, "kind": kind, "actor": f"support:{by}" if _OPERATOR.match(by) else "support"}
            with self._lock:
                if request_id in self._waiting or request_id in self._done:
                    continue
                self._waiting[request_id] = request
            self._record(request, "received")
            new = True
        return new

    def pending(self) -> bool:
        with self._lock:
            return bool(self._waiting)

    def work(self) -> None:
        """Do what is waiting; what cannot be done yet (a bundle during a visit) stays."""
        if not self._working.acquire(blocking=False):
            return  # another thread is at it, and takes what came meanwhile too
        try:
            while (request := self._next()) is not None:
                self._do(request)
        finally:
            self._working.release()

    def _next(self) -> dict[str, str] | None:
        idle = self._idle()
        with self._lock:
            for request in self._waiting.values():
                if request["kind"] != "bundle" or idle:
                    return request
        return None

    def _do(self, request: dict[str, str]) -> None:
        kind = request["kind"]
        if kind == "screenshot":
            self._screenshot(request)
        elif kind == "bundle":
            self._bundle(request)
        else:
            self._refuse(request, "unknown_kind")

    def _screenshot(self, request: dict[str, str]) -> None:
        if not self._idle():
            self._refuse(request, "visit_in_progress")
            return
        if self.capture is None:
            self._refuse(request, "no_screen")
            return
        try:
            png = self.capture(self._idle)
        except Exception:  # a broken grab must not take the kiosk down
            log.exception("screenshot failed")
            self._refuse(request, "capture_failed")
            return
        if png is None or not self._idle():  # a citizen came while it was taken: nothing is sent
            self._refuse(request, "visit_in_progress")
            return
        self._upload(request, png)

    def _bundle(self, request: dict[str, str]) -> None:
        self._work_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self._work_dir) as scratch:
            try:
                data = self._write_bundle(Path(scratch, "bundle.tar.gz")).read_bytes()
            except OSError as exc:
                log.error("diagnostic bundle not written: %s", exc)
                self._refuse(request, "bundle_failed")
                return
        self._upload(request, data)

    def _upload(self, request: dict[str, str], data: bytes) -> None:
        if len(data) > MAX_UPLOAD:
            self._refuse(request, "too_large")
            return
        try:
            self._central.remote_result(request["id"], CONTENT_TYPES[request["kind"]], data)
        except CentralUnavailable as exc:
            self._again_later(request, exc)
            return
        except CentralRejected as exc:  # expired, or answered already: never sent again
            self._finish(request, "failed", reason=f"central_{exc.status}")
            return
        self._finish(request, "done", bytes=len(data))

    def _refuse(self, request: dict[str, str], reason: str) -> None:
        try:
            self._central.remote_refused(request["id"], reason)
        except CentralUnavailable as exc:
            self._again_later(request, exc)
            return
        except CentralRejected as exc:
            log.warning("central did not take the refusal of %s: %s", request["id"], exc)
        self._finish(request, "refused", reason=reason)

    def _again_later(self, request: dict[str, str], exc: Exception) -> None:
        """Central is away: forgotten here, so the heartbeat that finds it again brings the
        request back and it is judged afresh (idle or not) then."""
        with self._lock:
            self._waiting.pop(request["id"], None)
        self._record(request, "failed", reason="central_unavailable")
        log.warning("answer to support's %s not sent: %s", request["kind"], exc)

    def _finish(self, request: dict[str, str], outcome: str, **detail: Any) -> None:
        with self._lock:
            self._waiting.pop(request["id"], None)
            self._done.append(request["id"])
        self._record(request, outcome, **detail)

    def _record(self, request: dict[str, str], outcome: str, **detail: Any) -> None:
        self._audit.record(request["actor"], f"remote_{request['kind']}"[:40], outcome, request=request["id"], **detail)
