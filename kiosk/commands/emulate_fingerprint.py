"""`kiosk emulate fingerprint`: an AS608 fingerprint module on a pseudo-terminal, with a control port."""

import click

from drivers.fingerprint.demo_fingers import DEMO_FINGERS
from drivers.fingerprint.emulator import FAULT_KINDS
from kiosk.commands.common import clean_failures, serve_control, stop_on_signals


@click.command()
@click.option("--finger", type=click.Choice(DEMO_FINGERS), help="Start with this demo finger on the sensor.")
@click.option("--fault", type=click.Choice(sorted(FAULT_KINDS)), help="Start with this fault (sticky).")
@click.option("--link", type=click.Path(dir_okay=False), help="Keep this symlink pointing at the pty, across unplug/replug.")
@click.option("--control-port", type=int, default=0, show_default=True, help="0 picks a free port.")
@click.option("--baudrate", type=int, default=57600, show_default=True, help="Put in the printed URL; the pace rate.")
@click.option("--pace", is_flag=True, help="Pace answers at the baud rate, as a real line would.")
@clean_failures
def fingerprint(finger, fault, link, control_port, baudrate, pace):
    """Emulate an AS608 module on a pty; prints {"device", "url", "control"} as one JSON line."""
    from drivers.emulation.pty import PtyEndpoint
    from drivers.fingerprint.emulator import As608Emulator

    emulator = As608Emulator(finger)
    if fault:
        emulator.set_fault(fault)
    stop = stop_on_signals()
    endpoint = PtyEndpoint(emulator, pace_baud=baudrate if pace else None, link=link).start()
    try:
        device = endpoint.device
        serve_control(emulator, control_port, {"device": device, "url": f"as608://{device}?baudrate={baudrate}"},
                      stop)
    finally:
        endpoint.stop()
