"""`kiosk device CLASS ACTION --url URL`: one device, by the same URL the config uses."""

import click

from kiosk.commands.device_idcard import idcard
from kiosk.commands.device_printer import printer


@click.group()
def device():
    """Talk to one device by URL; JSON on stdout, one line on stderr on failure."""


device.add_command(idcard)
device.add_command(printer)
