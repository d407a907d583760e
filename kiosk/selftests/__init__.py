"""Device self-tests, run by the core on the caller's thread (the screen and the local control
channel call from their own threads, never from the GUI's).

`SelfTests.run(device, actor)` borrows the opened device, runs its class's check (checks.py),
and gives {device, state: passed|failed|no_device, summary, details, elapsed_ms, at}. The last
result per device is kept in the data directory (store.py), so it survives a restart and goes
into the diagnostic bundle, and every run is on the audit trail. The camera's last frame is not
part of the result: it is only handed to `show_frame` (the diagnostics screen's preview). One
test at a time: two checks on one device would interleave their commands.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timezone
from typing import Any, Callable

from drivers.base import DeviceError, DeviceState, NotPresent
from kiosk.selftests.checks import CHECKS, Outcome, Parts, Timings
from kiosk.selftests.readout import status_readout
from kiosk.selftests.store import FILE_NAME, ResultStore

log = logging.getLogger(__name__)

__all__ = ["FILE_NAME", "ResultStore", "SelfTests", "Timings"]

PASSED, FAILED, NO_DEVICE = "passed", "failed", "no_device"


class SelfTests:
    def __init__(self, core, *, timings: Timings | None = None):
        self._core = core
        self.timings = timings or Timings()
        self.store = ResultStore(core.config.data_path(FILE_NAME))
        self._lock = threading.Lock()

    def results(self) -> dict[str, dict[str, Any]]:
        """The last result of each device tested, this run or an earlier one."""
        return self.store.all()

    def run(self, device: str, actor: str, *, show_frame: Callable[[Any, dict[str, Any]], None] | None = None
            ) -> dict[str, Any]:
        """`show_frame(frame, result)`: handed the camera's last frame, if the test has one (the
        diagnostics screen's preview); the frame is not kept here."""
        if device not in self._core.config.devices:
            raise ValueError(f"no device {device!r} in the configuration")
        with self._lock:
            started = time.perf_counter()
            state, outcome, status = self._run(device)
            result = {
                "device": device,
                "state": state,
                "summary": outcome.summary,
                "details": {**outcome.details, "status": status},
                "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
                "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            }
        try:
            self.store.put(result)
        except OSError as exc:  # the result is still shown and audited; only keeping it failed
            log.error("self-test result of %s not kept: %s", device, exc)
        log.info("self-test of %s: %s (%s)", device, state, outcome.summary)
        self._core.audit.record(actor, "self_test", "done" if state == PASSED else "failed", device=device,
                                state=state, summary=outcome.summary)
        self._core.devices.poll_once(force=True)  # the screens see the state the test found
        if show_frame is not None and outcome.frame is not None:
            show_frame(outcome.frame, result)
        return result

    def _run(self, device: str) -> tuple[str, Outcome, dict[str, Any] | None]:
        core = self._core
        try:
            with core.devices.in_use(device) as opened:
                check = CHECKS.get(opened.device_class)
                try:
                    if check is None:  # a class without its own test: its status is all there is
                        outcome = _status_only(opened)
                    else:
                        outcome = check(opened, self._parts())
                except DeviceError as exc:
                    outcome = Outcome(False, f"{exc.kind}: {exc.message}")
                    if isinstance(exc, NotPresent):
                        raise
                except Exception as exc:  # a self-test reports what broke; it never takes the kiosk down
                    log.exception("self-test of %s broke", device)
                    outcome = Outcome(False, f"self-test broke: {type(exc).__name__}")
                status = opened.status().to_json()
        except DeviceError as exc:
            return NO_DEVICE, Outcome(False, exc.message), None
        if status["state"] == DeviceState.NO_DEVICE.value:
            return NO_DEVICE, Outcome(False, status["message"] or outcome.summary, outcome.details), status
        return (PASSED if outcome.passed else FAILED), outcome, status

    def _parts(self) -> Parts:
        core = self._core
        return Parts(readout=lambda: status_readout(core), issuer=core.config.kiosk.issuer.zh,
                     find_face=self._find_face, timings=self.timings)

    def _find_face(self, image) -> dict[str, Any]:
        """The primary face's box, by the identity check's own detector (in the face worker)."""
        from kiosk.identity.verifier import FaceSettings
        from kiosk.identity.worker import WorkerRequestFailed, WorkerUnavailable

        limits = FaceSettings.from_config(self._core.config.identity).limits
        try:
            analysis = self._core.face_worker.analyse(image, limits, False)
        except (WorkerUnavailable, WorkerRequestFailed) as exc:
            return {"faces": None, "box": None, "error": str(exc)}
        box = analysis.box
        return {"faces": analysis.faces,
                "box": None if box is None else [round(box.left), round(box.top), round(box.right), round(box.bottom)]}


def _status_only(device) -> Outcome:
    status = device.status()
    return Outcome(status.state == DeviceState.ONLINE, f"{status.state.value}: {status.message}".rstrip(": "))
