"""`kiosk emulate pcsc`: a chip travel document (eMRTD) in pcscd's virtual reader (vpcd), with a
control port. pcscd with vsmartcard-vpcd must be running (packaging/system-deps.sh pcsc)."""

import json
import os
from urllib.parse import quote

import click

from drivers.pcsc.virtual_card import FAULT_KINDS
from kiosk.commands.common import clean_failures, fail, serve_control, stop_on_signals

CONNECT_WAIT = 5.0  # seconds to reach vpcd before giving up with one line


@click.command()
@click.option("--vpcd", "vpcd_address", default="127.0.0.1:35963", show_default=True,
              help="Where vpcd listens (host:port); Debian's reader 'Virtual PCD 00 00' is port 35963.")
@click.option("--reader", default="Virtual PCD 00 00", show_default=True,
              help="The reader name pcscd gives that vpcd slot (only used in the printed URL).")
@click.option("--document", "document_ref",
              help="A document JSON file (fields as `kiosk device idcard read` prints them) or a demo "
                   "document name (default: the first travel permit).")
@click.option("--empty", is_flag=True, help="Start with no document in the reader.")
@click.option("--fault", type=click.Choice(sorted(FAULT_KINDS)), help="Start with this fault.")
@click.option("--control-port", type=int, default=0, show_default=True, help="0 picks a free port.")
@clean_failures
def pcsc(vpcd_address, reader, document_ref, empty, fault, control_port):
    """Emulate a chip document in vpcd; prints {"reader", "url", "vpcd", "control"} as one JSON line."""
    from drivers.pcsc.mrz import AccessKey, parse
    from drivers.pcsc.virtual_card import VirtualCard
    from drivers.pcsc.vpcd_link import VpcdLink

    host, _, port = vpcd_address.rpartition(":")
    if not host or not port.isdigit():
        fail(f"--vpcd must be host:port, got {vpcd_address!r}")
    zone = _load_zone(document_ref)
    card = VirtualCard(None if empty else zone)
    if fault:
        card.set_fault(fault)
    stop = stop_on_signals()
    link = VpcdLink(card, host, int(port)).start()
    try:
        if card.present and not link.wait_connected(CONNECT_WAIT):
            fail(f"cannot reach vpcd at {vpcd_address} (is pcscd with vsmartcard-vpcd running?)")
        key = AccessKey.of(parse(zone)).mrz_information  # a fictitious document's key, for the URL
        serve_control(card, control_port,
                      {"reader": reader, "url": f"pcsc://{quote(reader)}?mrz={key}", "vpcd": vpcd_address}, stop)
    finally:
        link.stop()


def _load_zone(document_ref):
    from drivers.pcsc.demo_documents import DEFAULT_DOCUMENT, demo_mrz
    from drivers.pcsc.model import ChipDocument
    from drivers.pcsc.mrz import build_td1

    if document_ref is None:
        return demo_mrz(DEFAULT_DOCUMENT)
    if os.path.isfile(document_ref):
        with open(document_ref, encoding="utf-8") as f:
            fields = json.load(f)
        if isinstance(fields, dict) and "mrz" in fields:
            return fields["mrz"]
        return build_td1(ChipDocument.from_json(fields))
    return demo_mrz(document_ref)
