"""The technicians' mode, without widgets: PIN, a snapshot of everything, self-tests, the
actions that fix things (sync now, a dead letter sent again or discarded with a reason, a device
reconnected, the kiosk out of service with a message and back), emulator control, recent log
lines. Every entry, action, refusal and exit goes to the audit trail (kiosk/audit.py).

The screen (screens/diagnostics.py) renders `snapshot()` and calls the rest; so could a remote
tool. Nothing here shows personal data: device statuses, queue counts and log lines only, and
log lines are masked as the log files are. The one picture, the camera self-test's last frame
of the technician, is handed to the screen while the mode is open and never kept.
"""

from __future__ import annotations

import collections
import logging
import time
from pathlib import Path
from typing import Any, Callable

from drivers.emulation.control import ControlError, Controllable, dispatch, send_control
from kiosk import overview
from kiosk.pin import PIN_ITERATIONS, hash_pin
from kiosk.pin_lock import Account, Check, PinLock
from kiosk.privacy import MaskingFormatter
from kiosk.selftests.preview import CameraPicture, camera_picture

log = logging.getLogger(__name__)

__all__ = ["PIN_ITERATIONS", "Account", "Check", "Diagnostics", "PinLock", "RecentLog", "hash_pin"]


class RecentLog(logging.Handler):
    """The last lines of the kiosk's log, masked, for the diagnostics screen."""

    def __init__(self, capacity: int = 300):
        super().__init__(level=logging.INFO)
        self.lines: collections.deque[str] = collections.deque(maxlen=capacity)
        self.setFormatter(MaskingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # a log line must never break the kiosk
            self.handleError(record)


# An emulator reachable in this process, or by its control port ("host:port").
EmulatorHandle = Controllable | str


class Diagnostics:
    # Who acts on the screen before anyone entered (an audited refusal): the site's PIN holder.
    SCREEN_ACTOR = "technician"

    def __init__(self, core, *, emulators: dict[str, EmulatorHandle] | None = None,
                 clock: Callable[[], float] = time.time):
        self._core = core
        self.audit = core.audit
        self.actor = self.SCREEN_ACTOR  # who entered the mode on the screen: their actions are theirs
        self.pin = PinLock(core.config.diagnostics, state_path=core.config.data_path("diagnostics-lock.json"),
                           clock=clock)
        self._emulators = dict(emulators or {})
        self.recent_log = RecentLog()
        logging.getLogger().addHandler(self.recent_log)
        self._camera_listener: Callable[[CameraPicture | None], None] | None = None

    @property
    def export_dir(self) -> str:
        return self._core.config.diagnostics.export_dir

    @property
    def idle_exit_s(self) -> int:
        return self._core.config.diagnostics.idle_exit_s

    def close(self, reason: str = "shutdown") -> None:
        """The kiosk stops (`reason`: shutdown, or config_applied when it starts again on a new
        operator config): a mode still open is left on the audit trail with that reason."""
        if self.is_open:
            self.exit(reason)
        logging.getLogger().removeHandler(self.recent_log)

    # ---- entering and leaving -----------------------------------------------------------------
    @property
    def visit_in_progress(self) -> bool:
        return self._core.session.visit is not None

    def accounts(self) -> list[Account]:
        """Whom the screen offers to pick before the PIN (kiosk/pin_lock.py)."""
        return self.pin.accounts()

    def enter(self, account: str, pin: str) -> Check:
        """`account`'s PIN, checked and audited (with the account's id, never the PIN); truthy
        when the mode is open. Refused while a citizen's visit is under way."""
        if self._core.session.visit is not None:
            self.audit.record(self._refused_as(account), "enter", "refused", reason="visit_in_progress",
                              account=account)
            return Check(False, "visit_in_progress")
        result = self.pin.check(account, pin)
        if result:
            self.actor = account
            self._core.technician_in_mode.set()  # a staged operator config waits for the exit
            self.audit.record(self.actor, "enter")
            self._core.device_counters.technician_visit()  # "since the last visit" starts here
            return result
        detail = {"locked": result.locked} if result.locked else {}
        self.audit.record(self._refused_as(account), "enter", "refused", reason=result.reason, account=account,
                          locked_for_s=round(result.locked_for_s), **detail)
        return result

    def _refused_as(self, account: str) -> str:
        """Whose refusal it is: a named account's own (so its page at central shows the wrong
        PINs and lockouts), the generic actor for a name that is no account."""
        return account if any(known.id == account for known in self.pin.accounts()) else self.SCREEN_ACTOR

    @property
    def is_open(self) -> bool:
        return self._core.technician_in_mode.is_set()

    def exit(self, reason: str = "closed") -> None:
        """`reason`: closed (the technician left), idle (the mode closed itself), or why the
        kiosk stopped under them (`close`)."""
        self.audit.record(self.actor, "exit", reason=reason)
        self.actor = self.SCREEN_ACTOR
        self._core.technician_in_mode.clear()
        if (listener := self._camera_listener) is not None:
            listener(None)  # the camera self-test's picture goes with the mode

    # ---- what the screen shows -----------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """The overview (kiosk/overview.py), and which devices are emulators this mode controls."""
        return {**overview.running(self._core), "emulated": sorted(self._emulators)}

    def log_lines(self, count: int = 50) -> list[str]:
        return list(self.recent_log.lines)[-count:]

    # ---- what the technician can do --------------------------------------------------------
    def self_test(self, device: str) -> dict[str, Any]:
        """The device's self-test (kiosk/selftests/), kept and audited as this technician's."""
        self._known_device(device, "self_test")
        return self._core.self_tests.run(device, self.actor, show_frame=self._show_camera_frame)

    def show_camera_pictures(self, listener: Callable[[CameraPicture | None], None] | None) -> None:
        """`listener` (the screen) is handed the camera self-test's last frame, downscaled with its
        face box and frame rate (kiosk/selftests/preview.py), on the test's thread, and None when
        the mode closes. Handed on, never kept."""
        self._camera_listener = listener

    def _show_camera_frame(self, frame, result: dict[str, Any]) -> None:
        listener = self._camera_listener
        if listener is None or not self.is_open or self.visit_in_progress:
            return  # only to a technician in the mode, never while a citizen may be at the camera
        listener(camera_picture(frame, result["details"]))

    def _known_device(self, device: str, action: str) -> None:
        """A device the configuration has; else `action` is refused, on the audit trail too."""
        if device not in self._core.config.devices:
            self.audit.record(self.actor, action, "refused", device=device, reason="no such device")
            raise ValueError(f"no device {device!r} in the configuration")

    @property
    def self_tests(self) -> dict[str, dict[str, Any]]:
        """The last self-test of each device, kept across restarts."""
        return self._core.self_tests.results()

    def sync_now(self) -> dict[str, Any]:
        """Wake the sync worker now instead of at its next backoff step."""
        self._core.sync.wake()
        stats = self._core.outbox.stats()
        self.audit.record(self.actor, "sync", pending=stats["pending"])
        return {"pending": stats["pending"], "online": self._core.sync.state.online}

    def dead_letters(self) -> list[dict[str, Any]]:
        return self._core.outbox.dead_letters()

    def retry_dead_letter(self, key: str) -> bool:
        done = self._core.outbox.retry_dead(key)
        self.audit.record(self.actor, "dead_letter_retry", "done" if done else "not_found", key=key)
        if done:
            self._core.sync.wake()
        return done

    def discard_dead_letter(self, key: str, reason: str) -> bool:
        if not reason.strip():
            self.audit.record(self.actor, "dead_letter_discard", "refused", key=key, reason="no reason given")
            raise ValueError("discarding a dead letter needs a reason")
        done = self._core.outbox.discard(key, reason)
        self.audit.record(self.actor, "dead_letter_discard", "done" if done else "not_found", key=key, reason=reason)
        return done

    def reconnect(self, device: str) -> dict[str, Any]:
        """Close the device and open it again (a reader that hung, a printer power-cycled)."""
        self._known_device(device, "reconnect")
        status = self._core.devices.reconnect(device).to_json()
        self.audit.record(self.actor, "reconnect", device=device, state=status["state"])
        return status

    def out_of_service(self, message: str) -> dict[str, Any]:
        """Citizens see `message` and no service until `back_in_service`; a visit under way
        finishes first."""
        try:
            notice = self._core.maintenance.set(message, self.actor)
        except ValueError as exc:  # no message, or one too long for the citizens' screen
            self.audit.record(self.actor, "service_off", "refused", reason=str(exc))
            raise
        self.audit.record(self.actor, "service_off", message=notice.message)
        self._core.refresh_availability()
        return {"out_of_service": True, "message": notice.message}

    def back_in_service(self) -> dict[str, Any]:
        was = self._core.maintenance.clear()
        self.audit.record(self.actor, "service_on", "done" if was else "not_out_of_service")
        self._core.refresh_availability()
        return {"out_of_service": False}

    def export(self, out: str | Path) -> dict[str, Any]:
        """The diagnostic bundle (kiosk/bundle.py) to `out`, e.g. a USB stick's mount point."""
        from kiosk.bundle import write_bundle

        core = self._core
        path = Path(out)
        if not path.name.endswith(".tar.gz"):  # a directory: a USB stick's mount point
            if not path.is_dir():
                self.audit.record(self.actor, "export", "failed", reason=f"nothing mounted at {path}")
                raise ValueError(f"nothing mounted at {path}: insert the USB stick")
            path = path / f"kiosk-{core.config.kiosk.id}-{time.strftime('%Y%m%d-%H%M%S')}.tar.gz"
        try:
            written = write_bundle(path, config=core.config, outbox=core.outbox, audit=self.audit,
                                   maintenance=core.maintenance, snapshot=self.snapshot(), self_tests=self.self_tests)
        except OSError as exc:
            self.audit.record(self.actor, "export", "failed", reason=exc.strerror or type(exc).__name__)
            raise
        self.audit.record(self.actor, "export", bytes=written.stat().st_size)
        return {"path": str(written), "bytes": written.stat().st_size}

    def control(self, device: str, command: dict[str, Any]) -> dict[str, Any]:
        """Send one control command (fault, clear_fault, load_card …) to the device's emulator;
        audited like the technician's other steps (a fault injected is part of what they did)."""
        answer = self._control(device, command)
        detail = {"device": device, "op": command.get("op")}
        if command.get("kind") is not None:
            detail["kind"] = command["kind"]
        self.audit.record(self.actor, "emulator_control", "done" if answer.get("ok") else "failed", **detail)
        return answer

    def _control(self, device: str, command: dict[str, Any]) -> dict[str, Any]:
        handle = self._emulators.get(device)
        if handle is None:
            return {"ok": False, "error": f"{device} is real hardware here, not an emulator"}
        log.info("diagnostics: emulator %s ← %s", device, command.get("op"))
        if isinstance(handle, str):
            host, _, port = handle.rpartition(":")
            try:
                return send_control(host, int(port), command)
            except (OSError, ValueError, ControlError) as exc:
                return {"ok": False, "error": f"emulator control at {handle}: {exc}"}
        return dispatch(handle, command)
