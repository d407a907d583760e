"""`kiosk emulate camera`: a network camera streaming Motion JPEG over HTTP, with a control port."""

import json
import signal
import sys
import threading

import click

from drivers.camera.emulator import FAULTS
from kiosk.commands.common import clean_failures


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
    from drivers.emulation.control import ControlError, ControlServer

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        emulator = CameraEmulator(host, port, face=face, fps=fps, fault=fault)
    except ControlError as exc:
        raise ValueError(str(exc)) from None
    emulator.start()
    try:
        control = ControlServer(emulator, port=control_port).start()
        try:
            control_host, control_port = control.address
            click.echo(json.dumps({"url": emulator.url, "control": f"{control_host}:{control_port}"}))
            sys.stdout.flush()
            while not stop.wait(0.5):
                pass
        finally:
            control.stop()
    finally:
        emulator.stop()
