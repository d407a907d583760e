"""`kiosk emulate dispenser --pty`: a CRT-591-style card dispenser on a pseudo-terminal, with a
control port (`{"op": "take"}` is the citizen taking the card at the mouth)."""

import click

from drivers.dispenser.emulator import FAULT_KINDS
from kiosk.commands.common import clean_failures, fail, serve_control, stop_on_signals


@click.command()
@click.option("--pty", "on_pty", is_flag=True, help="Serve on a new pseudo-terminal (the only transport).")
@click.option("--cards", type=click.IntRange(0, 1000), default=10, show_default=True, help="Cards loaded in slot 0.")
@click.option("--slots", type=click.IntRange(1, 16), default=1, show_default=True)
@click.option("--address", type=click.IntRange(0, 255), default=0, show_default=True)
@click.option("--fault", type=click.Choice(sorted(FAULT_KINDS)), help="Start with this fault (sticky).")
@click.option("--link", type=click.Path(dir_okay=False), help="Keep this symlink pointing at the pty, across unplug/replug.")
@click.option("--control-port", type=int, default=0, show_default=True, help="0 picks a free port.")
@click.option("--baudrate", type=int, default=9600, show_default=True, help="Put in the printed URL; the pace rate.")
@click.option("--pace", is_flag=True, help="Pace answers at the baud rate, as a real line would.")
@clean_failures
def dispenser(on_pty, cards, slots, address, fault, link, control_port, baudrate, pace):
    """Emulate a card dispenser; prints {"device", "url", "control"} as one JSON line."""
    from drivers.dispenser.emulator import DispenserEmulator
    from drivers.emulation.pty import PtyEndpoint

    if not on_pty:
        fail("choose a transport: --pty")
    emulator = DispenserEmulator(slots=slots, cards=cards, address=address)
    if fault:
        emulator.set_fault(fault)
    stop = stop_on_signals()
    endpoint = PtyEndpoint(emulator, pace_baud=baudrate if pace else None, link=link).start()
    try:
        device = endpoint.device
        url = f"crt591://{device}?baudrate={baudrate}&address={address}"
        serve_control(emulator, control_port, {"device": device, "url": url}, stop)
    finally:
        endpoint.stop()
