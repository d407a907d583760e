"""`kiosk queue report`: the outbox as a technician reads it, without the encryption key."""

import sys
import time
from pathlib import Path

import click

from kiosk.commands.common import fail


@click.group()
def queue():
    """The kiosk's outbox (offline queue)."""


@queue.command()
@click.argument("database", type=click.Path(path_type=Path), required=False)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Kiosk config; its data_dir holds outbox.db.")
def report(database, config_path):
    """Counts per state and every dead or quarantined item; exit 1 when there are any."""
    from offline_queue.report import format_report, read_report

    if database is None:
        from kiosk.config import ConfigError, load_config

        try:
            database = load_config(config_path).data_path("outbox.db")
        except ConfigError as exc:
            fail(str(exc), 2)
    try:
        counts, oldest, letters = read_report(database)
    except (FileNotFoundError, ValueError) as exc:
        fail(str(exc), 2)
    click.echo(format_report(counts, oldest, letters, time.time()))
    sys.exit(1 if letters else 0)
