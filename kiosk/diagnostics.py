"""The technicians' mode, without widgets: PIN, a snapshot of everything, self-tests, the
actions that fix things (sync now, a dead letter sent again or discarded with a reason, a device
reconnected, the kiosk out of service with a message and back), emulator control, recent log
lines. Every entry, action, refusal and exit goes to the audit trail (kiosk/audit.py).

The screen (screens/diagnostics.py) renders `snapshot()` and calls the rest; so could a remote
tool. Nothing here shows personal data: device statuses, queue counts and log lines only, and
log lines are masked as the log files are.
"""

from __future__ import annotations

import collections
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable

from drivers.emulation.control import ControlError, Controllable, dispatch, send_control
from kiosk.config import DiagnosticsConfig
from kiosk.pin import PIN_ITERATIONS, hash_pin, pin_matches
from kiosk.privacy import MaskingFormatter

log = logging.getLogger(__name__)

__all__ = ["PIN_ITERATIONS", "Diagnostics", "PinLock", "RecentLog", "hash_pin"]

MAX_LOCKOUT_S = 86400


class PinLock:
    """Checks the PIN; after `lockout_failures` wrong ones it refuses every try for `lockout_s`,
    doubled with each further lockout (up to a day) until the right PIN is given.

    The count and the lockout are kept in `state_path` (mode 0600, no PIN in it), so a restart
    (or pulling the plug) does not clear them; with no path they live in memory. A state file
    that cannot be read locks, rather than forgetting. Times are wall-clock, so that they mean
    the same after a restart: a clock set back lengthens a lockout, one set forward shortens it.
    """

    def __init__(self, config: DiagnosticsConfig, *, state_path: str | Path | None = None,
                 clock: Callable[[], float] = time.time):
        self._config = config
        self._clock = clock
        self._path = None if state_path is None else Path(state_path)
        self._lock = threading.Lock()
        self._state = self._load()
        self.last_actor: str | None = None  # who the last right PIN belonged to

    @property
    def enabled(self) -> bool:
        return self._config.pin_hash is not None or bool(self._config.technicians)

    @property
    def state_path(self) -> Path | None:
        return self._path

    def locked_for(self) -> float:
        """Seconds until a PIN may be tried again (0 when it may)."""
        return max(0.0, self._state["locked_until"] - self._clock())

    def check(self, pin: str) -> bool:
        with self._lock:
            if not self.enabled or self.locked_for() > 0:
                return False
            who = self._matches(pin)
            if who is not None:
                self._save({"failures": 0, "lockouts": 0, "locked_until": 0.0})
                self.last_actor = who
                return True
            state = dict(self._state, failures=self._state["failures"] + 1)
            log.warning("diagnostics: wrong PIN (%d of %d)", state["failures"], self._config.lockout_failures)
            if state["failures"] >= self._config.lockout_failures:
                lockout = min(MAX_LOCKOUT_S, self._config.lockout_s * 2 ** min(state["lockouts"], 20))
                state.update(failures=0, lockouts=state["lockouts"] + 1, locked_until=self._clock() + lockout)
                log.warning("diagnostics: locked for %d s after repeated wrong PINs", lockout)
            self._save(state)
            return False

    def _matches(self, pin: str) -> str | None:
        """Who the PIN is: a named technician (`technician:<id>`), the site's shared PIN
        (`technician`), or None. Which one opened the mode is logged (never the PIN)."""
        for technician in self._config.technicians:
            if pin_matches(pin, technician.pin_hash):
                log.info("diagnostics: opened by technician %s", technician.id)
                return f"technician:{technician.id}"
        if self._config.pin_hash is not None and pin_matches(pin, self._config.pin_hash):
            return "technician"
        return None

    def _load(self) -> dict[str, Any]:
        fresh = {"failures": 0, "lockouts": 0, "locked_until": 0.0}
        if self._path is None or not self._path.exists():
            return fresh
        try:
            state = json.loads(self._path.read_text())
            return {key: type(fresh[key])(state[key]) for key in fresh}
        except (OSError, ValueError, KeyError, TypeError):
            log.error("diagnostics: lockout state %s unreadable; locked for %d s", self._path, self._config.lockout_s)
            return {**fresh, "lockouts": 1, "locked_until": self._clock() + self._config.lockout_s}

    def _save(self, state: dict[str, Any]) -> None:
        self._state = state
        if self._path is None:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._path.with_name(self._path.name + ".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            json.dump(state, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self._path)


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

    @property
    def export_dir(self) -> str:
        return self._core.config.diagnostics.export_dir

    @property
    def idle_exit_s(self) -> int:
        return self._core.config.diagnostics.idle_exit_s

    def close(self) -> None:
        logging.getLogger().removeHandler(self.recent_log)

    # ---- entering and leaving -----------------------------------------------------------------
    @property
    def visit_in_progress(self) -> bool:
        return self._core.session.visit is not None

    def enter(self, pin: str) -> bool:
        """The PIN, checked and audited. Refused while a citizen's visit is under way."""
        if self._core.session.visit is not None:
            self.audit.record(self.SCREEN_ACTOR, "enter", "refused", reason="visit_in_progress")
            return False
        if self.pin.check(pin):
            self.actor = self.pin.last_actor or self.SCREEN_ACTOR
            self.audit.record(self.actor, "enter")
            return True
        locked = self.pin.locked_for()
        self.audit.record(self.SCREEN_ACTOR, "enter", "refused", reason="locked" if locked else "wrong_pin",
                          locked_for_s=round(locked))
        return False

    def exit(self, reason: str = "closed") -> None:
        """`reason`: closed (the technician left) or idle (the mode closed itself)."""
        self.audit.record(self.actor, "exit", reason=reason)
        self.actor = self.SCREEN_ACTOR

    # ---- what the screen shows -----------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        core = self._core
        status = core.heartbeat_status()
        events = [{"at": at, "device": e.device, "kind": e.kind, "message": e.message}
                  for at, e in list(core.devices.recent_events)[-30:]]
        return {
            "kiosk": core.config.kiosk.id,
            "config_version": core.config_version,
            "devices": status["devices"],
            "events": events,
            "services": status["services"],
            "queue": status["queue"],  # read once, with the rest of the heartbeat
            "sync": core.sync.state.to_dict(),
            "emulated": sorted(self._emulators),
            "dead_letters": core.outbox.dead_letters()[:20],
            "out_of_service": status.get("maintenance"),
            "self_tests": self.self_tests,
        }

    def log_lines(self, count: int = 50) -> list[str]:
        return list(self.recent_log.lines)[-count:]

    # ---- what the technician can do --------------------------------------------------------
    def self_test(self, device: str) -> dict[str, Any]:
        """The device's self-test (kiosk/selftests/), kept and audited as this technician's."""
        return self._core.self_tests.run(device, self.actor)

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
        if device not in self._core.config.devices:
            raise ValueError(f"no device {device!r} in the configuration")
        status = self._core.devices.reconnect(device).to_json()
        self.audit.record(self.actor, "reconnect", device=device, state=status["state"])
        return status

    def out_of_service(self, message: str) -> dict[str, Any]:
        """Citizens see `message` and no service until `back_in_service`; a visit under way
        finishes first."""
        notice = self._core.maintenance.set(message, self.actor)
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
