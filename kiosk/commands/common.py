"""What every technician-facing command shares: JSON out, one clean line on failure."""

from __future__ import annotations

import functools
import json
import signal
import sys
import threading

import click

from drivers.base import DeviceError


def emit_json(obj) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def fail(message: str, code: int = 1):
    """Print one line to stderr and exit non-zero. Never a traceback."""
    click.echo(f"error: {message}".replace("\n", " "), err=True)
    sys.exit(code)


def report_status(url: str) -> None:
    """`kiosk device CLASS status`: JSON of the device's status; exit 1 unless usable."""
    from drivers.registry import open_device

    device = open_device(url, open_now=False)
    try:
        result = device.status()
    finally:
        device.close()
    emit_json(result.to_json())
    if not result.usable:
        fail(f"{result.state.value}: {result.message}")


def clean_failures(func):
    """Turn device, value and OS errors into one line on stderr and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except DeviceError as exc:
            fail(f"{exc.kind}: {exc.message}")
        except (ValueError, OSError) as exc:
            fail(str(exc) or type(exc).__name__)

    return wrapper


def stop_on_signals() -> threading.Event:
    """An event set by SIGINT or SIGTERM: how every `kiosk emulate …` knows to stop."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def serve_control(target, control_port: int, announce: dict, stop: threading.Event) -> None:
    """Answer control commands for the emulator `target`, print `announce` plus the control
    address as one JSON line (scripts read it), and return once `stop` is set."""
    from drivers.emulation.control import ControlServer

    control = ControlServer(target, port=control_port).start()
    try:
        host, port = control.address
        click.echo(json.dumps({**announce, "control": f"{host}:{port}"}, ensure_ascii=False))
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    finally:
        control.stop()
