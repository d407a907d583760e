"""Screen transition time: a citizen's tap on the real widget → the next page painted.

    .venv/bin/python bench/bench_transitions.py [--visits 30]

One process on Qt's offscreen platform with one 1080×1920 portrait screen (the kiosk's panel):
the kiosk as `kiosk demo` runs it (KioskCore with its ticker, the real window) against the
DemoEnvironment: reader emulator on a pty, printer emulator and central on 127.0.0.1. Each visit goes attract → home → identify → verify → choose → confirm →
ask/act/record → rate → done → attract.

Timed are only the transitions a tap causes. The clock starts just before QTest.mouseClick on
the widget and stops when window.view.state has left the old state, the new current page has had
a paint event after the tap, and the event loop has run to the end of that paint. The
transitions the devices or central drive (card read, answer, printing) are waited for, not timed.
Before each tap the event loop is left to settle, so one transition's work does not spill into
the next. The first visit is a warm-up (first paint of each page, font and style caches) and is
reported on its own line, not in the percentiles.

Prints the command and a markdown table (p50/p95/max per transition and over all of them).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from kiosk.core import KioskCore
from kiosk.demo_env import DemoEnvironment
from screens.app import make_window

SERVICE = "no_criminal_record"
PURPOSE = "study_abroad"
WAIT_S = 20  # ceiling for anything we wait on (devices, central); the benchmark fails past it
SETTLE_S = 0.05


class PaintLog(QObject):
    """Remembers when each page last got a paint event."""

    def __init__(self, pages):
        super().__init__()
        self.last: dict[int, float] = {}
        for page in set(pages):
            page.installEventFilter(self)

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Paint:
            self.last[id(obj)] = time.perf_counter()
        return False


def offscreen_portrait_screen(directory: str) -> str:
    """QT_QPA_PLATFORM value for an offscreen 1080×1920 screen. The plain offscreen screen is
    800×800, which would cap the window and paint a third of the pixels the kiosk paints."""
    path = Path(directory, "screen.json")
    path.write_text(json.dumps({"screens": [{"name": "kiosk", "x": 0, "y": 0, "width": 1080, "height": 1920,
                                             "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    return f"offscreen:configfile={path}"


def pump(app: QApplication, until, timeout: float = WAIT_S, *, what: str = "") -> None:
    """Run the event loop until `until()` holds. Short sleeps leave the GIL to the core's workers."""
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what or until}")
        app.processEvents()
        time.sleep(0.0002)


def settle(app: QApplication) -> None:
    end = time.monotonic() + SETTLE_S
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.001)


class Visitor:
    def __init__(self, app, env, window):
        self.app, self.env, self.window = app, env, window
        self.paints = PaintLog(window.pages.values())

    def state(self) -> str | None:
        return self.window.view.state if self.window.view is not None else None

    def wait_state(self, *states: str) -> None:
        pump(self.app, lambda: self.state() in states, what=f"state in {states}")

    def tap(self, find_widget) -> tuple[str, float]:
        """Tap the widget `find_widget()` returns (looked up just before the tap: pages rebuild
        their buttons on every render) and time it until the next page is painted."""
        settle(self.app)
        before = self.state()
        widget = find_widget()
        if not widget.isEnabled():
            raise RuntimeError(f"{widget} is disabled in state {before}")
        started = time.perf_counter()
        QTest.mouseClick(widget, Qt.LeftButton)

        def rendered():
            page = self.window.stack.currentWidget()
            return (self.state() != before and page is self.window.pages[self.state()]
                    and self.paints.last.get(id(page), 0.0) > started)

        pump(self.app, rendered, what=f"the page after {before}")
        return f"{before} → {self.state()}", (time.perf_counter() - started) * 1000

    def visit(self) -> list[tuple[str, float]]:
        pages, times = self.window.pages, []
        self.wait_state("attract")
        times.append(self.tap(lambda: pages["attract"]))
        # The tile is enabled once the core has found the devices usable.
        pump(self.app, lambda: SERVICE in pages["home"].tiles.buttons
             and pages["home"].tiles.buttons[SERVICE].isEnabled(), what="the service tile")
        times.append(self.tap(lambda: pages["home"].tiles.buttons[SERVICE]))
        self.env.place_card()  # the citizen puts the card down; the read is not timed
        # Nor is the identity check: the face with its challenges, at the camera's pace.
        pump(self.app, lambda: self.state() == "choose", timeout=90, what="the identity check")
        pump(self.app, lambda: PURPOSE in pages["choose"].choices.buttons, what="the purpose choices")
        times.append(self.tap(lambda: pages["choose"].choices.buttons[PURPOSE]))
        self.wait_state("confirm")
        times.append(self.tap(lambda: pages["confirm"].ok))
        self.wait_state("rate")  # central answers, the receipt prints: not timed
        pump(self.app, lambda: "5" in pages["rate"].ratings.buttons, what="the rating buttons")
        times.append(self.tap(lambda: pages["rate"].ratings.buttons["5"]))
        self.wait_state("done")
        times.append(self.tap(lambda: pages["done"].finish))
        self.env.lift_card()
        return times


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visits", type=int, default=30)
    args = parser.parse_args()

    samples: dict[str, list[float]] = {}
    warmup: list[tuple[str, float]] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-transitions-") as tmp, DemoEnvironment(tmp) as env:
        os.environ["QT_QPA_PLATFORM"] = offscreen_portrait_screen(tmp)
        # The offscreen plugin prints "does not support propagateSizeHints()" (an uncategorized
        # warning) on every page change; switch those off unless you set the rules yourself.
        os.environ.setdefault("QT_LOGGING_RULES", "default.warning=false")
        app = QApplication(sys.argv[:1])
        core = KioskCore(env.config, fingerprint_template=env.fingerprint_template).start()
        window = make_window(core.session, size=(1080, 1920), preview=core.preview)
        try:
            visitor = Visitor(app, env, window)
            warmup = visitor.visit()
            for _ in range(args.visits):
                for name, ms in visitor.visit():
                    samples.setdefault(name, []).append(ms)
        finally:
            window.shutdown()
            core.stop()
        size = window.size()
    elapsed = time.monotonic() - started

    print(f"command: `{shlex.join([Path(sys.executable).name, *sys.argv])}` (offscreen screen, window {size.width()}×{size.height()}; "
          f"{args.visits} visits after 1 warm-up visit, {elapsed:.0f} s in all)\n")
    print("| transition (tap → next page painted) | n | p50 ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    everything = []
    for name, values in samples.items():
        ordered = sorted(values)
        everything += values
        print(f"| {name} | {len(ordered)} | {statistics.median(ordered):.1f} | {percentile(ordered, 0.95):.1f} "
              f"| {ordered[-1]:.1f} |")
    ordered = sorted(everything)
    print(f"| **all taps** | {len(ordered)} | **{statistics.median(ordered):.1f}** | "
          f"**{percentile(ordered, 0.95):.1f}** | {ordered[-1]:.1f} |")
    print("\nwarm-up visit (first paint of each page): "
          + ", ".join(f"{name} {ms:.0f} ms" for name, ms in warmup))


if __name__ == "__main__":
    main()
