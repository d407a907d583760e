"""A first-time citizen, per service: the whole visit through the real widgets, at human pace.

    .venv/bin/python bench/bench_visits.py [--runs 2] [--service ID]... [--think bench/think_times.toml] [--trace]

About 6 minutes a round of the four visits (they run at human pace): ~13 minutes with the
defaults. --trace prints each screen's text and the citizen's pause on stderr.

One process on Qt's offscreen platform with one 1080×1920 portrait screen, the kiosk as
`kiosk demo` runs it (KioskCore, the real window) against the DemoEnvironment, with the devices
at realistic pace:
- ID-card reader (GA 467 emulator) and barcode scanner on ptys paced at their line rates,
  115200 and 9600 baud (the fingerprint module at 57600, should the check fall back to it);
- the camera plays the cooperative citizen's video at its real frame rate (`pace=1`, as the demo);
- the receipt printer emulator answers the status asked after a job only once the receipt would
  be out (paper length / speed, think_times.toml [receipt_printer]);
- the A4 printer is `pdf+file://`: the PDF is filed at once (no page-out time);
- central is the embedded one on 127.0.0.1.

The citizen is screens/scripted_visit.py's ScriptedVisit with its screenshots switched off and a
human pause before every tap and hand movement: reading the screen's text once, then the
Keystroke-Level Model's M + P + K scaled for an older adult, or placing the card / holding the
receipt under the scanner / taking the printout (bench/think_times.toml, with its sources).

Each round is one visit of every service: the certificate (no_criminal_record), the temporary
ID, the progress query by card, the progress query by scanning the QR of the round's
certificate receipt, and traffic fines by card paying the holder's two fines at once (the QR
code paid through the payment provider simulator after the citizen's phone time). A first round is a warm-up (first paint of each page, caches): the same
visits without the citizen's pauses, whose machine time is reported on its own.

Per visit: total (the touch on the attract screen → back at the attract screen after 完成),
citizen (the pauses above), machine = total − citizen (what the citizen waits on the kiosk,
including the face check, which runs at the video's pace), taps in all and after the card is
read (or the receipt scanned), and when the paper was out (the last print stage over).
Prints the command and markdown tables (p50 over the rounds).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import statistics
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtWidgets import QAbstractButton, QApplication, QFormLayout, QLabel

from bench_transitions import offscreen_portrait_screen  # bench/ is on the path: run as a script
from drivers.printer.emulator import EscposEmulator
from kiosk.core import KioskCore
from kiosk.demo_env import DemoEnvironment, free_port
from screens.app import make_window
from screens.scripted_visit import ScriptedVisit
from screens.widgets import ButtonGrid

HERE = Path(__file__).resolve().parent
IDCARD_BAUD, SCANNER_BAUD, FINGERPRINT_BAUD = 115200, 9600, 57600
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# (label, service, what the script does): the round, in order. The QR visit scans the receipt of
# the round's certificate.
VISITS = (
    ("no_criminal_record", "no_criminal_record", dict(choices={"purpose": "employment"})),
    ("temporary_id", "temporary_id", dict(choices={"purpose": "travel"})),
    ("progress_query by card", "progress_query", dict(choices={"method": "card"})),
    ("progress_query by receipt QR", "progress_query", dict(choices={"method": "qr"})),
    # The card holder's two payable fines, picked and paid at once by QR code.
    ("traffic_fines, two fines", "traffic_fines", dict(choices={"method": "card"})),
)
GOAL_SERVICE, GOAL_TOTAL_S, GOAL_TAPS_AFTER_CARD = "no_criminal_record", 60.0, 5


class PacedReceiptPrinter(EscposEmulator):
    """The printer emulator with paper time: a job's cut is followed by the time the receipt takes
    to come out, during which this connection answers nothing (so the status the driver asks after
    the job comes when the paper is out)."""

    def __init__(self, *args, paper: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.paper = paper
        self.paper_s: list[float] = []

    def print_time(self, job) -> float:
        p = self.paper
        length = len(job.lines) * p["line_mm"] + len(job.qr_codes) * p["qr_mm"] + p["feed_and_cut_mm"]
        return length / p["speed_mm_s"] + p["cut_s"]

    def _finish(self, job, *, cut: bool) -> None:
        super()._finish(job, cut=cut)
        seconds = self.print_time(self.jobs[-1])
        self.paper_s.append(seconds)
        time.sleep(seconds)  # the connection thread: nothing more is read or answered meanwhile


def paced_environment(tmp: str, paper: dict) -> DemoEnvironment:
    port = free_port()
    env = DemoEnvironment(tmp, printer_port=port, overrides={
        # The post-job status now comes after the paper time: give it room (a deployment sets
        # status_timeout for its printer the same way).
        "devices.printer.url": f"escpos+tcp://127.0.0.1:{port}?timeout=2&status_timeout=5",
    })
    env.printer = PacedReceiptPrinter(host="127.0.0.1", port=port, paper=paper)
    env.idcard_pty.pace_baud = IDCARD_BAUD
    env.scanner_pty.pace_baud = SCANNER_BAUD
    env.fingerprint_pty.pace_baud = FINGERPRINT_BAUD
    return env


class Hands:
    """The environment as the script sees it, with the citizen's hand movements slowed to human
    pace: placing the card and holding the receipt under the scanner."""

    def __init__(self, env: DemoEnvironment, citizen: "Citizen"):
        self._env, self._citizen = env, citizen

    def place_card(self, name: str | None = None) -> None:
        self._citizen.act("place_card")
        self._env.place_card(name)
        self._citizen.identified()

    def scan(self, code: str) -> None:
        self._citizen.act("scan_receipt")
        self._env.scan(code)
        self._citizen.identified()

    def pay(self, qr_url: str) -> None:
        self._citizen.act("pay_by_phone")
        self._env.pay(qr_url)

    def __getattr__(self, name):
        return getattr(self._env, name)


@dataclass
class VisitTimes:
    total_s: float = 0.0
    reading_s: float = 0.0  # the citizen's pauses, by what they are for
    taps_s: float = 0.0
    hands_s: float = 0.0
    chars: int = 0
    paper_out_s: float = 0.0  # from the touch until the last print stage is over
    verify_s: float = 0.0
    taps: int = 0
    taps_after: int = 0
    outcome: str | None = None
    per_state: dict[str, float] = field(default_factory=dict)  # time on each screen, summed

    @property
    def citizen_s(self) -> float:
        return self.reading_s + self.taps_s + self.hands_s

    @property
    def machine_s(self) -> float:
        return self.total_s - self.citizen_s


class Citizen(ScriptedVisit):
    """ScriptedVisit without screenshots, pausing like a first-time older citizen before each
    action. The pause starts when the screen appeared (so the script's own settling time is
    part of it, not of the kiosk's time)."""

    def __init__(self, window, env, think: dict):
        super().__init__(window, Hands(env, self), Path(os.devnull))
        self.think = think
        klm, older = think["klm"], think["older_adult"]
        self.tap_s = older["factor"] * (klm["mental"] + klm["point"] + klm["press"])
        self.times = VisitTimes()
        self._screen: tuple | None = None
        self._shown_at = 0.0
        self._acted_at = 0.0  # when the citizen's last action on this screen was done
        self._read: set[tuple] = set()
        self._started: float | None = None
        self._identified = False
        self.trace = False
        self.pauses = True  # False: act at once (the warm-up round)
        self.overruns = 0  # actions that came later than their pause (script or kiosk still busy)

    # ---- what the script sees -----------------------------------------------------------------
    def shot(self, name: str):
        return None

    def _shoot_new_state(self) -> None:
        view = self.window.view
        if view is None:
            return
        screen = (view.state, view.stage_id)
        if screen != self._screen:
            now = time.perf_counter()
            if self._screen is not None and self._started is not None:
                state = self._screen[0]
                self.times.per_state[state] = self.times.per_state.get(state, 0.0) + now - self._shown_at
                if state == "verify":
                    self.times.verify_s += now - self._shown_at
                if state == "act":
                    self.times.paper_out_s = now - self._started
            self._screen, self._shown_at = screen, now

    # ---- the citizen --------------------------------------------------------------------------
    def reading_chars(self) -> int:
        """The current page's Chinese characters, the first time it is acted on (else 0)."""
        if self._screen in self._read:
            return 0
        self._read.add(self._screen)
        page = self.window.stack.currentWidget()
        skipped = set()
        rows = getattr(page, "rows", None)
        if self._screen[0] == "result" and rows is not None and hasattr(rows, "form"):
            form, keep = rows.form, self.think["reading"]["result_rows_read"]
            for row in range(max(0, form.rowCount() - keep)):
                for role in (QFormLayout.LabelRole, QFormLayout.FieldRole):
                    item = form.itemAt(row, role)
                    if item is not None and item.widget() is not None:
                        skipped.add(id(item.widget()))
        text = "".join(w.text() for kind in (QLabel, QAbstractButton) for w in page.findChildren(kind)
                       if w.isVisible() and id(w) not in skipped)
        if self.trace:
            print(f"  {self._screen[0]}/{self._screen[1]} reads {text!r}", file=sys.stderr)
        return len(CJK.findall(text))

    def pause(self, *, tap: bool = False, hands: float = 0.0) -> None:
        """Read the screen (once), then the tap's or the hands' time, counted from when the
        screen appeared or the citizen's last action on it ended (several taps on one screen:
        picking fines, typing a plate); the kiosk's event loop runs meanwhile."""
        if not self.pauses:
            return
        chars = self.reading_chars()
        reading = chars / self.think["reading"]["chars_per_second"]
        taps = self.tap_s if tap else 0.0
        t = self.times
        t.chars += chars
        t.reading_s += reading
        t.taps_s += taps
        t.hands_s += hands
        remaining = max(self._shown_at, self._acted_at) + reading + taps + hands - time.perf_counter()
        if self.trace:
            print(f"  {self._screen[0]}/{self._screen[1]}: {chars} characters {reading:.1f} s + tap {taps:.1f} s "
                  f"+ hands {hands:.1f} s", file=sys.stderr)
        if remaining < 0:
            self.overruns += 1
        else:
            self.pump(remaining)
        self._acted_at = time.perf_counter()

    def act(self, what: str) -> None:
        self._look()
        self.pause(hands=self.think["acts"][what])

    def identified(self) -> None:
        self._identified = True

    def click(self, widget) -> None:
        if self._started is None:  # the touch that wakes the attract screen starts the visit
            self._started = time.perf_counter()
        else:
            self._look()
            extra = self.think["acts"]["take_printout"] if self._screen[0] == "done" and self._printed() else 0.0
            where = self._grid_key(widget)
            self.pause(tap=True, hands=extra)
            if where is not None:  # the page may have rebuilt its buttons meanwhile
                grid, key = where
                widget = grid.buttons.get(key, widget)
        self.times.taps += 1
        self.times.taps_after += self._identified
        super().click(widget)

    def _grid_key(self, widget):
        """(the ButtonGrid, key) of a grid button, so it can be found again after a re-render."""
        for grid in self.window.stack.currentWidget().findChildren(ButtonGrid):
            for key, button in grid.buttons.items():
                if button is widget:
                    return grid, key
        return None

    def _look(self) -> None:
        QApplication.processEvents()
        self._shoot_new_state()

    def _printed(self) -> bool:
        view = self.window.view
        return bool(view.receipt_printed or view.document_printed)

    def visit(self, service_id: str, **plan) -> VisitTimes:
        self.times, self._screen, self._read = VisitTimes(), None, set()
        self._started, self._identified, self.overruns = None, False, 0
        self.run(service_id, english_tour=False, rating=5, **plan)
        # run() returns once the attract screen is back; _shown_at is when it came.
        self.times.total_s = self._shown_at - self._started
        self.times.outcome = self.last_done.outcome if self.last_done else None
        return self.times


def p50(values):
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2, help="measured rounds after the warm-up round")
    parser.add_argument("--service", action="append", choices=sorted({s for _, s, _ in VISITS}),
                        help="only this service (repeatable; the QR query needs no_criminal_record too)")
    parser.add_argument("--trace", action="store_true", help="each screen's text and pause on stderr")
    parser.add_argument("--think", type=Path, default=HERE / "think_times.toml", help="the citizen's times")
    args = parser.parse_args()
    think = tomllib.loads(args.think.read_text(encoding="utf-8"))

    results: dict[str, list[VisitTimes]] = {label: [] for label, service, _ in VISITS
                                            if not args.service or service in args.service}
    warmup: dict[str, VisitTimes] = {}
    overruns = 0
    load_before = os.getloadavg()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-visits-") as tmp:
        env = paced_environment(tmp, think["receipt_printer"])
        with env:
            os.environ["QT_QPA_PLATFORM"] = offscreen_portrait_screen(tmp)
            os.environ.setdefault("QT_LOGGING_RULES", "default.warning=false")
            app = QApplication(sys.argv[:1])  # noqa: F841 (kept alive for the window)
            core = KioskCore(env.config, fingerprint_template=env.fingerprint_template).start()
            window = make_window(core.session, size=(1080, 1920), preview=core.preview)
            try:
                citizen = Citizen(window, env, think)
                citizen.trace = args.trace
                for round_no in range(args.runs + 1):
                    citizen.pauses = round_no > 0  # the warm-up round acts at once
                    certificate_receipt = None
                    for label, service_id, plan in VISITS:
                        if args.service and service_id not in args.service:
                            continue
                        plan = dict(plan)
                        if plan["choices"].get("method") == "qr":
                            plan["scan"] = certificate_receipt
                        if service_id == "traffic_fines":
                            # Paid fines stay paid: a fresh central (its demo back office) for
                            # each round, before the visit's clock starts.
                            env.restart_central()
                        times = citizen.visit(service_id, **plan)
                        overruns += citizen.overruns
                        if service_id == "no_criminal_record":
                            certificate_receipt = env.last_receipt_code
                        (results[label].append(times) if round_no else warmup.__setitem__(label, times))
                        print(f"round {round_no} {label}: {times.total_s:.1f} s total, {times.machine_s:.1f} s machine, "
                              f"{times.taps} taps, outcome {times.outcome}", file=sys.stderr, flush=True)
            finally:
                window.shutdown()
                core.stop()
            paper = list(env.printer.paper_s)
    elapsed = time.monotonic() - started
    load_after = os.getloadavg()
    report(args, think, results, warmup, paper, overruns, elapsed, load_before, load_after)


