"""`kiosk emulate scanner --pty`: a presentation-mode barcode/QR scanner on a pseudo-terminal,
with a control port (`{"op": "scan", "code": "…"}` presents a code)."""

import threading

import click

from drivers.scanner.codec import TERMINATORS
from drivers.scanner.emulator import FAULT_KINDS
from kiosk.commands.common import clean_failures, fail, serve_control, stop_on_signals


@click.command()
@click.option("--pty", "on_pty", is_flag=True, help="Serve on a new pseudo-terminal (the only transport).")
@click.option("--code", help="A code held in front of the scanner: sent at start and again every --every seconds.")
@click.option("--every", type=click.FloatRange(min=0.05), default=1.0, show_default=True,
              help="With --code: the reread delay of a presentation-mode scanner.")
@click.option("--terminator", type=click.Choice(sorted(TERMINATORS)), default="cr", show_default=True)
@click.option("--prefix", default="", help="Sent before each code (as the scanner is configured).")
@click.option("--suffix", default="", help="Sent after each code, before the terminator.")
@click.option("--fault", type=click.Choice(sorted(FAULT_KINDS)), help="Start with this fault (sticky).")
@click.option("--link", type=click.Path(dir_okay=False), help="Keep this symlink pointing at the pty, across unplug/replug.")
@click.option("--control-port", type=int, default=0, show_default=True, help="0 picks a free port.")
@click.option("--baudrate", type=int, default=9600, show_default=True, help="Put in the printed URL; the pace rate.")
@click.option("--pace", is_flag=True, help="Send at the baud rate, as a real line would.")
@clean_failures
def scanner(on_pty, code, every, terminator, prefix, suffix, fault, link, control_port, baudrate, pace):
    """Emulate a barcode/QR scanner; prints {"device", "url", "control"} as one JSON line."""
    from urllib.parse import quote

    from drivers.emulation.control import ControlError
    from drivers.emulation.pty import PtyEndpoint
    from drivers.scanner.emulator import ScannerEmulator

    if not on_pty:
        fail("choose a transport: --pty")
    emulator = ScannerEmulator(terminator=terminator, prefix=prefix, suffix=suffix)
    if code:
        try:
            emulator.frame(code)
        except ControlError as exc:
            fail(str(exc))
    if fault:
        emulator.set_fault(fault)
    stop = stop_on_signals()
    endpoint = PtyEndpoint(emulator, pace_baud=baudrate if pace else None, link=link).start()
    holding = None
    try:
        if code:
            # A driver opening the port drops what was sent before (pyserial flushes its input),
            # so a code sent once at start would be lost: a held code is read again and again.
            holding = threading.Thread(target=_hold, args=(emulator, code, every, stop), daemon=True)
            holding.start()
        device = endpoint.device
        url = f"scanner://{device}?baudrate={baudrate}&terminator={terminator}"
        url += "".join(f"&{name}={quote(value, safe='')}" for name, value in
                       (("prefix", prefix), ("suffix", suffix)) if value)
        serve_control(emulator, control_port, {"device": device, "url": url}, stop)
    finally:
        stop.set()
        if holding is not None:
            holding.join(timeout=5)
        endpoint.stop()


def _hold(emulator, code: str, every: float, stop: threading.Event) -> None:
    emulator.scan(code)
    while not stop.wait(every):
        emulator.scan(code)
