"""Cold start: process start → the attract screen painted, next to a bare PySide6 window.

    .venv/bin/python bench/bench_startup.py [--runs 10]

What is timed, per run, in a fresh Python process on Qt's offscreen platform
(QT_QPA_PLATFORM=offscreen, given one 1080×1920 portrait screen, the kiosk's panel):
- kiosk: from just before the parent spawns the child (the child gets that time.time() in the
  environment) until the kiosk window's view is "attract", its native window is exposed and the
  attract page has finished its first paint. In between, the child does what `kiosk run` does:
  imports, QApplication + theme, KioskCore(config).start(devices_in_background=True) (opens the
  outbox; the devices open on a thread of their own, the services greyed "starting" until every
  device has answered), and the window. When that happened is shown too, outside the ratio.
- bare: the same span for a QWidget holding one QLabel, shown and painted.
The two kinds alternate, so both see the same machine.

Not timed: the emulated surroundings. The parent starts the DemoEnvironment (reader emulator on a
pty, printer emulator and central on 127.0.0.1) and enrols the kiosk with central BEFORE any run,
as in a police post where the devices are plugged in, central is up and the kiosk is provisioned.
One untimed warm-up run of each kind goes first (it creates the outbox database and warms the
file cache): "cold" here means a new process, not an empty page cache.

Prints the command and a markdown table (medians, the kiosk/bare ratio, and where the kiosk's time goes).
"""

from __future__ import annotations

import time

T_SCRIPT = time.time()  # the child's first line: everything before it is interpreter start-up

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shlex  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

T0_ENV = "BENCH_STARTUP_T0"
CONFIG_ENV = "BENCH_STARTUP_CONFIG"
CHILD_TIMEOUT_S = 30


