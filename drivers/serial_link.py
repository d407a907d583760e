"""What every serial-line driver shares: its URL forms, opening the port, port errors.

`SCHEME:///dev/ttyUSB0?baudrate=…` opens a device path; `SCHEME+socket://host:port` the same
protocol over TCP (pyserial's `socket://`), for serial servers and emulators. Unknown options
are refused so that a typo in the config does not go unnoticed.
"""

from __future__ import annotations

import contextlib
import threading
from typing import ClassVar, NoReturn

import serial

from drivers.base import DeviceError, DeviceState, DeviceStatus, NotPresent
from drivers.registry import DeviceUrl

try:
    from termios import error as _TermiosError
except ImportError:  # not a POSIX system
    _TermiosError = OSError

READ_SLICE = 0.05  # each blocking read waits at most this long, so deadlines are kept
PORT_ERRORS = (serial.SerialException, OSError, _TermiosError)


def check_options(url: DeviceUrl, known: set[str]) -> None:
    unknown = sorted(set(url.options) - known)
    if unknown:
        raise ValueError(f"unknown option {unknown[0]!r} in {url.raw} (known: {', '.join(sorted(known))})")


def serial_port(url: DeviceUrl, scheme: str, example: str) -> str:
    """The pyserial port for `scheme:///path` or `scheme+socket://host:port`."""
    if url.scheme == f"{scheme}+socket":
        if not url.host or url.port is None:
            raise ValueError(f"{url.raw} needs host:port")
        return f"socket://{url.host}:{url.port}"
    if url.scheme == scheme:
        if not url.path or url.host:
            raise ValueError(f"{url.raw} needs a device path, e.g. {example}")
        return url.path
    raise ValueError(f"{url.raw}: not a {scheme} URL")


def open_port(port: str, baudrate: int, what: str) -> serial.SerialBase:
    """Open `port`; NotPresent (one line, naming `what`) when it cannot be."""
    try:
        if "://" in port:
            return serial.serial_for_url(port, baudrate=baudrate, timeout=READ_SLICE)
        return serial.Serial(port, baudrate, timeout=READ_SLICE)
    except (*PORT_ERRORS, ValueError) as exc:
        raise NotPresent(f"cannot open {what} at {port}: {port_error_reason(exc)}") from None


def port_error_reason(exc: BaseException) -> str:
    if len(exc.args) == 2 and isinstance(exc.args[0], int) and isinstance(exc.args[1], str):
        return exc.args[1]  # (errno, text) from termios and OSError
    return " ".join(str(exc).split()) or type(exc).__name__


class SerialLine:
    """The port half of a serial driver, mixed into its Device class: open and close (with
    hooks for what the protocol does then), reopen on first use after an unplug, and the one
    NotPresent a lost port becomes. Every method runs under the driver's re-entrant lock."""

    what: ClassVar[str] = "serial device"  # how errors name it: "ID card reader at /dev/…"

    def _init_line(self, port: str, *, baudrate: int, timeout: float, retries: int) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if retries < 0:
            raise ValueError("retries must not be negative")
        self.port = port  # a device path, or a pyserial URL such as socket://host:port
        self.baudrate = baudrate
        self.timeout = timeout
        self.retries = retries
        self._serial: serial.SerialBase | None = None
        self._lock = threading.RLock()

    def open(self) -> None:
        with self._lock:
            if self._serial is not None:
                return
            self._serial = open_port(self.port, self.baudrate, self.what)
            try:
                self._on_open()
            except DeviceError:
                self.close()
                raise

    def close(self) -> None:
        with self._lock:
            port, self._serial = self._serial, None
            self._on_close()
            if port is not None:
                with contextlib.suppress(*PORT_ERRORS):
                    port.close()  # the port may already be gone; nothing left to release

    def _on_open(self) -> None:
        """What the protocol does on a freshly opened port (e.g. give a password)."""

    def _on_close(self) -> None:
        """Forget what was learnt from the device: it may come back as another one."""

    def _port(self) -> serial.SerialBase:
        if self._serial is None:
            self.open()  # reopen after an unplug, or first use without open()
        assert self._serial is not None
        return self._serial

    def _lost(self, exc: BaseException) -> NoReturn:
        self.close()
        raise NotPresent(f"{self.what} at {self.port} went away: {port_error_reason(exc)}") from None

    def _status(self, state: DeviceState, exc: DeviceError) -> DeviceStatus:
        return DeviceStatus(self.device_class, state, exc.message, {"port": self.port, "error": exc.kind})
