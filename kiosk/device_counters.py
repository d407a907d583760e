"""What each device has done: cards read, pages printed, cards dispensed, failures, and its last
error, since the kiosk started and since the last technician visit.

The device monitor (kiosk/devices.py) hands services each device wrapped in `Counted`, so the
counts come from the calls that really happened, whichever service made them. A failure is a
call that failed with a fault of the device (not the citizen's: no card yet, a card lifted, a
wet finger). The counts since the last visit, its time and each device's last error are kept
in `path` (device names, numbers and device messages; nothing of a citizen), so a restart does
not clear them; a technician's successful entry starts them again.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from pathlib import Path
from typing import Any, Callable

from drivers.base import DeviceError, DeviceUserError

log = logging.getLogger(__name__)

COUNTERS = ("cards_read", "pages_printed", "cards_dispensed", "failures")
_PDF_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def pdf_pages(data: bytes) -> int:
    """Pages of a PDF as the kiosk renders it (page objects uncompressed); at least one."""
    return max(1, len(_PDF_PAGE.findall(data)))


def _zero() -> dict[str, int]:
    return dict.fromkeys(COUNTERS, 0)


class DeviceCounters:
    def __init__(self, path: str | Path | None = None, *, clock: Callable[[], float] = time.time):
        self._path = None if path is None else Path(path)
        self._clock = clock
        self._lock = threading.Lock()
        self._since_start: dict[str, dict[str, int]] = {}
        saved = self._load()
        self._since_visit: dict[str, dict[str, int]] = saved.get("since_visit", {})
        self._last_errors: dict[str, dict[str, Any]] = saved.get("last_errors", {})
        self.last_visit_at: float | None = saved.get("last_visit_at")

    def add(self, device: str, counter: str, count: int = 1) -> None:
        with self._lock:
            for table in (self._since_start, self._since_visit):
                table.setdefault(device, _zero())[counter] += count
            self._save()

    def failed(self, device: str, kind: str, message: str) -> None:
        """An operation on `device` failed: counted, and kept as its last error."""
        with self._lock:
            for table in (self._since_start, self._since_visit):
                table.setdefault(device, _zero())["failures"] += 1
            self._last_errors[device] = {"at": self._clock(), "kind": kind, "message": message}
            self._save()

    def fault_seen(self, device: str, state: str, message: str) -> None:
        """The status poll found `device` in a fault state: its last error, not a failed call."""
        with self._lock:
            self._last_errors[device] = {"at": self._clock(), "kind": state, "message": message}
            self._save()

    def technician_visit(self) -> None:
        """A technician entered: the counts since the last visit start again from here."""
        with self._lock:
            self._since_visit = {}
            self.last_visit_at = self._clock()
            self._save()

    def of(self, device: str) -> dict[str, Any]:
        with self._lock:
            return {"since_start": dict(self._since_start.get(device, _zero())),
                    "since_visit": dict(self._since_visit.get(device, _zero())),
                    "last_error": self._last_errors.get(device)}

    def _load(self) -> dict[str, Any]:
        if self._path is None or not self._path.exists():
            return {}
        try:
            saved = json.loads(self._path.read_text())
            return {"since_visit": {str(d): {c: int(n.get(c, 0)) for c in COUNTERS}
                                    for d, n in saved["since_visit"].items()},
                    "last_errors": dict(saved.get("last_errors") or {}),
                    "last_visit_at": None if saved.get("last_visit_at") is None else float(saved["last_visit_at"])}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            log.error("device counters %s unreadable: counting again from zero", self._path)
            return {}

    def _save(self) -> None:
        if self._path is None:
            return
        state = {"since_visit": self._since_visit, "last_errors": self._last_errors,
                 "last_visit_at": self.last_visit_at}
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self._path.with_name(self._path.name + ".tmp")
            with open(temporary, "w") as file:
                json.dump(state, file)
            os.replace(temporary, self._path)
        except OSError as exc:  # a full disk must not fail a print: the counts stay in memory
            log.warning("device counters not saved: %s", exc)


# Which calls count, and how much: (counter, how many for the call's arguments and result).
COUNTED_CALLS: dict[str, tuple[str, Callable[[tuple, dict, Any], int]]] = {
    "read_card": ("cards_read", lambda a, k, r: 1),
    "read_document": ("cards_read", lambda a, k, r: 1),  # a chip document (permit, passport)
    "print_receipt": ("pages_printed", lambda a, k, r: 1),
    "print_pdf": ("pages_printed", lambda a, k, r: pdf_pages(a[0] if a else k["data"]) * k.get("copies", 1)),
    "wait_taken": ("cards_dispensed", lambda a, k, r: 1 if r else 0),  # presented and taken
}


class Counted:
    """`device` as a service borrows it: each call passes through, and what it did is counted."""

    def __init__(self, device, name: str, counters: DeviceCounters):
        self._device = device
        self._name = name
        self._counters = counters

    def __getattr__(self, attribute: str):
        value = getattr(self._device, attribute)
        if not callable(value) or attribute.startswith("_"):
            return value
        counted = COUNTED_CALLS.get(attribute)

        def call(*args, **kwargs):
            try:
                result = value(*args, **kwargs)
            except DeviceUserError:
                raise  # the citizen's part (no card yet, a card lifted): not the device failing
            except DeviceError as exc:
                self._counters.failed(self._name, exc.kind, exc.message)
                raise
            if counted is not None and (count := counted[1](args, kwargs, result)):
                self._counters.add(self._name, counted[0], count)
            return result

        return call
