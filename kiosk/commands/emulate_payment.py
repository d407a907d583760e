"""`kiosk emulate payment-provider`: the QR payment provider simulator as an HTTP service."""

import json
import sys

import click

from central.payments.simulator import FAULTS
from kiosk.commands.common import clean_failures, stop_on_signals


@click.command("payment-provider")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=0, show_default=True, help="0 picks a free port.")
@click.option("--notify-url", help="Where paid orders are notified (central's notification route).")
@click.option("--key-file", type=click.Path(dir_okay=False), help="Shared notification key; default: the demo key.")
@click.option("--fault", "faults", multiple=True, type=click.Choice(FAULTS), help="Start with this fault (repeatable).")
@clean_failures
def payment_provider(host, port, notify_url, key_file, faults):
    """Simulate a QR payment provider; prints {"url", "control"} as one JSON line."""
    from central.payments.simulator import DEFAULT_KEY, ProviderSimulator

    key = DEFAULT_KEY
    if key_file:
        with open(key_file, "rb") as handle:
            key = handle.read().strip()
    stop = stop_on_signals()
    simulator = ProviderSimulator(host=host, port=port, notify_url=notify_url, key=key, faults=faults).start()
    try:
        click.echo(json.dumps({"url": simulator.url, "control": simulator.control_url}))
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    finally:
        simulator.stop()
