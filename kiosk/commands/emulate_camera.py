"""`kiosk emulate camera`: a network camera streaming Motion JPEG over HTTP, with a control port."""

import click

from drivers.camera.emulator import FAULTS
from kiosk.commands.common import clean_failures, serve_control, stop_on_signals


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8081, show_default=True, help="0 picks a free port.")
@click.option("--control-port", type=int, default=0, show_default=True, help="0 picks a free port.")
@click.option("--face", default="astronaut", show_default=True,
              help="Bundled face (astronaut, grace-hopper) or a path to a face photo.")
@click.option("--fps", type=click.FloatRange(0.1, 120), default=15.0, show_default=True)
@click.option("--fault", type=click.Choice(FAULTS), help="Start with this fault.")
@clean_failures
def camera(host, port, control_port, face, fps, fault):
    """Emulate an IP camera; prints {"url", "control"} as one JSON line and serves until stopped."""
    from drivers.camera.emulator import CameraEmulator
    from drivers.emulation.control import ControlError

    stop = stop_on_signals()
    try:
        emulator = CameraEmulator(host, port, face=face, fps=fps, fault=fault)
    except ControlError as exc:
        raise ValueError(str(exc)) from None
    emulator.start()
    try:
        serve_control(emulator, control_port, {"url": emulator.url}, stop)
    finally:
        emulator.stop()
