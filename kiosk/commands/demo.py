"""`kiosk demo`: emulated devices, an embedded central backend and the kiosk, in one command.

Interactive (a display is there): the kiosk in a window; a simulated citizen places the demo
card on the emulated reader whenever the kiosk asks for it. Scripted (`--scripted`, what
`script/demo` uses without a display): one visit of each enabled service (or of `--service ID`)
is driven through the real widgets, every screen is saved to the output folder with the A4
PDFs printed, and the receipts the printer emulator received are printed; then (`--technician`,
the default without `--service`) a technician's tour on the diagnostics screen and with `kiosk
diag` (the printer's fault injected through its emulator's control port), each step read back
from central's audit trail.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import click

from kiosk.commands.common import fail

# The demo's technicians' PIN (a deployment sets its own hash: `kiosk config pin-hash`).
DEMO_PIN = "2468"
# The demo central's fleet-page operator (a deployment adds its own: `kiosk central operator add`).
DEMO_OPERATOR, DEMO_OPERATOR_PASSWORD = "demo", "demo-operator-2468"
# How often the demo kiosk asks for its group's operator config (a deployment: 300 s + 60 s jitter).
DEMO_POLL_S = 10


@click.command()
@click.option("--scripted", is_flag=True, help="Drive visits, save screenshots and PDFs, print the receipts, exit.")
@click.option("--service", "service_id", help="Scripted: only this service (default: every enabled one in turn).")
@click.option("--technician/--no-technician", default=None,
              help="Scripted: after the visits, a technician's tour on the screen and at the console "
                   "(default: with every service's visits, not with --service).")
@click.option("--out", "out_dir", default="demo-out", show_default=True, type=click.Path(file_okay=False),
              help="Where screenshots go (scripted mode).")
@click.option("--card", default="zhang-wei", show_default=True, help="Demo card to place (config/cards/NAME.json).")
@click.option("--fullscreen", is_flag=True, help="Fullscreen window.")
@click.option("--printer-port", default=9100, show_default=True, help="Printer emulator port (another if busy).")
@click.option("--central-port", default=8765, show_default=True, help="Central's port (another if busy).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Kiosk config to start from.")
@click.option("--tuf-repo", type=click.Path(file_okay=False, exists=True),
              help="An operator-config repository (kiosk admin repo init): central serves it, the kiosk follows it.")
@click.option("--tuf-timestamp-key", type=click.Path(dir_okay=False, exists=True),
              help="The repository's timestamp key, for central to keep the timestamp fresh.")
@click.option("--group", help="The demo kiosk's group in --tuf-repo.")
def demo(scripted, service_id, technician, out_dir, card, fullscreen, printer_port, central_port, config_path,
         tuf_repo, tuf_timestamp_key, group):
    """Run the kiosk against emulated devices and an embedded central backend."""
    from drivers.emulation.control import ControlServer
    from kiosk.commands.run import serve_cores, start_core
    from kiosk.config_updates.startup import start_with_fallback
    from kiosk.demo_env import DemoEnvironment, free_port
    from kiosk.demo_technician import write_config
    from kiosk.diagnostics import Diagnostics, hash_pin
    from kiosk.logs import setup_logging
    from screens.app import make_application, make_window, quit_on_signals
    from screens.diagnostics import attach_diagnostics
    from screens.remote_capture import attach_remote_capture

    if bool(tuf_repo) != bool(group):
        fail("--tuf-repo and --group go together", 2)
    setup_logging()
    work = Path(tempfile.mkdtemp(prefix="kiosk-demo-"))
    out = Path(out_dir)
    if scripted and out.exists():
        shutil.rmtree(out)
    # Headless, the spoken prompts are kept as WAV files beside the screenshots.
    overrides = {"speech.record_dir": str(out / "speech")} if scripted else {}
    overrides["diagnostics.pin_hash"] = hash_pin(DEMO_PIN)
    central_options = {}
    if tuf_repo:
        trust = Path(tuf_repo, "metadata", "1.root.json")  # the root the repository began with
        if not trust.is_file():
            fail(f"{tuf_repo} is not an operator-config repository (no metadata/1.root.json)", 2)
        overrides.update({"updates.group": group, "updates.trust": str(trust.resolve()),
                          "updates.poll_s": DEMO_POLL_S, "updates.jitter_s": 0})
        central_options = {"tuf_repo": tuf_repo, "tuf_timestamp_key": tuf_timestamp_key}
    env = DemoEnvironment(work, card=card, printer_port=printer_port, config_path=config_path, overrides=overrides,
                          documents_dir=out / "documents" if scripted else None, camera="booth",
                          central_options=central_options, central_port=free_port(central_port))
    emulators = {"idcard": env.idcard, "printer": env.printer, "fingerprint": env.fingerprint,
                 "scanner": env.scanner, "dispenser": env.dispenser}

    def start(applied):
        core, config = start_with_fallback(env.config_path, env.config_overrides, lambda c: start_core(
            c, env.config_path, env.config_overrides, applied, fingerprint_template=env.fingerprint_template))
        if group:
            running = core.config_updates.status().get("running") if core.config_updates else None
            click.echo(f"demo: kiosk {config.kiosk.id} runs operator config "
                       + (f"version {running}" if running else "none yet") + f" of group {group}", err=True)
        return core

    def open_window(core):
        """The core's window, and what closes it."""
        window = make_window(core.session, fullscreen=fullscreen, preview=core.preview)
        diagnostics = Diagnostics(core, emulators=emulators)
        attach_diagnostics(window, diagnostics)
        attach_remote_capture(window, core.remote)  # support's screenshots, between visits only
        if not scripted:
            env.follow(core.session)

        def close(reason: str = "shutdown"):
            diagnostics.close(reason)
            window.shutdown()
        return window, close

    printer_control = None
    try:
        env.start()
        _add_demo_operator(env)
        # The printer emulator's control port, for faults from a shell (the console tour's too).
        printer_control = ControlServer(env.printer).start()
        click.echo(f"demo: ID-card reader emulator on {env.idcard_pty.device}", err=True)
        click.echo(f"demo: printer emulator on escpos+tcp://{env.printer.address[0]}:{env.printer.address[1]}", err=True)
        click.echo(f"demo: printer emulator control: kiosk emulate control --port {printer_control.address[1]} "
                   """'{"op": "fault", "kind": "paper_out"}'""", err=True)
        click.echo(f"demo: fingerprint module emulator on {env.fingerprint_pty.device}", err=True)
        click.echo(f"demo: camera playing {env.camera_video()}", err=True)
        click.echo(f"demo: barcode scanner emulator on {env.scanner_pty.device}", err=True)
        click.echo(f"demo: card dispenser emulator on {env.dispenser_pty.device}", err=True)
        click.echo(f"demo: A4 printer files PDFs in {env.documents_dir}", err=True)
        click.echo(f"demo: central backend at {env.central.url}", err=True)
        click.echo(f"demo: fleet page at {env.central.url}/fleet, operator {DEMO_OPERATOR}, "
                   f"password {DEMO_OPERATOR_PASSWORD}", err=True)
        click.echo(f"demo: payment provider simulator at {env.payments.url}", err=True)
        click.echo(f"demo: diagnostics: five quick taps in the top-left corner, PIN {DEMO_PIN}", err=True)
        config_file = write_config(work / "kiosk.toml", env.config_path, env.config_overrides)
        click.echo(f"demo: technicians' console: kiosk diag --config {config_file} status", err=True)
        if group:
            click.echo(f"demo: following group {group} of {tuf_repo} every {DEMO_POLL_S} s", err=True)
        app = make_application()
        quit_on_signals(app)
        if scripted:
            core = start(threading.Event())
            window, close = open_window(core)
            try:
                with_technician = service_id is None if technician is None else technician
                _run_scripted(window, env, core, out, service_id,
                              (config_file, printer_control.address) if with_technician else None)
            finally:
                close()
                core.stop()
        else:
            serve_cores(app, start, lambda core: open_window(core)[1])
    except Exception as exc:  # the front door reports what broke in one line, then exits non-zero
        fail(f"demo failed: {type(exc).__name__}: {exc}")
    finally:
        if printer_control is not None:
            printer_control.stop()
        env.stop()
        shutil.rmtree(work, ignore_errors=True)