def report(args, think, results, warmup, paper, overruns, elapsed, load_before, load_after) -> None:
    command = shlex.join([os.path.relpath(sys.executable), *sys.argv])
    print(f"command: `{command}` (offscreen 1080×1920; {args.runs} rounds after 1 warm-up round without pauses, "
          f"{elapsed:.0f} s in all; nproc {os.cpu_count()}, load average {load_before[0]:.2f} before, "
          f"{load_after[0]:.2f} after)\n")
    klm, older, acts = think["klm"], think["older_adult"], think["acts"]
    tap_s = older["factor"] * (klm["mental"] + klm["point"] + klm["press"])
    print(f"citizen: {tap_s:.2f} s a tap ({older['factor']} × (M {klm['mental']} + P {klm['point']} + K {klm['press']})), "
          f"reading {think['reading']['chars_per_second']} Chinese characters/s, card {acts['place_card']} s, "
          f"receipt under the scanner {acts['scan_receipt']} s, paying with the phone {acts['pay_by_phone']} s, "
          f"taking the printout {acts['take_printout']} s; "
          f"receipt paper time p50 {p50(paper):.2f} s over {len(paper)} receipts\n")
    print("| service | n | total s | paper out at s | machine s | of which face check s | citizen s: reading + taps + hands "
          "| characters read | taps after card / scan | taps in all | outcome | warm-up machine s |")
    print("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---|---:|")
    for label, runs in results.items():
        w = warmup.get(label)
        outcomes = ", ".join(sorted({str(r.outcome) for r in runs}))
        med = lambda attr: p50([getattr(r, attr) for r in runs])  # noqa: E731
        paper = f"{med('paper_out_s'):.1f}" if any(r.paper_out_s for r in runs) else "—"
        print(f"| {label} | {len(runs)} | {med('total_s'):.1f} | {paper} | {med('machine_s'):.1f} | {med('verify_s'):.1f} "
              f"| {med('citizen_s'):.1f}: {med('reading_s'):.1f} + {med('taps_s'):.1f} + {med('hands_s'):.1f} "
              f"| {med('chars'):.0f} | {med('taps_after'):.0f} | {med('taps'):.0f} | {outcomes} "
              f"| {w.machine_s:.1f} |" if w else "| — |")
    print("\n(p50 over the measured rounds. total: touch on the attract screen → attract screen again after 完成; "
          "machine = total − citizen; warm-up: the first visit of each service, no pauses)")
    print("\ntime on each screen, p50 s (the citizen's pauses included):\n")
    for label, runs in results.items():
        states = list(dict.fromkeys(s for r in runs for s in r.per_state))
        print(f"- {label}: " + ", ".join(f"{s} {p50([r.per_state.get(s, 0.0) for r in runs]):.1f}" for s in states))
    if overruns:
        print(f"\n{overruns} actions came later than their pause (the script or the kiosk was still busy): "
              "their excess counts as machine time")
    if GOAL_SERVICE not in results or not results[GOAL_SERVICE]:
        return
    goal = results[GOAL_SERVICE]
    total, after = p50([r.total_s for r in goal]), p50([r.taps_after for r in goal])
    met = {True: "met", False: "NOT met"}
    print(f"\ngoal: {GOAL_SERVICE} in ≤ {GOAL_TOTAL_S:.0f} s total and ≤ {GOAL_TAPS_AFTER_CARD} taps after the card: "
          f"{met[total <= GOAL_TOTAL_S]} for the time ({total:.1f} s vs ≤ {GOAL_TOTAL_S:.0f} s), "
          f"{met[after <= GOAL_TAPS_AFTER_CARD]} for the taps ({after:.0f} after the card vs ≤ {GOAL_TAPS_AFTER_CARD})")
    younger = p50([r.machine_s + r.reading_s + r.taps_s / older["factor"] + r.hands_s for r in goal])
    no_reading = p50([r.machine_s + r.taps_s + r.hands_s for r in goal])
    print(f"(computed from the same runs, not run: with the KLM operators unscaled, {younger:.1f} s; "
          f"with nothing read, {no_reading:.1f} s)")


if __name__ == "__main__":
    main()
