"""`kiosk emulate printer`: a network ESC/POS printer on TCP, with a control port."""

import sys

import click

from drivers.printer.emulator import FAULT_CONDITIONS
from kiosk.commands.common import clean_failures, serve_control, stop_on_signals


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=9100, show_default=True, help="0 picks a free port.")
@click.option("--control-port", type=int, default=0, show_default=True, help="0 picks a free port.")
@click.option("--fault", type=click.Choice(sorted(FAULT_CONDITIONS)), help="Start with this fault.")
@clean_failures
def printer(host, port, control_port, fault):
    """Emulate a receipt printer; prints {"url", "control"} as one JSON line, then each job."""
    from drivers.printer.emulator import EscposEmulator

    stop = stop_on_signals()
    emulator = EscposEmulator(host, port, fault=fault, on_job=_show_job).start()
    try:
        serve_control(emulator, control_port, {"url": emulator.url}, stop)
    finally:
        emulator.stop()


_job_numbers = iter(range(1, 1 << 62))


def _show_job(job) -> None:
    ending = "cut" if job.cut else "NOT cut"
    lines = [f"--- job {next(_job_numbers)}: {len(job.raw)} bytes, {ending} ---", job.text.rstrip("\n")]
    lines += [f"[QR] {data}" for data in job.qr_codes]
    click.echo("\n".join(lines))
    sys.stdout.flush()
