"""`kiosk run`: the kiosk application as deployed."""

from __future__ import annotations

import click

from kiosk.commands.common import fail
from kiosk.config import ConfigError, load_config


def parse_overrides(pairs: tuple[str, ...]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--set")
        overrides[key] = value
    return overrides


@click.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Kiosk config (TOML).")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override a config value, e.g. devices.printer.url=escpos+tcp://10.0.0.5:9100")
@click.option("--fullscreen", is_flag=True, help="Fullscreen window.")
@click.option("--production", is_flag=True, help="Frameless fullscreen; Esc, Alt+F4 and the like are swallowed.")
def run(config_path, overrides, fullscreen, production):
    """Start the kiosk application."""
    try:
        config = load_config(config_path, parse_overrides(overrides))
    except ConfigError as exc:
        fail(str(exc))
    from kiosk.central_client import CentralRejected, CentralUnavailable
    from kiosk.core import KioskCore
    from kiosk.diagnostics import Diagnostics
    from kiosk.logs import setup_logging
    from offline_queue import KeyFileError
    from screens.app import make_application, make_window, quit_on_signals
    from screens.diagnostics import attach_diagnostics

    setup_logging(config.data_path("logs"))
    app = make_application()
    quit_on_signals(app)
    try:
        core = KioskCore(config).start()
    except (CentralUnavailable, CentralRejected, KeyFileError, RuntimeError, OSError) as exc:
        fail(f"kiosk cannot start: {exc}")
    window = make_window(core.session, production=production, fullscreen=fullscreen, preview=core.preview)
    diagnostics = Diagnostics(core)
    attach_diagnostics(window, diagnostics)  # five taps top left, then the PIN (config diagnostics)
    try:
        app.exec()
    finally:
        diagnostics.close()
        window.shutdown()
        core.stop()
