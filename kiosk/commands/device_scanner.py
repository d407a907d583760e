"""`kiosk device scanner read|status --url URL`: one barcode/QR scanner in serial mode."""

import click

from kiosk.commands.common import clean_failures, emit_json, report_status

URL_HELP = "Scanner URL, e.g. scanner:///dev/ttyACM0?baudrate=9600&terminator=cr"


@click.group()
def scanner():
    """Barcode/QR scanner (serial: USB-CDC, RS-232)."""


@scanner.command()
@click.option("--url", required=True, help=URL_HELP)
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0), default=8.0, show_default=True,
              help="Seconds to wait for a scan.")
@clean_failures
def read(url, timeout_s):
    """Wait for one code scanned after the port opened; print {code, characters} as JSON."""
    from drivers.registry import open_device

    device = open_device(url)  # opening drops what was sent before (pyserial flushes its input)
    try:
        code = device.read_code(timeout_s)
    finally:
        device.close()
    emit_json({"code": code, "characters": len(code)})


@scanner.command()
@click.option("--url", required=True, help=URL_HELP)
@clean_failures
def status(url):
    """Whether the scanner's port is there; exit 1 with one line on stderr unless usable."""
    report_status(url)
