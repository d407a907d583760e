"""`kiosk device printer status|test --url URL`: one receipt printer, by the URL the config uses."""

import socket
import time
from datetime import datetime

import click

from kiosk.commands.common import clean_failures, emit_json, report_status

URL_HELP = "Printer URL, e.g. escpos+tcp://192.168.1.50:9100?timeout=3 or escpos+usb://04b8:0202"
TEST_LINE = "打印测试"


@click.group()
def printer():
    """ESC/POS receipt printer."""


@printer.command()
@click.option("--url", required=True, help=URL_HELP)
@clean_failures
def status(url):
    """Read the printer's status (DLE EOT); exit 1 with one line on stderr unless usable."""
    report_status(url)


@printer.command()
@click.option("--url", required=True, help=URL_HELP)
@click.option("--kiosk-id", default=socket.gethostname(), show_default="this host's name",
              help="Printed on the test receipt.")
@clean_failures
def test(url, kiosk_id):
    """Print a test receipt (Chinese text, time, QR code, cut) if the printer is ready."""
    from drivers.printer.receipt import Receipt
    from drivers.registry import open_device

    printed_at = datetime.now().astimezone().isoformat(timespec="seconds")
    receipt = (
        Receipt()
        .title(TEST_LINE)
        .line("printer test", align="center")
        .rule()
        .field("终端 / kiosk", kiosk_id)
        .field("时间 / time", printed_at)
        .qr(f"kiosk-printer-test:{kiosk_id}:{printed_at}")
        .cut()
    )
    device = open_device(url)
    try:
        device.check_ready()
        started = time.perf_counter()
        device.print_receipt(receipt)
        elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
        after = device.status()
    finally:
        device.close()
    emit_json({
        "ok": True,
        "url": url,
        "kiosk_id": kiosk_id,
        "printed_at": printed_at,
        "elapsed_ms": elapsed_ms,
        "status": after.to_json(),
    })
