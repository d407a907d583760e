"""A barcode/QR scanner in presentation mode, as bytes out.

A presentation (continuous) mode scanner sends every code held in front of it, unasked, framed
as the scanner is configured (prefix, suffix, terminator; `drivers/scanner/codec.py`). The host
sends nothing it must answer, so `feed` only counts what arrives. Scans wait in an output queue
that the transport takes (`take_output`, drivers/emulation/pty.py), woken by the listener it
registers. A fault plan bends the scans for tests and demos; tests, the CLI and diagnostics call
`handle_control`.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from typing import Any, Callable

from drivers.emulation.control import ControlError
from drivers.emulation.faults import FaultPlan
from drivers.scanner import codec

FAULT_KINDS = {
    "garbage": "line noise is sent instead of the code (then the terminator)",
    "no_read": "the scan is swallowed: the scanner decodes nothing",
    "slow": "each code is sent `delay` seconds after the scan (default 1.5)",
    "unplugged": "the scanner disappears from its port (sticky until cleared)",
}
# Sent instead of a code under `garbage`: control bytes and bytes that are not UTF-8 or GB18030,
# as a wrong baud rate or a loose cable makes of a code.
GARBAGE = b"\xff\x00\x1b\x8e\x13\x80\xfe"
DEFAULT_DELAY = 1.5
MAX_QUEUED = 64  # scans the scanner holds for a host that does not read; older ones are lost


class ScannerEmulator:
    def __init__(self, *, terminator: str = "cr", prefix: str = "", suffix: str = "",
                 encoding: str = "utf-8"):
        codec.terminator_bytes(terminator)  # refuse a bad one now
        "".encode(encoding)
        self.terminator = terminator
        self.prefix = prefix
        self.suffix = suffix
        self.encoding = encoding
        self._lock = threading.RLock()
        self._queue: deque[tuple[float, bytes]] = deque(maxlen=MAX_QUEUED)  # (when due, frame)
        self._faults = FaultPlan(FAULT_KINDS)
        self._delay = DEFAULT_DELAY
        self._wake: Callable[[], None] | None = None
        self.counters: Counter[str] = Counter()

    # --- device state ----------------------------------------------------------------------

    def scan(self, code: str) -> None:
        """A code is held in front of the scanner; it is sent as the faults allow."""
        frame = self.frame(code)  # a code no scanner could send is refused, faults or not
        with self._lock:
            self.counters["scans"] += 1
            if self.unplugged:
                self.counters["lost unplugged"] += 1
                return
            if self._faults.take("no_read"):
                self.counters["not read"] += 1
                return
            if self._faults.take("garbage"):
                frame = GARBAGE + codec.terminator_bytes(self.terminator)
                self.counters["garbage"] += 1
            due = time.monotonic() + (self._delay if self._faults.take("slow") else 0.0)
            self._queue.append((due, frame))
            wake = self._wake
        if wake is not None:
            wake()

    def frame(self, code: str) -> bytes:
        try:
            return codec.encode(code, self.terminator, prefix=self.prefix.encode(self.encoding),
                                suffix=self.suffix.encode(self.encoding), encoding=self.encoding)
        except (ValueError, UnicodeEncodeError) as exc:
            raise ControlError(f"cannot scan that code: {exc}") from None

    def set_fault(self, kind: str, times: int | None = None, *, delay: float | None = None) -> None:
        if delay is not None and (not isinstance(delay, (int, float)) or isinstance(delay, bool)
                                  or not 0 < delay <= 60):
            raise ControlError("delay must be a number of seconds, above 0 and at most 60")
        with self._lock:
            self._faults.set(kind, times)
            if kind == "slow":
                self._delay = DEFAULT_DELAY if delay is None else float(delay)
            if kind == "unplugged":
                self._queue.clear()  # power is gone: what it held is lost

    def clear_fault(self, kind: str | None = None) -> None:
        with self._lock:
            self._faults.clear(kind)

    @property
    def unplugged(self) -> bool:
        """Transports poll this: while true the scanner is gone from its port."""
        return self._faults.active("unplugged")

    # --- the transport's side --------------------------------------------------------------

    def set_output_listener(self, wake: Callable[[], None] | None) -> None:
        with self._lock:
            self._wake = wake

    def take_output(self) -> bytes:
        """The frames due now, oldest first; each is handed out once."""
        now = time.monotonic()
        out = bytearray()
        with self._lock:
            if self.unplugged:
                return b""
            while self._queue and self._queue[0][0] <= now:
                out += self._queue.popleft()[1]
                self.counters["frames sent"] += 1
        return bytes(out)

    def feed(self, data: bytes) -> bytes:
        """Bytes from the host: a presentation-mode scanner answers none."""
        with self._lock:
            self.counters["bytes from host"] += len(data)
        return b""

    # --- control ---------------------------------------------------------------------------

    def handle_control(self, command: dict[str, Any]) -> dict[str, Any]:
        op = command.get("op")
        if op == "status":
            return self.describe()
        if op == "scan":
            code = command.get("code")
            if not isinstance(code, str):
                raise ControlError("scan needs a code (a string)")
            self.scan(code)
            return self.describe()
        if op == "fault":
            self.set_fault(str(command.get("kind")), command.get("times"), delay=command.get("delay"))
            return self.describe()
        if op == "clear_fault":
            kind = command.get("kind")
            self.clear_fault(None if kind is None else str(kind))
            return self.describe()
        raise ControlError(f"unknown op {op!r} (known: status, scan, fault, clear_fault)")

    def describe(self) -> dict[str, Any]:
        """State for tests and diagnostics; never the codes themselves."""
        with self._lock:
            return {
                "device_class": "scanner",
                "terminator": self.terminator,
                "prefix": self.prefix,
                "suffix": self.suffix,
                "queued": len(self._queue),
                "faults": self._faults.describe(),
                "delay": self._delay,
                "counters": dict(self.counters),
            }