def _add_demo_operator(env) -> None:
    from central.db import create_engine_for
    from central.operators import add_operator

    engine = create_engine_for(env.central.database_url)
    try:
        add_operator(engine, DEMO_OPERATOR, "Demo operator", "admin", DEMO_OPERATOR_PASSWORD)
    finally:
        engine.dispose()


# What the scripted citizen does in each service (kiosk demo --scripted).
SCRIPTS = {
    "no_criminal_record": dict(choices={"purpose": "employment"}, rating=5),
    "temporary_id": dict(choices={"purpose": "travel"}, rating=2, reason="slow"),
    "progress_query": dict(choices={"method": "card"}, rating=4),
    # zhang-wei's two payable fines (the third needs a counter), paid at once
    "traffic_fines": dict(choices={"method": "card"}, rating=5),
    # zhang-wei's permit (central/demo_backoffice.py), one individual visit endorsement
    "hkmo_endorsement": dict(entries={"permit": "C03005988"}, choices={"kind": "individual", "times": "1"}, rating=4),
    # zhang-wei's new card waits in slot 0 of the demo dispenser; the finger recorded at application
    "id_card_pickup": dict(choices={"method": "id_number"}, entries={"id_number": "110101198503121239"}, rating=5),
    # the photo kept, its receipt code printed
    "id_photo": dict(choices={"consent": "keep"}, rating=5),
}


