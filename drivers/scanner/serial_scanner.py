"""Barcode/QR scanner in serial mode (USB-CDC or RS-232), pyserial underneath.

URL: `scanner:///dev/ttyACM0?baudrate=9600&terminator=cr&prefix=&suffix=&encoding=utf-8,gb18030`,
or `scanner+socket://host:port?…` for a scanner behind a serial-to-TCP bridge. `prefix` and
`suffix` are percent-encoded (`%02` for STX); `terminator` is `cr`, `lf` or `crlf`.

The scanner sits in presentation mode and sends every code it reads, unasked. The driver reads
only when asked (`read_code`, `status`, `discard_pending`), so codes scanned meanwhile wait in
the port's buffer and then in a small queue here: `discard_pending()` drops them, so a code
scanned at the home screen does not answer the next citizen's question. A frame that is not a
code (noise, over-long, wrong prefix) is a ProtocolError from `read_code`; the code after it is
kept for the next call.
"""

from __future__ import annotations

import logging
import select
import time
from collections import deque

from drivers.base import Device, DeviceError, DeviceState, DeviceStatus, NoMedia, NotPresent
from drivers.registry import DeviceUrl
from drivers.scanner import codec
from drivers.serial_link import PORT_ERRORS as _PORT_ERRORS
from drivers.serial_link import SerialLine, check_options, serial_port

log = logging.getLogger(__name__)

_OPTIONS = {"baudrate", "terminator", "prefix", "suffix", "encoding", "max_length"}
MAX_QUEUED = 32  # codes kept between reads; a scanner nobody reads from loses the oldest


class SerialScanner(SerialLine, Device):
    device_class = "scanner"
    what = "barcode scanner"

    def __init__(self, port: str, *, baudrate: int = 9600, terminator: str = "cr", prefix: str = "",
                 suffix: str = "", encodings: tuple[str, ...] = codec.DEFAULT_ENCODINGS,
                 max_length: int = codec.MAX_LENGTH):
        # timeout bounds nothing here (the caller gives each read its own); retries: nothing to resend
        self._init_line(port, baudrate=baudrate, timeout=1.0, retries=0)
        if not encodings:
            raise ValueError("at least one encoding is needed")
        try:
            framing = {"prefix": prefix.encode(encodings[0]), "suffix": suffix.encode(encodings[0])}
            self._parser = codec.CodeParser(terminator, max_length=max_length, encodings=encodings, **framing)
        except LookupError as exc:  # an unknown encoding name
            raise ValueError(str(exc)) from None
        self._events: deque[codec.Event] = deque(maxlen=MAX_QUEUED)
        self.codes_read = 0  # handed to callers
        self.scans = 0  # codes that came off the line, read or not (drivers/events.py: code_scanned)

    @classmethod
    def from_url(cls, url: DeviceUrl) -> "SerialScanner":
        check_options(url, _OPTIONS)
        port = serial_port(url, "scanner", "scanner:///dev/ttyACM0")
        encodings = tuple(name.strip() for name in url.option("encoding", "utf-8,gb18030").split(",") if name.strip())
        return cls(
            port,
            baudrate=url.option("baudrate", 9600, int),
            terminator=url.option("terminator", "cr"),
            prefix=url.option("prefix", ""),
            suffix=url.option("suffix", ""),
            encodings=encodings,
            max_length=url.option("max_length", codec.MAX_LENGTH, int),
        )

    @property
    def terminator(self) -> str:
        return self._parser.terminator

    # --- port ------------------------------------------------------------------------------

    def _on_close(self) -> None:
        # what arrived before the port was lost belongs to nobody now
        self._parser.clear()
        self._events.clear()

    # --- operations ------------------------------------------------------------------------

    def read_code(self, timeout_s: float = 10.0) -> str:
        """The next code scanned (oldest first); NoMedia when none comes within `timeout_s`,
        ProtocolError for a frame that is not a code, NotPresent when the port is gone."""
        with self._lock:
            deadline = time.monotonic() + timeout_s
            self._receive(wait=False)  # what has arrived counts even with no time to wait
            while True:
                if self._events:
                    event = self._events.popleft()
                    if isinstance(event, codec.Rejected):
                        log.info("scanner: %s", event.reason)  # the caller gets it as the error
                        raise event.error()
                    self.codes_read += 1
                    return event.text
                if time.monotonic() >= deadline:
                    raise NoMedia(f"请扫描二维码 / nothing scanned within {timeout_s:g} s")
                self._receive(wait=True)

    def discard_pending(self) -> int:
        """Drop every code scanned before now, and the rest of one being sent right now;
        returns how many were dropped. Call it before asking the citizen to scan."""
        with self._lock:
            self._receive(wait=False)
            dropped = sum(1 for event in self._events if isinstance(event, codec.Code))
            self._events.clear()
            if self._parser.drop_partial():
                dropped += 1
            if dropped:
                log.info("scanner: dropped %d stale scan(s)", dropped)
            return dropped

    def status(self) -> DeviceStatus:
        """Whether the port is there; never raises, and keeps any code that arrived. A
        presentation-mode scanner answers no query, so `online` means the port is open and
        readable. BUSY while a read is waiting for a scan."""
        if not self._lock.acquire(blocking=False):
            return DeviceStatus(self.device_class, DeviceState.BUSY, "waiting for a scan")
        try:
            self._receive(wait=False)
            detail = {"port": self.port, "terminator": self.terminator,
                      "pending": sum(1 for event in self._events if isinstance(event, codec.Code)),
                      "codes_read": self.codes_read, "scans": self.scans}
            return DeviceStatus(self.device_class, DeviceState.ONLINE, "ready", detail)
        except NotPresent as exc:
            return self._status(DeviceState.NO_DEVICE, exc)
        except DeviceError as exc:
            return self._status(DeviceState.OFFLINE, exc)
        finally:
            self._lock.release()

    # --- reading ---------------------------------------------------------------------------

    def _receive(self, *, wait: bool) -> None:
        """Move what the port holds into the event queue; with `wait`, block up to one read
        slice for the first byte. A port that hung up (unplugged) reads as readable and fails."""
        port = self._port()
        try:
            if not wait and not _readable(port):
                return
            chunk = port.read(port.in_waiting or 1)
            while chunk:
                events = self._parser.feed(chunk)
                self.scans += sum(1 for event in events if isinstance(event, codec.Code))
                self._events.extend(events)
                chunk = port.read(port.in_waiting or 1) if _readable(port) else b""
        except _PORT_ERRORS as exc:
            self._lost(exc)


def _readable(port) -> bool:
    try:
        fd = port.fileno()
    except (AttributeError, NotImplementedError, OSError):
        return port.in_waiting > 0  # transports without a file descriptor
    return bool(select.select([fd], [], [], 0)[0])
