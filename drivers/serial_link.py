"""What every serial-line driver shares: its URL forms, opening the port, port errors.

`SCHEME:///dev/ttyUSB0?baudrate=…` opens a device path; `SCHEME+socket://host:port` the same
protocol over TCP (pyserial's `socket://`), for serial servers and emulators. Unknown options
are refused so that a typo in the config does not go unnoticed.
"""

from __future__ import annotations

import serial

from drivers.base import NotPresent
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
