"""`kiosk device idcard read|status --url URL`: one ID card reader, by the URL the config uses:
a GA 467 resident ID card reader, or a PC/SC reader with a chip travel document (eMRTD)."""

import click

from kiosk.commands.common import clean_failures, emit_json, fail, report_status

URL_HELP = ("Reader URL, e.g. ga467:///dev/ttyUSB0?baudrate=115200&timeout=5, or "
            "pcsc://Virtual%20PCD%2000%2000?mrz=<MRZ or key string> for a chip document")


@click.group()
def idcard():
    """Resident ID card reader (GA 467), or chip travel documents on a PC/SC reader."""


@idcard.command()
@click.option("--url", required=True, help=URL_HELP)
@click.option("--with-fingerprint", is_flag=True, help="Also read the card's fingerprint block.")
@clean_failures
def read(url, with_fingerprint):
    """Read the card on the reader; print it as JSON (the full ID number: technicians only)."""
    from drivers.registry import open_device

    reader = open_device(url)
    try:
        if hasattr(reader, "read_document"):  # a chip document: BAC, then its MRZ data group
            if with_fingerprint:
                fail("--with-fingerprint is for GA 467 readers; a chip document's DG1 holds no fingerprint")
            emit_json(reader.read_document().to_json())
            return
        card = reader.read_card(with_fingerprint=with_fingerprint)
    finally:
        reader.close()
    emit_json({**card.to_json(), "photo_bytes": len(card.photo), "fingerprint_bytes": len(card.fingerprint)})


@idcard.command()
@click.option("--url", required=True, help=URL_HELP)
@clean_failures
def status(url):
    """Ask the reader's SAM for its state; exit 1 with one line on stderr unless usable."""
    report_status(url)
