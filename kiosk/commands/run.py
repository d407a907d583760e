"""`kiosk run`: the kiosk application as deployed."""

from __future__ import annotations

import threading

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


# `app.exec()`'s answer when a new operator config was applied: the core starts again on it.
RESTART_FOR_CONFIG = 75


@click.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Kiosk config (TOML).")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override a config value, e.g. devices.printer.url=escpos+tcp://10.0.0.5:9100")
@click.option("--fullscreen", is_flag=True, help="Fullscreen window.")
@click.option("--production", is_flag=True, help="Frameless fullscreen; Esc, Alt+F4 and the like are swallowed.")
def run(config_path, overrides, fullscreen, production):
    """Start the kiosk application."""
    overrides = parse_overrides(overrides)
    try:
        local = load_config(config_path, overrides)
    except ConfigError as exc:
        fail(str(exc))
    from kiosk.central_client import CentralRejected, CentralUnavailable
    from kiosk.config_updates.startup import start_with_fallback
    from kiosk.diagnostics import Diagnostics
    from kiosk.gui_pulse import GuiPulse
    from kiosk.logs import setup_logging
    from offline_queue import KeyFileError
    from screens.app import keep_alive, log_qt_messages, make_application, make_window, quit_on_signals
    from screens.diagnostics import attach_diagnostics
    from screens.remote_capture import attach_remote_capture

    setup_logging(local.data_path("logs"), max_bytes=local.logs.max_bytes, backups=local.logs.backups)
    log_qt_messages()
    app = make_application()
    quit_on_signals(app)
    pulse = GuiPulse()  # systemd's watchdog and the heartbeat's word on the screen

    def start(applied: threading.Event):
        try:
            core, _config = start_with_fallback(config_path, overrides,
                                                lambda c: start_core(c, config_path, overrides, applied))
        except ConfigError as exc:
            fail(str(exc))
        except (CentralUnavailable, CentralRejected, KeyFileError, RuntimeError, OSError) as exc:
            fail(f"kiosk cannot start: {exc}")
        return core

    def show(core):
        window = make_window(core.session, production=production, fullscreen=fullscreen, preview=core.preview)
        core.gui_pulse = pulse
        ticking = keep_alive(window, pulse)
        diagnostics = Diagnostics(core)
        attach_diagnostics(window, diagnostics)  # five taps top left, then the PIN (config diagnostics)
        attach_remote_capture(window, core.remote)  # support's screenshots, between visits only

        def close():
            ticking.stop()
            diagnostics.close()
            window.shutdown()
        return close

    serve_cores(app, start, show)


def serve_cores(app, start, show) -> None:
    """Run the kiosk in the event loop, its core started again each time a new operator config
    was applied between visits. `start(applied)` returns a started core whose updater sets
    `applied`; `show(core)` puts up its window and returns what closes it."""
    from screens.app import exit_when

    while True:
        applied = threading.Event()
        core = start(applied)
        close = show(core)
        # Checked on the GUI thread once the core is idle: nothing a citizen does slips in between.
        watch = exit_when(app, lambda: applied.is_set() and core.idle(), RESTART_FOR_CONFIG)
        try:
            code = app.exec()
        finally:
            watch.stop()
            close()
            core.stop()
        if code != RESTART_FOR_CONFIG:
            return


def start_core(config, config_path, overrides, applied: threading.Event, **core_options):
    """A started core on `config`, with the operator-config updater when the config names a
    group (`applied` is set once it applied a new version). `core_options` go to KioskCore."""
    from kiosk.config_updates import ConfigUpdates, kiosk_check
    from kiosk.core import KioskCore

    updates = None
    if config.updates is not None:
        updates = ConfigUpdates(config, check=kiosk_check(config_path, overrides), on_applied=lambda _doc: applied.set())
    core = KioskCore(config, config_updates=updates, **core_options)
    try:
        return core.start()
    except Exception:
        core.stop()
        raise
