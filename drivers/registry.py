"""Device backends chosen by URL scheme, imported lazily.

Like python-can's `interface=` table and pyserial's `serial_for_url`: one table maps a scheme
to "module:Class"; the module is imported only when a device of that kind is opened, so start-up
never pays for OpenCV or pyscard. Vendor packages add schemes through the `kiosk.drivers`
entry-point group. Options ride in the query string: `ga467:///dev/ttyUSB0?baudrate=115200`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

from common.plugins import plugins

BUILTIN_BACKENDS: dict[str, str] = {
    "ga467": "drivers.idcard.ga467:Ga467Reader",
    "ga467+socket": "drivers.idcard.ga467:Ga467Reader",
    "as608": "drivers.fingerprint.as608:As608Reader",
    "as608+socket": "drivers.fingerprint.as608:As608Reader",
    "scanner": "drivers.scanner.serial_scanner:SerialScanner",
    "scanner+socket": "drivers.scanner.serial_scanner:SerialScanner",
    "crt591": "drivers.dispenser.crt591:Crt591Dispenser",
    "crt591+socket": "drivers.dispenser.crt591:Crt591Dispenser",
    "escpos+tcp": "drivers.printer.escpos_printer:EscposPrinter",
    "escpos+usb": "drivers.printer.escpos_printer:EscposPrinter",
    "escpos+serial": "drivers.printer.escpos_printer:EscposPrinter",
    "escpos+file": "drivers.printer.escpos_printer:EscposPrinter",
    "pcsc": "drivers.pcsc.reader:PcscReader",
    "opencv": "drivers.camera.opencv_camera:OpenCvCamera",
    "opencv+rtsp": "drivers.camera.opencv_camera:OpenCvCamera",
    "opencv+http": "drivers.camera.opencv_camera:OpenCvCamera",
    "opencv+https": "drivers.camera.opencv_camera:OpenCvCamera",
    "cups": "drivers.docprinter.cups_printer:CupsPrinter",
    "ipp": "drivers.docprinter.cups_printer:CupsPrinter",
    "pdf+file": "drivers.docprinter.file_printer:FilePdfPrinter",
}


@dataclass(frozen=True)
class DeviceUrl:
    """A parsed device URL. `path` is the device path or host:port part, `options` the query."""

    raw: str
    scheme: str
    host: str
    port: int | None
    path: str
    options: dict[str, str] = field(default_factory=dict)

    def option(self, name: str, default=None, cast=str):
        value = self.options.get(name)
        if value is None:
            return default
        try:
            return cast(value)
        except ValueError:
            raise ValueError(f"bad value for option {name!r} in {self.raw}: {value!r}") from None


def parse_device_url(url: str) -> DeviceUrl:
    parts = urlsplit(url)
    if not parts.scheme:
        raise ValueError(f"device URL has no scheme: {url!r}")
    try:
        port = parts.port
        host = parts.hostname or ""
    except ValueError:
        # Not host:port but vendor:product (escpos+usb://04b8:0e15): the backend reads it.
        port, host = None, parts.netloc
    return DeviceUrl(
        raw=url,
        scheme=parts.scheme.lower(),
        host=unquote(host),
        port=port,
        path=unquote(parts.path),
        options=dict(parse_qsl(parts.query)),
    )


def _backend_table() -> dict[str, str]:
    table = dict(BUILTIN_BACKENDS)
    for ep in plugins("kiosk.drivers"):
        table.setdefault(ep.name, ep.value)
    return table


def backend_class(scheme: str):
    target = _backend_table().get(scheme)
    if target is None:
        known = ", ".join(sorted(_backend_table()))
        raise ValueError(f"unknown device scheme {scheme!r} (known: {known})")
    module_name, _, class_name = target.partition(":")
    return getattr(importlib.import_module(module_name), class_name)


def open_device(url: str, *, open_now: bool = True):
    """Build the backend for `url` and (by default) open it."""
    parsed = parse_device_url(url)
    device = backend_class(parsed.scheme).from_url(parsed)
    if open_now:
        device.open()
    return device
