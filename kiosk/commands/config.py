"""`kiosk config check|schema|pin-hash|fetch`."""

import json
from pathlib import Path

import click

from kiosk.commands.common import emit_json, fail
from kiosk.config import ConfigError, json_schema, load_config


@click.group()
def config():
    """Validate configuration files and export their JSON schema."""


@config.command()
@click.argument("path", required=False, type=click.Path(dir_okay=False))
def check(path):
    """Load PATH (default: the packaged default) and report whether it is valid."""
    try:
        loaded = load_config(path)
    except ConfigError as exc:
        fail(str(exc))
    emit_json({"ok": True, "kiosk": loaded.kiosk.id, "services": [s.id for s in loaded.services],
               "devices": {name: d.url for name, d in loaded.devices.items()}})


@config.command()
@click.option("--out", type=click.Path(dir_okay=False), help="Write to a file instead of stdout.")
@click.option("--operator", is_flag=True, help="The operator config's schema (config/operator.schema.json).")
def schema(out, operator):
    """Print the configuration's JSON schema (config/schema.json is this output)."""
    if operator:
        from kiosk.operator_config import operator_json_schema

        document = operator_json_schema()
    else:
        document = json_schema()
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@config.command("pin-hash")
@click.option("--pin", prompt="Diagnostics PIN", hide_input=True, confirmation_prompt=True,
              help="4 to 12 digits; asked for when not given.")
def pin_hash(pin):
    """Print the value for `diagnostics.pin_hash` (the PIN itself is never stored)."""
    from kiosk.diagnostics import hash_pin

    try:
        click.echo(hash_pin(pin))
    except ValueError as exc:
        fail(str(exc))


@config.command()
@click.option("--url", required=True, help="The repository: URL/metadata/ and URL/targets/ (central: …/tuf).")
@click.option("--trust", required=True, type=click.Path(dir_okay=False),
              help="The root of trust (the repository's root.json, as installed with the kiosk).")
@click.option("--group", required=True, help="This kiosk's group.")
@click.option("--state", "state_dir", required=True, type=click.Path(file_okay=False),
              help="Where the metadata and configs are kept between rounds.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True),
              help="Sign the downloads as the kiosk of this config (central serves its repository to its kiosks only).")
def fetch(url, trust, group, state_dir, config_path):
    """One update round: print the group's config version now run, as JSON; a refused new
    version is one line on stderr and exit 1, the old one kept."""
    from kiosk.config_updates import ConfigStore, ConfigUpdater, Refused, Unreachable

    store = ConfigStore(state_dir)
    updater = ConfigUpdater(store, url, trust, group)
    if config_path:
        updater.fetcher = _signed_fetcher(config_path)
    try:
        outcome = updater.fetch()
    except (Refused, Unreachable) as exc:
        fail(str(exc))
    except ValueError as exc:  # a group name that cannot be one
        fail(str(exc))
    applied = store.apply_staged()  # no visits here: a new version is run at once
    emit_json({"version": store.running_version(), "group": group, "seen": outcome.seen,
               "updated": applied is not None})


def _signed_fetcher(config_path: str):
    """Downloads signed as the kiosk whose config (id, credentials, central's TLS) this is."""
    from kiosk.central_client import KioskSignature, connection_options
    from kiosk.config_updates.fetcher import SignedFetcher
    from kiosk.core import load_or_enrol_secret

    try:
        kiosk = load_config(config_path)
        secret = load_or_enrol_secret(kiosk)
    except (ConfigError, RuntimeError) as exc:
        fail(str(exc))
    return SignedFetcher(KioskSignature(kiosk.kiosk.id, secret), verify=connection_options(kiosk.central.url)[1])