def _run_scripted(window, env, core, out: Path, only: str | None, technician: tuple[Path, tuple] | None) -> None:
    """The citizens' visits; with `technician` (the demo's config file for `kiosk diag` and the
    printer emulator's control address), then the technician's tour on the screen and at the
    console."""
    from screens.scripted_visit import ScriptedVisit

    enabled = [s.id for s in env.config.services if s.enabled]
    if only is not None and only not in enabled:
        fail(f"no enabled service {only!r} (enabled: {', '.join(enabled)})")
    script = ScriptedVisit(window, env, out)
    receipts = []
    for number, service_id in enumerate([only] if only else enabled, start=1):
        plan = dict(SCRIPTS.get(service_id, {}))
        if service_id == "progress_query" and env.last_receipt_code and not only:
            # Card-free: the citizen scans the receipt of the first visit.
            plan.update(choices={"method": "qr"}, scan=env.last_receipt_code)
        script.prefix = f"{service_id.replace('_', '-')}-"
        script.run(service_id, english_tour=number == 1, **plan)
        done = script.last_done
        click.echo(f"demo: {service_id}: {done.outcome or 'no outcome'}"
                   + (f" {done.reference}" if done.reference else "") + (f" ({done.message})" if done.message else ""),
                   err=True)
        receipts += _new_receipts(env)
    delivered = _wait_until_synced(core, timeout_s=15)
    script.prefix = ""
    script.show_out_of_service()
    if technician is not None:
        _technician_tour(script, env, core, *technician)

    for job in receipts:
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
    documents = env.documents()
    click.echo(f"A4 documents: {len(documents)} in {env.documents_dir}/")
    for path in documents:
        click.echo(f"  {path}")
    photos = sorted(out.glob("*photo.jpg"))
    if photos:
        click.echo(f"ID photos (GA 461): {', '.join(str(p) for p in photos)}")
    stats = core.outbox.stats()
    click.echo(f"outbox: delivered={stats.get('delivered')} pending={stats.get('pending')}")
    if not delivered:
        fail("the visit records did not reach central within 15 s")
    sys.stdout.flush()


def _technician_tour(script, env, core, config_file: Path, printer_control: tuple[str, int]) -> None:
    """On the screen (screens/scripted_technician.py), then at the console (`kiosk diag`, the
    printer's fault through its emulator's control port); each step printed as central's audit
    trail has it."""
    from kiosk.demo_technician import central_audit, console_tour, describe
    from screens.scripted_technician import TechnicianTour

    before = {entry["id"] for entry in core.audit.entries(1000)}
    script.prefix = "technician-"
    TechnicianTour(script).run(DEMO_PIN)
    script.prefix = "technician-console-"

    def seen_by_citizens(state: str) -> None:
        script.wait_for(state)
        if state == "out_of_service":
            script.shot("citizens-out-of-service")

    def printer_fault_seen(timeout_s: float = 20) -> None:
        deadline = time.monotonic() + timeout_s
        while core.devices.statuses()["printer"].usable:  # polled every few seconds
            if time.monotonic() > deadline:
                raise TimeoutError(f"the kiosk did not see the printer's fault within {timeout_s:.0f} s")
            script.pump(0.1)

    host, port = printer_control
    console_tour(config_file, f"{host}:{port}", pump=lambda: script.pump(0.05), wait_state=seen_by_citizens,
                 wait_fault=printer_fault_seen, echo=lambda line: click.echo(line, err=True))
    script.prefix = ""
    steps = [entry["id"] for entry in core.audit.entries(1000) if entry["id"] not in before]
    entries = central_audit(env.central.database_url, env.config.kiosk.id, steps, wake=core.sync.wake,
                            pump=lambda: script.pump(0.05))
    click.echo(f"audit trail at central: the technician's {len(entries)} steps")
    for entry in entries:
        click.echo(f"  {entry['at']} {describe(entry)}")


def _new_receipts(env) -> list:
    jobs = []
    while True:
        try:
            jobs.append(env.printer.wait_for_job(timeout=0.5))
        except TimeoutError:  # no more jobs
            return jobs


def _wait_until_synced(core, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        stats = core.outbox.stats()
        if stats.get("pending", 0) == 0 and stats.get("in_flight", 0) == 0 and stats.get("delivered", 0) >= 1:
            return True
        core.sync.wake()
        time.sleep(0.2)
    return False
