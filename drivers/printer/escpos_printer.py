"""The ESC/POS receipt printer backend, over TCP, USB, serial or a device file.

URLs:
    escpos+tcp://192.168.1.50:9100?timeout=3&status_timeout=1&columns=48
    escpos+usb://04b8:0202?in_ep=0x82&out_ep=0x01
    escpos+serial:///dev/ttyS0?baudrate=9600
    escpos+file:///dev/usb/lp0

A print job is: read status (DLE EOT 1, 2, 4), refuse to send if the printer cannot print,
send the whole job built in memory, read status again. A job that fails on the way raises
PrintFailed; silence is never taken for "paper present". The printer's own firmware, maker,
model and serial (GS I) are asked once per opening and shown in its status where it answers.

Over TCP each operation opens its own connection: a network printer that restarts (or serves
another client) never leaves the kiosk holding a dead socket. USB, serial and file links stay
open between operations (opening a USB printer resets it) and are reopened after a failure.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from drivers.base import (
    Device,
    DeviceError,
    DeviceState,
    DeviceStatus,
    DeviceTimeout,
    HardwareFault,
    NotPresent,
    ProtocolError,
)
from drivers.printer.escpos_codec import (
    INFO_END,
    MAX_INFO_BYTES,
    PRINTER_INFO,
    STATUS_REQUESTS,
    PrinterCondition,
    parse_printer_info,
    printer_info_request,
)
from drivers.printer.links import FileLink, PrinterLink, SerialLink, TcpLink, UsbLink
from drivers.printer.receipt import Receipt
from drivers.printer.render import DEFAULT_COLUMNS, render_receipt
from drivers.registry import DeviceUrl

log = logging.getLogger(__name__)

DEFAULT_TCP_PORT = 9100
NO_ANSWER = "打印机无应答 / printer does not answer"
STATUS_NOT_READABLE = "status not readable on this transport"


class PrintFailed(HardwareFault):
    """A job was sent (or partly sent) but did not come out whole."""

    kind = "print_failed"


class EscposPrinter(Device):
    device_class = "printer"

    def __init__(self, make_link, *, where: str, persistent: bool, status_timeout: float = 1.0,
                 columns: int = DEFAULT_COLUMNS):
        self._make_link = make_link
        self.where = where
        self._persistent = persistent
        self._status_timeout = status_timeout
        self.columns = columns
        self._link: PrinterLink | None = None
        self._lock = threading.RLock()
        self._identity: dict[str, str] | None = None  # GS I's answers; asked once per opening

    @classmethod
    def from_url(cls, url: DeviceUrl) -> EscposPrinter:
        timeout = url.option("timeout", 3.0, float)
        common = {
            "status_timeout": url.option("status_timeout", 1.0, float),
            "columns": url.option("columns", DEFAULT_COLUMNS, int),
        }
        if url.scheme == "escpos+tcp":
            if not url.host:
                raise ValueError(f"no printer host in {url.raw}")
            host, port = url.host, url.port or DEFAULT_TCP_PORT
            return cls(lambda: TcpLink(host, port, timeout), where=f"{host}:{port}", persistent=False, **common)
        if url.scheme == "escpos+usb":
            vendor, product = _usb_ids(url.raw)
            in_ep, out_ep = url.option("in_ep", 0x82, _int_any_base), url.option("out_ep", 0x01, _int_any_base)
            return cls(lambda: UsbLink(vendor, product, in_ep, out_ep, timeout),
                       where=f"USB {vendor:04x}:{product:04x}", persistent=True, **common)
        if url.scheme == "escpos+serial":
            if not url.path:
                raise ValueError(f"no serial device in {url.raw}")
            path, baudrate = url.path, url.option("baudrate", 9600, int)
            return cls(lambda: SerialLink(path, baudrate, timeout), where=path, persistent=True, **common)
        if url.scheme == "escpos+file":
            if not url.path:
                raise ValueError(f"no device file in {url.raw}")
            path = url.path
            return cls(lambda: FileLink(path), where=path, persistent=True, **common)
        raise ValueError(f"EscposPrinter does not handle scheme {url.scheme!r}")

    # --- Device ---

    def open(self) -> None:
        """Open a USB, serial or file link now, so a missing printer shows at start-up.

        Operations (re)open the link themselves when needed, so status() also works unopened.
        """
        with self._lock:
            if self._persistent:
                with self._session():
                    pass

    def close(self) -> None:
        with self._lock:
            self._drop_link()
            self._identity = None  # another printer may be there when it is opened again

    def status(self) -> DeviceStatus:
        with self._lock:
            try:
                with self._session() as link:
                    if not link.reads_status:
                        return self._status(DeviceState.ONLINE, STATUS_NOT_READABLE, None)
                    condition = self._read_condition(link)
                    if self._identity is None:
                        self._identity = self._read_identity(link)
            except NotPresent as exc:
                self._identity = None
                return self._status(DeviceState.NO_DEVICE, exc.message, None)
            except DeviceTimeout:
                return self._status(DeviceState.OFFLINE, NO_ANSWER, None)
            except ProtocolError as exc:
                return self._status(DeviceState.HARDWARE_ERROR, exc.message, None)
        return self._status_of(condition)

    # --- printing ---

    def check_ready(self) -> None:
        """Raise the typed error that stops printing now; return quietly if a job would print."""
        with self._lock, self._session() as link:
            if link.reads_status:
                _raise_problem(self._read_condition(link))

    def print_receipt(self, receipt: Receipt) -> None:
        job = render_receipt(receipt, self.columns)
        with self._lock, self._session() as link:
            if link.reads_status:
                _raise_problem(self._read_condition(link))  # nothing sent yet: plain typed errors
            try:
                link.write(job)
            except NotPresent as exc:
                raise PrintFailed(f"job not sent whole: {exc.message}") from None
            log.info("printer %s: sent job of %d bytes", self.where, len(job))
            if link.reads_status:
                self._confirm_printed(link)

    def _confirm_printed(self, link: PrinterLink) -> None:
        try:
            condition = self._read_condition(link)
        except NotPresent as exc:
            raise PrintFailed(f"connection lost during the job, receipt may be incomplete: {exc.message}") from None
        except DeviceTimeout:
            raise PrintFailed("printer stopped answering after the job, receipt may be incomplete") from None
        except ProtocolError as exc:
            raise PrintFailed(f"printer status unreadable after the job: {exc.message}") from None
        if condition.problem:
            raise PrintFailed(f"{condition.problem} during the job, receipt incomplete")

    # --- internals ---

    def _read_condition(self, link: PrinterLink) -> PrinterCondition:
        link.discard_input()
        link.write(b"".join(STATUS_REQUESTS.values()))
        answer = link.read(len(STATUS_REQUESTS), self._status_timeout)
        if len(answer) < len(STATUS_REQUESTS):
            got = f"{len(answer)} of {len(STATUS_REQUESTS)} status bytes" if answer else "nothing"
            raise DeviceTimeout(f"{NO_ANSWER} ({got} within {self._status_timeout:g} s)")
        return PrinterCondition.from_status(*answer)

    def _read_identity(self, link: PrinterLink) -> dict[str, str]:
        """What the printer says it is (GS I 65-68). One that does not answer the first
        question is not asked the others: it has no identity to show, and costs one wait."""
        identity: dict[str, str] = {}
        for name, n in PRINTER_INFO.items():
            link.discard_input()
            link.write(printer_info_request(n))
            text = parse_printer_info(link.read_until(INFO_END, MAX_INFO_BYTES, self._status_timeout))
            if text is None and not identity:
                break
            if text is not None:
                identity[name] = text
        return identity

    @contextmanager
    def _session(self) -> Iterator[PrinterLink]:
        """The link for one operation: reused if persistent, dropped after any failure."""
        if self._link is None:
            link = self._make_link()
            link.open()
            self._link = link
        try:
            yield self._link
        except HardwareFault as exc:
            # the printer answered that it cannot print: the link itself is fine
            if isinstance(exc, PrintFailed):
                self._drop_link()
            raise
        except (DeviceError, OSError):
            self._drop_link()
            raise
        finally:
            if not self._persistent:
                self._drop_link()

    def _drop_link(self) -> None:
        if self._link is not None:
            self._link.close()
            self._link = None

    def _status(self, state: DeviceState, message: str, condition: PrinterCondition | None) -> DeviceStatus:
        if condition is None:
            detail = {"online": None, "paper": "unknown", "cover": "unknown"}
        else:
            detail = {
                "online": condition.online,
                "paper": condition.paper,
                "cover": "open" if condition.cover_open else "closed",
                "error": condition.error,
            }
        identity = self._identity or {}
        return DeviceStatus(self.device_class, state, message, {"where": self.where, **detail, **identity})

    def _status_of(self, condition: PrinterCondition) -> DeviceStatus:
        if condition.problem is None:
            message = "纸将尽 / paper near end" if condition.paper == "near_end" else "ready"
            return self._status(DeviceState.ONLINE, message, condition)
        cannot_work = condition.paper == "out" or condition.cover_open or condition.error
        # offline for no reason the printer names: it may come back by itself
        state = DeviceState.HARDWARE_ERROR if cannot_work else DeviceState.OFFLINE
        return self._status(state, condition.problem, condition)


def _raise_problem(condition: PrinterCondition) -> None:
    if condition.problem:
        raise HardwareFault(condition.problem)


def _int_any_base(value: str) -> int:
    return int(value, 0)


def _usb_ids(raw_url: str) -> tuple[int, int]:
    """`escpos+usb://04b8:0202` → (0x04b8, 0x0202); the ids are hex, so not a host and port."""
    ids = urlsplit(raw_url).netloc or urlsplit(raw_url).path.strip("/")
    vendor, sep, product = ids.partition(":")
    try:
        if not sep:
            raise ValueError
        return int(vendor, 16), int(product, 16)
    except ValueError:
        raise ValueError(f"expected escpos+usb://VENDOR:PRODUCT (hex ids) in {raw_url}") from None
