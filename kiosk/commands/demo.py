"""`kiosk demo`: emulated devices, an embedded central backend and the kiosk, in one command.

Interactive (a display is there): the kiosk in a window; a simulated citizen places the demo
card on the emulated reader whenever the kiosk asks for it. Scripted (`--scripted`, what
`script/demo` uses without a display): one visit is driven through the real widgets, every screen
is saved to the output folder, and the receipt the printer emulator received is printed.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import click

from kiosk.commands.common import fail

# The demo's technicians' PIN (a deployment sets its own hash: `kiosk config pin-hash`).
DEMO_PIN = "2468"


@click.command()
@click.option("--scripted", is_flag=True, help="Drive one visit, save screenshots, print the receipt, exit.")
@click.option("--out", "out_dir", default="demo-out", show_default=True, type=click.Path(file_okay=False),
              help="Where screenshots go (scripted mode).")
@click.option("--card", default="zhang-wei", show_default=True, help="Demo card to place (config/cards/NAME.json).")
@click.option("--fullscreen", is_flag=True, help="Fullscreen window.")
@click.option("--printer-port", default=9100, show_default=True, help="Printer emulator port (another if busy).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Kiosk config to start from.")
def demo(scripted, out_dir, card, fullscreen, printer_port, config_path):
    """Run the kiosk against emulated devices and an embedded central backend."""
    from kiosk.core import KioskCore
    from kiosk.demo_env import DemoEnvironment
    from kiosk.diagnostics import Diagnostics, hash_pin
    from kiosk.logs import setup_logging
    from screens.app import make_application, make_window, quit_on_signals
    from screens.diagnostics import attach_diagnostics

    setup_logging()
    work = Path(tempfile.mkdtemp(prefix="kiosk-demo-"))
    out = Path(out_dir)
    if scripted and out.exists():
        shutil.rmtree(out)
    # Headless, the spoken prompts are kept as WAV files beside the screenshots.
    overrides = {"speech.record_dir": str(out / "speech")} if scripted else {}
    overrides["diagnostics.pin_hash"] = hash_pin(DEMO_PIN)
    env = DemoEnvironment(work, card=card, printer_port=printer_port, config_path=config_path, overrides=overrides)
    core = diagnostics = None
    try:
        env.start()
        click.echo(f"demo: ID-card reader emulator on {env.idcard_pty.device}", err=True)
        click.echo(f"demo: printer emulator on escpos+tcp://{env.printer.address[0]}:{env.printer.address[1]}", err=True)
        click.echo(f"demo: fingerprint module emulator on {env.fingerprint_pty.device}", err=True)
        click.echo(f"demo: camera playing {env.camera_video()}", err=True)
        click.echo(f"demo: central backend at {env.central.url}", err=True)
        click.echo(f"demo: diagnostics: five quick taps in the top-left corner, PIN {DEMO_PIN}", err=True)
        app = make_application()
        quit_on_signals(app)
        core = KioskCore(env.config, fingerprint_template=env.fingerprint_template).start()
        window = make_window(core.session, fullscreen=fullscreen, preview=core.preview)
        diagnostics = Diagnostics(core, emulators={"idcard": env.idcard, "printer": env.printer,
                                                    "fingerprint": env.fingerprint})
        attach_diagnostics(window, diagnostics)
        if scripted:
            _run_scripted(window, env, core, out)
        else:
            env.follow(core.session)
            app.exec()
    except Exception as exc:  # the front door reports what broke in one line, then exits non-zero
        fail(f"demo failed: {type(exc).__name__}: {exc}")
    finally:
        if diagnostics is not None:
            diagnostics.close()
        if core is not None:
            core.stop()
        env.stop()
        shutil.rmtree(work, ignore_errors=True)


def _run_scripted(window, env, core, out: Path) -> None:
    from screens.scripted_visit import ScriptedVisit

    script = ScriptedVisit(window, env, out)
    script.run()
    job = env.printer.wait_for_job(timeout=10)
    delivered = _wait_until_synced(core, timeout_s=15)
    script.show_out_of_service()
    window.shutdown()

    click.echo("---- receipt received by the printer emulator ----")
    click.echo(job.text)
    if job.qr_codes:
        click.echo(f"[QR] {job.qr_codes[0]}")
    click.echo("---- end of receipt ----")
    core.speaker.stop()  # let the last prompt finish
    spoken = sorted((out / "speech").glob("*.wav"))
    click.echo(f"spoken prompts: {len(spoken)} in {out}/speech/" + ("" if spoken else f" ({core.speaker.silent_reason})"))
    click.echo(f"screenshots: {len(script.shots)} in {out}/")
    for path in script.shots:
        click.echo(f"  {path}")
    stats = core.outbox.stats()
    click.echo(f"outbox: delivered={stats.get('delivered')} pending={stats.get('pending')}")
    if not delivered:
        fail("the visit record did not reach central within 15 s")
    sys.stdout.flush()


def _wait_until_synced(core, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        stats = core.outbox.stats()
        if stats.get("pending", 0) == 0 and stats.get("in_flight", 0) == 0 and stats.get("delivered", 0) >= 1:
            return True
        core.sync.wake()
        time.sleep(0.2)
    return False
