"""Opens the configured devices, watches their status, reopens what was unplugged.

A background thread polls each device's status at its configured interval (never on the GUI
thread) and reports changes. A device that cannot be opened is reported as NO_DEVICE and retried
on the next poll, so a reader that is plugged back in is picked up without a restart. While a
service is using a device (`in_use`), its status poll is skipped rather than interleaved.
Each change is also named as events (device lost/back, paper low/out, cover open, card
inserted/removed: drivers/events.py), logged, kept for the diagnostics view and passed on.
What each device did (cards read, pages printed, failures …) is counted on the calls services
make through `in_use` (kiosk/device_counters.py).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from typing import Callable, Iterator

from drivers.base import Device, DeviceError, DeviceState, DeviceStatus, NotPresent
from drivers.events import DeviceEvent, status_events
from drivers.registry import open_device
from kiosk.config import DeviceConfig
from kiosk.device_counters import Counted, DeviceCounters

log = logging.getLogger(__name__)

FAULT_STATES = (DeviceState.NO_DEVICE, DeviceState.OFFLINE, DeviceState.HARDWARE_ERROR)


class DeviceMonitor:
    def __init__(
        self,
        configs: dict[str, DeviceConfig],
        on_change: Callable[[dict[str, DeviceStatus]], None] | None = None,
        *,
        opener: Callable[[str], Device] = open_device,
        on_event: Callable[[DeviceEvent], None] | None = None,
        counters: DeviceCounters | None = None,
    ):
        """`counters`: what each device did (kiosk/device_counters.py), counted on the calls
        made through `in_use` and the faults the polls find."""
        self._configs = configs
        self.counters = counters
        self._on_change = on_change
        self._opener = opener
        self._devices: dict[str, Device] = {}
        self._statuses: dict[str, DeviceStatus] = {
            name: DeviceStatus(name, DeviceState.NO_DEVICE, "not opened yet") for name in configs
        }
        self._on_event = on_event
        self._polled: set[str] = set()  # names polled at least once: their events compare
        self.recent_events: deque[tuple[float, DeviceEvent]] = deque(maxlen=200)
        self._busy: set[str] = set()
        self._next_poll: dict[str, float] = {name: 0.0 for name in configs}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ---- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        self.poll_once(force=True)
        self._thread = threading.Thread(target=self._run, name="device-monitor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)
        with self._lock:
            devices, self._devices = self._devices, {}
        for device in devices.values():
            with contextlib.suppress(Exception):
                device.close()

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self.poll_once()

    # ---- use ---------------------------------------------------------------------------------
    def statuses(self) -> dict[str, DeviceStatus]:
        with self._lock:
            return dict(self._statuses)

    @contextlib.contextmanager
    def in_use(self, name: str) -> Iterator[Device]:
        """Borrow an opened device for one operation; opens it first if needed."""
        device = self._ensure_open(name)
        with self._lock:
            self._busy.add(name)
        try:
            yield device if self.counters is None else Counted(device, name, self.counters)
        except NotPresent:
            self._forget(name)
            raise
        finally:
            with self._lock:
                self._busy.discard(name)
            self._next_poll[name] = 0.0  # refresh its status right after use

    def reconnect(self, name: str) -> DeviceStatus:
        """Close `name` and open it again now; its fresh status (also published)."""
        with self._lock:
            busy = name in self._busy
        if busy:
            raise DeviceError(f"{name} is in use by a visit")
        self._forget(name)
        self._next_poll[name] = 0.0
        self.poll_once()
        return self.statuses()[name]

    def poll_once(self, force: bool = False) -> None:
        now = time.monotonic()
        changed = False
        for name, config in self._configs.items():
            if self._stop.is_set():
                return
            with self._lock:
                if name in self._busy or (not force and now < self._next_poll[name]):
                    continue
            self._next_poll[name] = now + config.poll_interval_s
            status = self._poll(name)
            with self._lock:
                before = self._statuses.get(name) if name in self._polled else None
                self._polled.add(name)
                if status == self._statuses.get(name):
                    continue
                previous = self._statuses.get(name)
                if previous is None or (previous.state, previous.message) != (status.state, status.message):
                    log.info("device %s: %s %s", name, status.state.value, status.message)  # not each counter
                    if self.counters is not None and status.state in FAULT_STATES:
                        self.counters.fault_seen(name, status.state.value, status.message)
                self._statuses[name] = status
                changed = True
            self._announce(status_events(name, before, status))
        if changed and self._on_change:
            self._on_change(self.statuses())

    def _announce(self, events: list[DeviceEvent]) -> None:
        for event in events:
            log.info("device %s: event %s (%s)", event.device, event.kind, event.message)
            self.recent_events.append((time.time(), event))
            if self._on_event:
                self._on_event(event)

    def _poll(self, name: str) -> DeviceStatus:
        try:
            device = self._ensure_open(name)
        except DeviceError as exc:
            return DeviceStatus(name, DeviceState.NO_DEVICE, exc.message)
        status = device.status()
        if status.state == DeviceState.NO_DEVICE:
            self._forget(name)  # reopen on the next poll: it may have been unplugged and come back
        return DeviceStatus(name, status.state, status.message, status.detail)

    def _ensure_open(self, name: str) -> Device:
        with self._lock:
            device = self._devices.get(name)
        if device is not None:
            return device
        try:
            device = self._opener(self._configs[name].url)
        except DeviceError:
            raise
        except (OSError, ValueError) as exc:
            raise NotPresent(f"{name}: cannot open {self._configs[name].url}: {exc}") from None
        with self._lock:
            self._devices[name] = device
        return device

    def _forget(self, name: str) -> None:
        with self._lock:
            device = self._devices.pop(name, None)
        if device is not None:
            with contextlib.suppress(Exception):
                device.close()