# ---- the child side ------------------------------------------------------------------------
def report_when_painted(app, widget, ready, marks: dict) -> None:
    """Quit the event loop right after the first paint of `widget` at which `ready()` holds."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class PaintWatch(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Paint and "painted" not in marks and ready():
                # The filter runs before the paint itself: take the time once this paint is over.
                QTimer.singleShot(0, done)
            return False

    def done():
        if "painted" in marks:
            return
        marks["painted"] = time.time()
        app.quit()

    watch = PaintWatch(widget)
    widget.installEventFilter(watch)


def child_kiosk(marks: dict) -> None:
    from kiosk.config import load_config
    from kiosk.core import KioskCore
    from kiosk.logs import setup_logging
    from screens.app import make_application, make_window
    marks["imported"] = time.time()

    # The same steps, in the same order, as `kiosk run`.
    config = load_config(None, json.loads(os.environ[CONFIG_ENV]))
    setup_logging(config.data_path("logs"))
    app = make_application()
    marks["app"] = time.time()
    core = KioskCore(config).start(devices_in_background=True)  # as kiosk/commands/run.py start_core
    marks["core"] = time.time()
    window = make_window(core.session, size=(1080, 1920))
    marks["window"] = time.time()
    attract = window.pages["attract"]

    def ready():
        if window.view is not None and window.view.state == "out_of_service":
            # A device or central the config names is missing: the attract screen never comes.
            print(f"kiosk opened out of service: {window.view.out_of_service_reason}", file=sys.stderr)
            os._exit(3)
        handle = window.windowHandle()
        return (window.view is not None and window.view.state == "attract"
                and handle is not None and handle.isExposed() and attract.isVisible())

    report_when_painted(app, attract, ready, marks)
    try:
        app.exec()
        # The devices open on a thread meanwhile: until they have all answered, the tiles say
        # "starting". Not part of the ratio; shown beside it.
        while core._devices_starting and time.time() - marks["painted"] < CHILD_TIMEOUT_S:
            app.processEvents()
            time.sleep(0.002)
        marks["offered"] = time.time()
        print("BENCH " + json.dumps(marks), flush=True)
    finally:
        window.shutdown()
        core.stop()


def child_bare(marks: dict) -> None:
    from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget
    marks["imported"] = time.time()
    app = QApplication(sys.argv[:1])
    window = QWidget()
    text = QLabel("hello", window)
    QVBoxLayout(window).addWidget(text)
    window.resize(1080, 1920)
    window.show()
    marks["window"] = time.time()

    def ready():
        handle = window.windowHandle()
        return handle is not None and handle.isExposed()

    report_when_painted(app, text, ready, marks)
    app.exec()
    print("BENCH " + json.dumps(marks), flush=True)


# ---- the parent side -----------------------------------------------------------------------
def offscreen_portrait_screen(directory: str) -> str:
    """QT_QPA_PLATFORM value for an offscreen 1080×1920 screen. The plain offscreen screen is
    800×800, which would cap both windows and paint a third of the pixels the kiosk paints."""
    path = Path(directory, "screen.json")
    path.write_text(json.dumps({"screens": [{"name": "kiosk", "x": 0, "y": 0, "width": 1080, "height": 1920,
                                             "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    return f"offscreen:configfile={path}"


def run_child(kind: str, platform: str, config_overrides: dict) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM=platform, **{CONFIG_ENV: json.dumps(config_overrides)})
    env[T0_ENV] = repr(time.time())  # taken last, right before the spawn
    done = subprocess.run([sys.executable, __file__, "--child", kind], env=env, capture_output=True,
                          text=True, timeout=CHILD_TIMEOUT_S)
    lines = [line[6:] for line in done.stdout.splitlines() if line.startswith("BENCH ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{kind} child failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    marks = json.loads(lines[-1])
    t0 = marks.pop("t0")
    return {name: (value - t0) * 1000 for name, value in marks.items()}  # ms after spawn


def parent(runs: int) -> None:
    from kiosk.core import load_or_enrol_secret
    from kiosk.demo_env import DemoEnvironment

    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp, DemoEnvironment(tmp) as demo:
        load_or_enrol_secret(demo.config)  # provisioned once, like a deployed kiosk
        # Every device DemoEnvironment configures (ID card, receipt and A4 printers, scanner,
        # camera, fingerprint), as on a real kiosk: without the camera and the fingerprint reader
        # no service can check identity and the kiosk would open on "out of service".
        overrides = {"data_dir": demo.config.data_dir, "central.url": demo.central.url}
        for name, device in demo.config.devices.items():
            overrides[f"devices.{name}.url"] = device.url
            overrides[f"devices.{name}.poll_interval_s"] = device.poll_interval_s
        platform = offscreen_portrait_screen(tmp)
        run_child("bare", platform, overrides)  # warm-up, untimed
        run_child("kiosk", platform, overrides)
        results = {"bare": [], "kiosk": []}
        for _ in range(runs):
            for kind in ("bare", "kiosk"):
                results[kind].append(run_child(kind, platform, overrides))

    def median(kind, mark):
        return statistics.median(r[mark] for r in results[kind])

    bare, kiosk = median("bare", "painted"), median("kiosk", "painted")
    print(f"command: `{shlex.join([Path(sys.executable).name, *sys.argv])}` (offscreen 1080×1920 screen, "
          f"{runs} runs of each, median; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end)\n")
    print("| start-up (process spawn → painted) | median ms | min ms | max ms |")
    print("|---|---:|---:|---:|")
    for kind, name in (("bare", "bare PySide6 window (QWidget + QLabel)"), ("kiosk", "kiosk attract screen")):
        values = [r["painted"] for r in results[kind]]
        print(f"| {name} | {statistics.median(values):.0f} | {min(values):.0f} | {max(values):.0f} |")
    print(f"| **ratio kiosk / bare** | **{kiosk / bare:.2f}×** | | |")
    print("\nwhere the kiosk's median goes (ms after spawn, each mark's own median):\n")
    print("| interpreter up | imports done | config, logs, QApplication + theme | KioskCore started "
          "| window shown | attract painted | every device answered (services offered) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    marks = ("script", "imported", "app", "core", "window", "painted", "offered")
    print("| " + " | ".join(f"{median('kiosk', m):.0f}" for m in marks) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--child", choices=["kiosk", "bare"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is None:
        parent(args.runs)
        return
    marks = {"t0": float(os.environ[T0_ENV]), "script": T_SCRIPT}
    (child_kiosk if args.child == "kiosk" else child_bare)(marks)


if __name__ == "__main__":
    main()
