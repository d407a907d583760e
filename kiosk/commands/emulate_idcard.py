"""`kiosk emulate idcard --pty`: a GA 467 reader on a pseudo-terminal, with a control port."""

import json
import os

import click

from drivers.idcard.emulator import FAULT_KINDS
from kiosk.commands.common import clean_failures, fail, serve_control, stop_on_signals


@click.command()
@click.option("--pty", "on_pty", is_flag=True, help="Serve on a new pseudo-terminal (the only transport).")
@click.option("--link", type=click.Path(dir_okay=False), help="Keep this symlink pointing at the pty, across unplug/replug.")
@click.option("--card", "card_ref", help="Card JSON file, or a demo card name (default: the first demo card).")
@click.option("--empty", is_flag=True, help="Start with no card on the reader.")
@click.option("--fault", type=click.Choice(sorted(FAULT_KINDS)), help="Start with this fault (sticky).")
@click.option("--control-port", type=int, default=0, show_default=True, help="0 picks a free port.")
@click.option("--baudrate", type=int, default=115200, show_default=True, help="Put in the printed URL; the pace rate.")
@click.option("--pace", is_flag=True, help="Pace answers at the baud rate, as a real line would.")
@clean_failures
def idcard(on_pty, link, card_ref, empty, fault, control_port, baudrate, pace):
    """Emulate a GA 467 ID card reader; prints {"device", "url", "control"} as one JSON line."""
    from drivers.emulation.pty import PtyEndpoint
    from drivers.idcard.emulator import Ga467Emulator

    if not on_pty:
        fail("choose a transport: --pty")
    emulator = Ga467Emulator(None if empty else _load_card(card_ref))
    if fault:
        emulator.set_fault(fault)
    stop = stop_on_signals()
    endpoint = PtyEndpoint(emulator, pace_baud=baudrate if pace else None, link=link).start()
    try:
        device = endpoint.device
        serve_control(emulator, control_port, {"device": device, "url": f"ga467://{device}?baudrate={baudrate}"},
                      stop)
    finally:
        endpoint.stop()


def _load_card(card_ref):
    from drivers.idcard.demo_cards import demo_card_names, load_demo_card
    from drivers.idcard.model import IdCard

    if card_ref is None:
        return load_demo_card(demo_card_names()[0])
    if os.path.isfile(card_ref):
        with open(card_ref, encoding="utf-8") as f:
            return IdCard.from_json(json.load(f))
    return load_demo_card(card_ref)
