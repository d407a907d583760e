"""`kiosk emulate CLASS …`: a device emulator on its real transport, with a control port."""

import click

from kiosk.commands.emulate_idcard import idcard
from kiosk.commands.emulate_printer import printer
from kiosk.commands.emulate_control import control


@click.group()
def emulate():
    """Run a device emulator (pty serial, TCP) that speaks the real protocol."""


emulate.add_command(idcard)
emulate.add_command(printer)
emulate.add_command(control)
