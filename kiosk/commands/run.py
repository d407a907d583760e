"""`kiosk run`: the kiosk application as deployed."""

from __future__ import annotations

import logging
import sys
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

log = logging.getLogger("kiosk.run")


@click.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Kiosk config (TOML).")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override a config value, e.g. devices.printer.url=escpos+tcp://10.0.0.5:9100")
@click.option("--fullscreen", is_flag=True, help="Fullscreen window.")
@click.option("--production", is_flag=True, help="Frameless fullscreen; Esc, Alt+F4 and the like are swallowed. "
              "A kiosk that cannot start shows out of service and tries again.")
@click.option("--retry-every", default=30.0, show_default=True, metavar="SECONDS",
              help="In production, how often a kiosk that cannot start tries again.")
def run(config_path, overrides, fullscreen, production, retry_every):
    """Start the kiosk application."""
    overrides = parse_overrides(overrides)
    try:
        local = load_config(config_path, overrides)
    except ConfigError as exc:
        if not production:
            fail(str(exc))
        local = None  # out of service until the file is fixed (start() says why)
    from kiosk.diagnostics import Diagnostics
    from kiosk.gui_pulse import GuiPulse
    from kiosk.logs import add_log_file, setup_logging
    from screens.app import keep_alive, log_qt_messages, make_application, make_window, quit_on_signals
    from screens.diagnostics import attach_diagnostics
    from screens.remote_capture import attach_remote_capture
    from screens.start_failure import keep_pulse, show_start_failure, wait_to_try_again

    setup_logging()
    logs_on_disk = local is not None and _log_to_disk(add_log_file, local, fail_hard=not production)
    log_qt_messages()
    app = make_application(production=production)
    quit_on_signals(app)
    pulse = GuiPulse()  # systemd's watchdog and the heartbeat's word on the screen

    def start(applied: threading.Event):
        nonlocal logs_on_disk
        screen = ticking = None
        while True:
            try:
                core = start_once(config_path, overrides, applied)
                break
            except StartFailure as failure:
                if not production:
                    fail(failure.message)
                log.error("kiosk cannot start (%s): %s; out of service, trying again in %g s",
                          failure.code, failure.message, retry_every)
                if screen is None or screen.code != failure.code:
                    if screen is not None:
                        screen.shutdown()
                    screen = show_start_failure(failure.code)
                if ticking is None:
                    ticking = keep_pulse(app, pulse)  # the kiosk answers, out of service: no restart loop
                if not wait_to_try_again(app, retry_every):
                    screen.shutdown()
                    sys.exit(0)  # SIGTERM while out of service: a clean stop
        if screen is not None:
            log.info("kiosk started after being out of service (%s)", screen.code)
            ticking.stop()
            screen.shutdown()
        if not logs_on_disk:
            logs_on_disk = _log_to_disk(add_log_file, core.config, fail_hard=False)
        return core

    def show(core):
        window = make_window(core.session, production=production, fullscreen=fullscreen, preview=core.preview)
        core.gui_pulse = pulse
        ticking = keep_alive(window, pulse)
        diagnostics = Diagnostics(core)
        attach_diagnostics(window, diagnostics)  # five taps top left, then the PIN (config diagnostics)
        attach_remote_capture(window, core.remote)  # support's screenshots, between visits only

        def close(reason: str = "shutdown"):
            ticking.stop()
            diagnostics.close(reason)  # a technician still in the mode: their exit, with why
            window.shutdown()
        return close

    serve_cores(app, start, show)


class StartFailure(Exception):
    """Why the kiosk cannot start: a short code for technicians (on the out-of-service screen)
    and one line for the log. Never personal data: these say what is missing, not whose."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message.replace("\n", " ")


def start_once(config_path, overrides, applied: threading.Event):
    """A started core, or StartFailure."""
    from kiosk.central_client import CentralRejected, CentralUnavailable
    from kiosk.config_updates.startup import start_with_fallback
    from offline_queue import KeyFileError

    try:
        core, _config = start_with_fallback(config_path, overrides,
                                            lambda c: start_core(c, config_path, overrides, applied))
        return core
    except ConfigError as exc:
        raise StartFailure("E-CONFIG", str(exc)) from None
    except CentralUnavailable as exc:
        raise StartFailure("E-CENTRAL", f"kiosk cannot start: {exc}") from None
    except CentralRejected as exc:
        raise StartFailure("E-ENROL", f"kiosk cannot start: {exc}") from None
    except KeyFileError as exc:
        raise StartFailure("E-KEYS", f"kiosk cannot start: {exc}") from None
    except OSError as exc:  # data dir not writable, disk full, a device node gone
        raise StartFailure("E-SYSTEM", f"kiosk cannot start: {exc}") from None
    except RuntimeError as exc:  # no credentials and the like (kiosk/core.py)
        raise StartFailure("E-START", f"kiosk cannot start: {exc}") from None
    except Exception as exc:  # a fault of ours: still one line and out of service, not a crash loop
        raise StartFailure("E-INTERNAL", f"kiosk cannot start: {type(exc).__name__}: {exc}") from None


def _log_to_disk(add_log_file, config, *, fail_hard: bool) -> bool:
    try:
        add_log_file(config.data_path("logs"), max_bytes=config.logs.max_bytes, backups=config.logs.backups)
        return True
    except OSError as exc:
        if fail_hard:
            fail(f"kiosk cannot start: {exc}")
        log.error("no log file in %s: %s; logging to stderr only", config.data_path("logs"), exc)
        return False


def serve_cores(app, start, show) -> None:
    """Run the kiosk in the event loop, its core started again each time a new operator config
    was applied between visits. `start(applied)` returns a started core whose updater sets
    `applied`; `show(core)` puts up its window and returns what closes it, `close(reason)`:
    shutdown, or config_applied when the core starts again."""
    from screens.app import exit_when

    while True:
        applied = threading.Event()
        core = start(applied)
        close = show(core)
        # Checked on the GUI thread once the core is idle and no technician is in the mode:
        # nothing a citizen or a technician does slips in between.
        watch = exit_when(app, lambda: applied.is_set() and core.unattended(), RESTART_FOR_CONFIG)
        code = None
        try:
            code = app.exec()
        finally:
            watch.stop()
            close("config_applied" if code == RESTART_FOR_CONFIG else "shutdown")
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
        return core.start(devices_in_background=True)  # the screen comes up while they open
    except Exception:
        core.stop()
        raise
