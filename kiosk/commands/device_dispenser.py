"""`kiosk device dispenser status|dispense|retract --url URL`: one card dispenser (CRT-591 style)."""

import click

from kiosk.commands.common import clean_failures, emit_json, report_status

URL_HELP = "Dispenser URL, e.g. crt591:///dev/ttyUSB2?baudrate=9600&address=0"


@click.group()
def dispenser():
    """Card dispenser (CRT-591 style, serial)."""


@dispenser.command()
@click.option("--url", required=True, help=URL_HELP)
@clean_failures
def status(url):
    """Where the card is, slot levels, the reject bin; exit 1 with one line unless usable."""
    report_status(url)


@dispenser.command()
@click.option("--url", required=True, help=URL_HELP)
@click.option("--slot", type=click.IntRange(0, 255), default=0, show_default=True, help="Slot to take the card from.")
@click.option("--wait", "wait_s", type=click.FloatRange(min=0), help="Then wait this long for it to be taken.")
@clean_failures
def dispense(url, slot, wait_s):
    """Move a card from the slot to the read position, then present it at the mouth."""
    from drivers.registry import open_device

    device = open_device(url)
    try:
        device.to_read_position(slot)
        device.present()
        result = {"slot": slot, "card": "mouth"}
        if wait_s is not None:
            result["taken"] = device.wait_taken(wait_s)
            result["card"] = "none" if result["taken"] else "mouth"
    finally:
        device.close()
    emit_json(result)


@dispenser.command()
@click.option("--url", required=True, help=URL_HELP)
@clean_failures
def retract(url):
    """Move the card in the channel into the reject bin; {"retracted": false} if there was none."""
    from drivers.registry import open_device

    device = open_device(url)
    try:
        retracted = device.retract()
    finally:
        device.close()
    emit_json({"retracted": retracted})
