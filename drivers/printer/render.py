"""Render a Receipt to one ESC/POS job, in memory.

python-escpos's in-memory `Dummy` printer supplies what it gets right (initialise, character
size, bold, alignment, native QR, feed and cut); text goes through `encode_text` so Chinese is
sent in Chinese mode. Every text line sets its own style, so no line inherits a previous one's.
"""

from __future__ import annotations

from escpos.printer import Dummy

from drivers.printer.escpos_codec import encode_text
from drivers.printer.receipt import Cut, Feed, Qr, Receipt, Rule, Text

DEFAULT_COLUMNS = 48  # font A on an 80 mm roll; 32 on a 58 mm roll


def render_receipt(receipt: Receipt, columns: int = DEFAULT_COLUMNS) -> bytes:
    """The whole job: initialise, every element, and a cut at the end even if the receipt forgot it."""
    job = Dummy()
    job.hw("INIT")
    for element in receipt.elements:
        if isinstance(element, Text):
            size = 2 if element.double else 1
            job.set(custom_size=True, width=size, height=size, align=element.align, bold=element.bold)
            job._raw(encode_text(element.text) + b"\n")
        elif isinstance(element, Rule):
            job.set(custom_size=True, width=1, height=1, align="left", bold=False)
            job._raw(encode_text(element.char * columns) + b"\n")
        elif isinstance(element, Qr):
            job.set(align="center")
            job.qr(element.data, size=element.size, native=True)
            job._raw(b"\n")
        elif isinstance(element, Feed):
            job.print_and_feed(element.lines)
        elif isinstance(element, Cut):
            job.cut()
    if not receipt.elements or not isinstance(receipt.elements[-1], Cut):
        job.cut()
    return job.output
