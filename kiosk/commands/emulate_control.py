"""`kiosk emulate control --port N '{"op": …}'`: drive a running emulator."""

import json

import click

from drivers.emulation.control import send_control
from kiosk.commands.common import clean_failures, emit_json, fail


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, required=True, help="The emulator's control port (it prints it).")
@click.argument("command")
@clean_failures
def control(host, port, command):
    """Send one JSON command, e.g. '{"op": "fault", "kind": "paper_out"}'."""
    try:
        parsed = json.loads(command)
    except json.JSONDecodeError as exc:
        fail(f"command is not JSON: {exc}")
    answer = send_control(host, port, parsed)
    emit_json(answer)
    if not answer.get("ok"):
        raise SystemExit(1)
