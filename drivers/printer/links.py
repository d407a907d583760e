"""Byte pipes to a printer: one small class per transport, on python-escpos's printer classes.

python-escpos opens and writes; reading is done here because its `_read()` has no deadline of
its own (a `Network` printer blocks for 60 s on silence). Every failure to reach the printer is
a NotPresent with one line saying where.
"""

from __future__ import annotations

import abc
import importlib.util
import socket
import time
from typing import ClassVar

from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError

from drivers.base import NotPresent


class PrinterLink(abc.ABC):
    """An open connection: write bytes, read what the printer answered within a deadline."""

    reads_status: ClassVar[bool] = True

    def __init__(self, printer: Escpos, where: str):
        self._printer = printer
        self.where = where

    def open(self) -> None:
        try:
            self._printer.open()
        except DeviceNotFoundError as exc:
            raise NotPresent(self._not_found_message(exc.__context__)) from None

    def write(self, data: bytes) -> None:
        try:
            self._printer._raw(data)
        except OSError as exc:
            raise NotPresent(f"connection to {self.where} lost: {_reason(exc)}") from None

    @abc.abstractmethod
    def read(self, size: int, timeout: float) -> bytes:
        """Up to `size` bytes, returning early (possibly empty) when `timeout` seconds pass."""

    @abc.abstractmethod
    def discard_input(self) -> None:
        """Drop late answers to earlier requests, so the next answer is matched to its request."""

    _chunk = 1  # bytes asked for at once by read_until: a stream gives what it has, byte by byte

    def read_until(self, end: int, limit: int, timeout: float) -> bytes:
        """Bytes up to and including `end`, at most `limit` of them, within `timeout` seconds
        (what arrived by then when `end` did not)."""
        deadline = time.monotonic() + timeout
        data = b""
        while len(data) < limit and (remaining := deadline - time.monotonic()) > 0:
            chunk = self.read(min(self._chunk, limit - len(data)), remaining)
            if not chunk:
                break
            data += chunk
            if end in chunk:
                return data[:data.index(end) + 1]
        return data

    def close(self) -> None:
        try:
            self._printer.close()
        except OSError:
            pass  # the connection is gone either way

    def _not_found_message(self, cause: BaseException | None) -> str:
        return f"cannot open printer at {self.where}: {_reason(cause)}"


def _reason(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown reason"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


class TcpLink(PrinterLink):
    def __init__(self, host: str, port: int, timeout: float):
        from escpos.printer import Network

        super().__init__(Network(host, port, timeout=timeout), f"{host}:{port}")
        self._timeout = timeout
        self._sock: socket.socket | None = None

    def open(self) -> None:
        super().open()
        self._sock = self._printer.device
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def read(self, size: int, timeout: float) -> bytes:
        sock = self._require_socket()
        deadline = time.monotonic() + timeout
        data = b""
        try:
            while len(data) < size:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                sock.settimeout(remaining)
                try:
                    chunk = sock.recv(size - len(data))
                except TimeoutError:
                    break
                if not chunk:
                    raise NotPresent(f"printer at {self.where} closed the connection")
                data += chunk
        except OSError as exc:
            raise NotPresent(f"connection to {self.where} lost: {_reason(exc)}") from None
        finally:
            sock.settimeout(self._timeout)
        return data

    def discard_input(self) -> None:
        sock = self._require_socket()
        sock.setblocking(False)
        try:
            while sock.recv(4096):
                pass
            raise NotPresent(f"printer at {self.where} closed the connection")
        except BlockingIOError:
            pass  # nothing (more) waiting
        except OSError as exc:
            raise NotPresent(f"connection to {self.where} lost: {_reason(exc)}") from None
        finally:
            sock.settimeout(self._timeout)

    def close(self) -> None:
        self._sock = None
        super().close()

    def _require_socket(self) -> socket.socket:
        # Never go through Network.device here: on a closed printer it silently reconnects.
        if self._sock is None:
            raise NotPresent(f"connection to {self.where} is closed")
        return self._sock

    def _not_found_message(self, cause: BaseException | None) -> str:
        if isinstance(cause, ConnectionRefusedError):
            return f"nothing listening at {self.where}"
        if isinstance(cause, TimeoutError):
            return f"no connection to {self.where} within {self._timeout:g} s"
        return super()._not_found_message(cause)


class SerialLink(PrinterLink):
    def __init__(self, device: str, baudrate: int, timeout: float):
        from escpos.printer import Serial

        super().__init__(Serial(device, baudrate=baudrate, timeout=timeout), device)
        self._timeout = timeout

    def read(self, size: int, timeout: float) -> bytes:
        port = self._printer.device
        port.timeout = timeout
        try:
            return port.read(size)
        except OSError as exc:
            raise NotPresent(f"serial port {self.where} failed: {_reason(exc)}") from None
        finally:
            port.timeout = self._timeout

    def discard_input(self) -> None:
        try:
            self._printer.device.reset_input_buffer()
        except OSError as exc:
            raise NotPresent(f"serial port {self.where} failed: {_reason(exc)}") from None


class UsbLink(PrinterLink):
    def __init__(self, vendor: int, product: int, in_ep: int, out_ep: int, timeout: float):
        from escpos.printer import Usb

        if importlib.util.find_spec("usb") is None:
            # checked before building Usb: without pyusb even its destructor raises
            raise NotPresent("escpos+usb needs the pyusb package (pip install pyusb)")
        # pyusb counts milliseconds
        printer = Usb(vendor, product, timeout=int(timeout * 1000), in_ep=in_ep, out_ep=out_ep)
        super().__init__(printer, f"USB {vendor:04x}:{product:04x}")

    def open(self) -> None:
        try:
            super().open()
        except ValueError as exc:  # pyusb's NoBackendError: libusb itself is missing
            raise NotPresent(f"cannot open {self.where}: {exc} (install libusb-1.0-0)") from None

    def read(self, size: int, timeout: float) -> bytes:
        import usb.core

        try:
            return bytes(self._printer.device.read(self._printer.in_ep, size, timeout=max(1, int(timeout * 1000))))
        except usb.core.USBTimeoutError:
            return b""
        except usb.core.USBError as exc:
            raise NotPresent(f"{self.where} failed: {_reason(exc)}") from None

    def discard_input(self) -> None:
        while self.read(64, 0.001):
            pass

    _chunk = 64  # a bulk endpoint answers in packets: ask for one whole


class FileLink(PrinterLink):
    """A device file such as /dev/usb/lp0: write-only, so the printer's status cannot be read."""

    reads_status = False

    def __init__(self, path: str):
        from escpos.printer import File

        super().__init__(File(path), path)

    def read(self, size: int, timeout: float) -> bytes:
        raise NotPresent(f"{self.where} is write-only: printer status cannot be read")

    def discard_input(self) -> None:
        pass
