"""The soak: the real app offscreen, every emulator, thousands of visits, faults on the way.

    .venv/bin/python bench/soak.py [--visits 2000] [--out DIR] [--every 20] [--seed 0] [--central-down 20]
                                   [--hold 10] [--docs docs/performance.md] [--json FILE]

One process, as `kiosk demo` runs it: the DemoEnvironment (ID-card reader, fingerprint module,
scanner and dispenser on ptys, receipt printer on TCP, camera playing a citizen before a white
board, A4 printer to a folder, embedded central on SQLite with the payment provider simulator),
KioskCore with its ticker, device polling, face worker and sync worker, and the real window on
Qt's offscreen platform rendering every screen. A citizen thread taps through the Session as the
fleet simulator's citizens do (kiosk/fleet SimulatedKiosk: the five services a card reader,
fingerprint module and printers serve, paying by QR with a mix of paying, cancelling before
paying and paying then cancelling), at machine pace: an accelerated day. Of every 10 citizens
one comes for a new ID card and one for an ID photo, so that every service of the catalogue is
visited:

- 身份证自助领证: zhang-wei, with no card on the reader, types his ID number (or holds his
  application receipt's QR code under the scanner), presses his finger, and takes the card the
  dispenser presents. His new cards come one after another: the back office (the demo one, with
  a fresh card reference for each card) has the next one ready once central has told it the last
  was collected, and staff load it into the dispenser's slot then, as a technician refills it.
- 证件照采集: the card, the finger, then the camera's video at its real pace (a second or two)
  until a photo passes GA 461; the citizen accepts it (now and then retakes it once) and keeps it
  with a receipt code or not.

The identity check is the fingerprint (the face check follows the camera's video at its real
pace too: the e2e tests and bench_visits.py cover it).

Along the way, at fixed points of the run (fractions of --visits), faults come and go:
printer paper out (then loaded again), the ID-card reader unplugged (then plugged back), central
down for a while (visits queue in the outbox meanwhile), and the payment provider declining
every payment for a while.

Every --every visits, at the attract screen, the process samples itself: RSS (VmRSS in
/proc/self/status), open fds (/proc/self/fd), Python threads (threading.active_count) and OS
threads (/proc/self/task), and the size of every SQLite file under the data directory (with -wal
and -shm). Each visit's wall time is kept. At the end the outbox is drained and central is
audited against the kiosk's own record: every visit the kiosk recorded as completed is at central
exactly once, none it did not, and none the citizen saw fail; and no card was handed out twice:
the dispenser emulator presented as many cards as citizens took, each once, as many as central
has pickups handed over, and central has each card reference handed over once at most.

The process limits glibc to two malloc arenas first, as `kiosk run` does (common/memory.py).

Writes DIR/soak.csv (the samples), DIR/soak.png (RSS, fds and threads over visits, drawn with Qt)
and prints markdown; --docs replaces the soak section of that file with it, --json writes the
whole result (tests/bench/test_soak.py reads it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shlex
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT)] if str(ROOT) not in sys.path else []

import httpx  # noqa: E402

from central.demo_backoffice import DEMO_CARDS, DemoBackOffice  # noqa: E402
from drivers.idcard.demo_cards import load_demo_card  # noqa: E402
from kiosk.demo_env import DemoEnvironment  # noqa: E402
from kiosk.fleet import (  # noqa: E402
    CITIZEN_LOG,
    FINGER,
    FLEET_SERVICES,
    FleetError,
    SimulatedKiosk,
    card_template,
    completed_visit_ids,
)

WARMUP_FRACTION = 0.1  # the first tenth: caches, first paints, pools filling
SECTION = "## Soak: an accelerated day"


@dataclass
class Sample:
    visits: int
    seconds: float
    rss_kb: int
    fds: int
    threads: int
    tasks: int
    sqlite_bytes: dict[str, int]
    retained_kb: int = 0  # RSS once garbage is collected and malloc has given free pages back


@dataclass
class SoakResult:
    visits: int = 0
    attempts: int = 0
    seconds: float = 0.0
    samples: list[Sample] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    completed: int = 0
    failed: int = 0
    at_central: int = 0
    services: dict[str, int] = field(default_factory=dict)  # visits per service
    handed_over: int = 0  # pickups whose card the citizen took, at central
    presented: int = 0  # cards the dispenser emulator presented at its mouth
    photos: int = 0  # ID photo visits completed, at central
    problems: list[str] = field(default_factory=list)
    error: BaseException | None = None  # what stopped the citizen thread

    def growth(self, what: str) -> float:
        """The settled level late in the run minus the one after the warm-up: for fds and threads
        the minimum of each quarter (a transient worker or connection is not growth), for RSS the
        median."""
        values = [getattr(s, what) for s in self.samples if s.visits >= WARMUP_FRACTION * self.visits]
        if len(values) < 4:
            values = [getattr(s, what) for s in self.samples]
        quarter = max(1, len(values) // 4)
        pick = statistics.median if what.endswith("_kb") else min
        return pick(values[-quarter:]) - pick(values[:quarter])

    def settled_within_early(self, what: str, slack: int = 0) -> bool:
        """No growth of a count that transients make jitter: the lowest level of the last quarter is
        not above the highest of the first quarter after the warm-up. The in-process central,
        payment simulator and printer emulator hold server-side sockets and connection threads for
        a few seconds after a visit's requests (keep-alive), so single samples jitter by a few; a
        leak of one per visit, or one per few dozen, ends above the early range."""
        values = [getattr(s, what) for s in self.samples if s.visits >= WARMUP_FRACTION * self.visits]
        quarter = max(1, len(values) // 4)
        return min(values[-quarter:]) <= max(values[:quarter]) + slack


# ---- the process, from /proc/self -----------------------------------------------------------
def rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd")) - 1  # not the listing's own


def sqlite_sizes(data_dir: Path) -> dict[str, int]:
    """Each database's size with its -wal and -shm, by its path under the data directory."""
    sizes: dict[str, int] = {}
    for path in sorted(data_dir.rglob("*.db")):
        total = 0
        for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            with contextlib.suppress(FileNotFoundError):
                total += part.stat().st_size
        sizes[str(path.relative_to(data_dir))] = total
    return sizes


def retained_rss_kb() -> int:
    """RSS after a full collection and malloc_trim: what the process still holds, without the
    free heap pages glibc keeps for later (which make raw RSS swing by tens of MB visit to visit)."""
    from common.memory import give_back_freed_memory

    give_back_freed_memory()
    return rss_kb()


def sample(visits: int, started: float, data_dir: Path) -> Sample:
    raw = rss_kb()
    return Sample(visits, time.monotonic() - started, raw, open_fds(), threading.active_count(),
                  len(os.listdir("/proc/self/task")), sqlite_sizes(data_dir), retained_rss_kb())


# ---- the citizen ----------------------------------------------------------------------------
PICKUP, PHOTO = "id_card_pickup", "id_photo"
# Of every SPECIAL_EVERY citizens one comes for a card pickup and one for an ID photo (which follows
# the camera's video at its real pace); the others for one of the fleet's five services.
SPECIAL_EVERY = 10
PICKUP_HOLDER = "zhang-wei"  # whose new cards wait in the dispenser: his finger is the one resting
_PICKUP_DEMO = next(demo for demo in DEMO_CARDS if demo.card == PICKUP_HOLDER)
PICKUP_DEMO_REF, PICKUP_SLOT = _PICKUP_DEMO.card_ref, _PICKUP_DEMO.slot
PICKUP_RECEIPT = f"https://gab.example/slip/{_PICKUP_DEMO.receipt_code}"  # his application receipt's QR code
RETAKE_SHARE = 0.1  # photos the citizen does not like and retakes once
COME_BACK_TURNS = 5  # a citizen turned away at a greyed pickup or photo tile comes back after this many visits


class SoakKiosk(SimulatedKiosk):
    """The fleet simulator's citizen at the demo environment's kiosk (its devices, its core),
    who also collects new ID cards at the dispenser and has ID photos taken at the camera."""

    ANSWERED = SimulatedKiosk.ANSWERED + ("capture_photo", "dispense", "scan")

    def __init__(self, env, core, seed: int):
        self.data_dir = Path(env.config.data_dir)
        self.services = FLEET_SERVICES + (PICKUP, PHOTO)
        self.payment_control = env.payments.control_url
        self.face_worker = None
        self.kiosk_id = env.config.kiosk.id
        self.central_url = env.central.url
        self.random = random.Random(seed)
        self.reader = env.idcard
        self.printer = env.printer
        self.finger = env.fingerprint
        self.dispenser = env.dispenser
        self.scanner = env.scanner
        self.stock = env.stock
        self.core = core
        self._views = threading.Condition()
        self._view = core.session.view()
        core.session.subscribe(self._on_view)
        self.finger.place_finger(FINGER)  # where the simulated citizen's finger rests
        self._turn = 0
        self._owed: list[tuple[str, int]] = []  # (pickup or photo, from which turn): due, in turn
        self._picked = ""
        self.visited: Counter[str] = Counter()  # visits per service (greyed-out tiles not counted)

    def one_visit(self) -> bool:
        served = super().one_visit()
        if served:
            self.visited[self._picked] += 1
        elif self._picked in (PICKUP, PHOTO):  # turned away at a greyed tile: they come back later
            self._owed.insert(0, (self._picked, self._turn + COME_BACK_TURNS))
        return served

    def _pick_service(self) -> str:
        self._turn += 1
        if self._turn % SPECIAL_EVERY == SPECIAL_EVERY // 3:
            self._owed.append((PICKUP, self._turn))
        elif self._turn % SPECIAL_EVERY == 2 * SPECIAL_EVERY // 3:
            self._owed.append((PHOTO, self._turn))
        due = next((owed for owed in self._owed if owed[1] <= self._turn and (owed[0] != PICKUP or self.stock.ready())),
                   None)
        if due is not None:
            self._owed.remove(due)
            self._picked = due[0]
        else:
            self._picked = self.random.choice(FLEET_SERVICES)
        return self._picked

    def _carries_card(self, service: str) -> bool:
        return service != PICKUP  # they come for their first card, or a new one

    def _answer(self, view, card: str) -> None:
        session = self.core.session
        if view.state == "capture_photo":
            self._take_photo()
        elif view.state == "dispense":  # the card comes to the mouth: take it
            shown = self._wait("the card at the mouth", lambda v: v.state != "dispense" or v.handout == "presented")
            if shown.state == "dispense" and not self.dispenser.take():
                raise FleetError("the card presented at the mouth could not be taken")
        elif view.state == "scan":  # the receipt under the scanner, again until it beeps
            for _ in range(30):
                self.scanner.scan(PICKUP_RECEIPT)
                if self._wait_for(lambda: self.core.session.view().state != "scan", timeout=1.0):
                    break
        elif view.state == "choose" and view.service_id == PICKUP and view.stage_id == "method":  # how to find it
            session.choose("method", "receipt" if self.random.random() < 0.3 else "id_number")
        elif view.state == "enter" and view.entry.format == "id_number":
            for key in load_demo_card(PICKUP_HOLDER).id_number:
                session.key(view.stage_id, key)
            session.submit_entry(view.stage_id)
        else:
            super()._answer(view, card)

    def _take_photo(self) -> None:
        """Wait for the photo, retake it now and then, accept it."""
        session = self.core.session
        retake = self.random.random() < RETAKE_SHARE
        while True:
            shown = self._wait("the ID photo", lambda v: v.state != "capture_photo" or bool(v.photo and v.photo.photo))
            if shown.state != "capture_photo":
                return
            if not retake:
                session.accept_photo(shown.stage_id)
                return
            retake = False
            session.retake_photo(shown.stage_id)
            self._wait("another photo", lambda v, tries=shown.photo.tries: v.state != "capture_photo"
                       or (v.photo is not None and v.photo.photo is None) or (v.photo and v.photo.tries > tries))


class PickupStock:
    """PICKUP_HOLDER's new cards, one after another: the back office has the next one made, staff
    load it into the dispenser's slot (as a technician refills it), he collects it; once central
    has told the back office what became of a card, the next is loaded."""

    def __init__(self, env):
        self.env = env
        self.generation = 0  # 0: the demo stock's own card, loaded by the demo environment
        self._reported: set[str] = set()  # card refs the back office heard were collected or retracted
        self._lock = threading.Lock()

    def card_ref(self, demo_ref: str) -> str:
        return demo_ref if self.generation == 0 else f"{demo_ref}-{self.generation}"

    def reported(self, card_ref: str) -> None:
        with self._lock:
            self._reported.add(card_ref)

    def ready(self) -> bool:
        """Whether a card waits in the slot for its holder (loading the next one first if due)."""
        current = self.card_ref(PICKUP_DEMO_REF)
        with self._lock:
            done = current in self._reported
        dispenser = self.env.dispenser.describe()
        in_slot = bool(dispenser["slots"][PICKUP_SLOT])
        if done and not in_slot and dispenser["channel"] is None:
            self.env.load_card(PICKUP_SLOT, PICKUP_HOLDER)
            self.generation += 1
            return True
        return not done and in_slot


class SoakBackOffice(DemoBackOffice):
    """The demo back office, where PICKUP_HOLDER's card is the newest of the stock's."""

    def __init__(self, stock: PickupStock):
        super().__init__()
        self.stock = stock

    def _card(self, demo):  # every card the back office answers with is made here
        if demo.card_ref == PICKUP_DEMO_REF:
            demo = replace(demo, card_ref=self.stock.card_ref(demo.card_ref))
        return super()._card(demo)

    def card_collected(self, card_ref: str, kiosk_id: str) -> None:
        super().card_collected(card_ref, kiosk_id)
        self.stock.reported(card_ref)

    def card_retracted(self, card_ref: str, kiosk_id: str, reason: str, found_id_number: str | None = None) -> None:
        super().card_retracted(card_ref, kiosk_id, reason, found_id_number)
        self.stock.reported(card_ref)


BOOTH_VIDEO = """
import sys
from pathlib import Path
from drivers.emulation import face_video, photo_scenes
face_video.write_avi(photo_scenes.booth_citizen(sys.argv[2]), Path(sys.argv[1]), fps=face_video.DEFAULT_FPS)
"""


class SoakEnvironment(DemoEnvironment):
    """The demo environment with the booth camera (ID photos pass) and PickupStock's cards."""

    def __init__(self, data_dir: Path, **options):
        super().__init__(data_dir, camera="booth", **options)
        self.stock = PickupStock(self)

    def camera_video(self) -> Path:
        """The booth video, written by a child process: cutting the portrait out loads dlib's face
        models (some 100 MB), which the process under measurement should not hold for the day."""
        path = self.data_dir / self.camera_video_name
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            paths = os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))
            subprocess.run([sys.executable, "-c", BOOTH_VIDEO, str(path), self.face], check=True, timeout=600,
                           env={**os.environ, "PYTHONPATH": paths})
        return path

    def _start_central(self, port: int = 0) -> None:
        # A fresh back office each time central starts, as the demo's own (its fines and permits
        # as on the first day); the pickup stock lives on, and central's own table of hand-outs.
        self.central_options["backoffice"] = SoakBackOffice(self.stock)
        super()._start_central(port)


def soak_config_overrides() -> dict:
    return {
        "identity.default_methods": ["fingerprint"],
        "speech.enabled": False,
    }


# ---- faults ---------------------------------------------------------------------------------
class Faults:
    """What goes wrong during the day: each fault starts before its visit (a fraction of the run)
    and lasts a while in seconds, beside the citizens, as a fault in a police post would; a visit
    under way when it starts meets it."""

    def __init__(self, env, visits: int, central_down_s: float, log, hold_s: float = 10.0):
        self.env, self.log = env, log
        at = lambda fraction: max(1, int(visits * fraction))  # noqa: E731
        self.plan = {
            at(0.20): ("printer paper out", hold_s, lambda: env.printer.set_fault("paper_out"),
                       lambda: env.printer.set_fault(None)),
            at(0.35): ("ID-card reader unplugged", hold_s, lambda: env.idcard.set_fault("unplugged"),
                       lambda: env.idcard.clear_fault("unplugged")),
            # Central stops and comes back on its port and database; the outbox keeps the visits.
            at(0.50): ("central down", central_down_s, None, None),
            at(0.70): ("payment provider declines every payment", 2 * hold_s,
                       lambda: self._payment_fault("declined", True), lambda: self._payment_fault("declined", False)),
        }
        self._running: list[threading.Thread] = []

    def before(self, visit: int) -> None:
        planned = self.plan.pop(visit, None)
        if planned is None:
            return
        what, hold_s, on, off = planned
        self.log(f"{what} for {hold_s:g} s")
        if on is None:  # the outage: restart_central blocks while central is down
            thread = threading.Thread(target=self.env.restart_central, args=(hold_s,), name="soak-fault", daemon=True)
        else:
            on()
            thread = threading.Timer(hold_s, off)
            thread.name, thread.daemon = "soak-fault", True
        thread.start()
        self._running.append(thread)

    def _payment_fault(self, name: str, active: bool) -> None:
        httpx.post(f"{self.env.payments.control_url}/fault", json={"name": name, "active": active},
                   timeout=10).raise_for_status()

    def finish(self) -> None:
        """Wait for the faults still on to end (a short run may end inside one)."""
        for thread in self._running:
            thread.join()
        self._running.clear()


def wait_served(kiosk: SoakKiosk, timeout_s: float = 120.0) -> None:
    """Until the kiosk is at its attract screen again (out of service while a device is gone)."""
    kiosk._wait_for(lambda: kiosk.core.session.view().state == "attract", timeout=timeout_s)


def wait_every_service(kiosk: SoakKiosk, timeout_s: float = 120.0) -> None:
    """Until every tile is open (the camera and the face worker take a few seconds at start), so
    the first pickup and photo fall in the warm-up, as the first visit of every other service."""
    availability = lambda: kiosk.core._availability  # noqa: E731 (service id -> why it is closed, None: open)
    if not kiosk._wait_for(lambda: bool(availability()) and not any(availability().values()), timeout=timeout_s):
        closed = {service: why for service, why in availability().items() if why}
        raise FleetError(f"services still closed {timeout_s:g} s after start: {closed}")


# ---- the audit ------------------------------------------------------------------------------
def _completed_rows(env) -> list[tuple[str, str]]:
    """(idempotency key, payload) of every completed visit record at central, one per row."""
    from central.stats import completed_visit_keys  # the fleet audit's notion of a completed visit

    database = env.central.database_url
    with contextlib.closing(sqlite3.connect(database.removeprefix("sqlite:///"))) as db:
        rows = db.execute("SELECT idempotency_key, payload FROM records WHERE kind = 'visit'").fetchall()
    keys = set(completed_visit_keys(database))
    return [(key, payload) for key, payload in rows if key in keys]


def central_visits(env) -> list[str]:
    """The idempotency key of every completed visit record at central, one per row."""
    return [key for key, _payload in _completed_rows(env)]


def citizen_saw(data_dir: Path) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {"completed": set(), "failed": set()}
    path = data_dir / CITIZEN_LOG
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            what, _, visit_id = line.partition(" ")
            seen.setdefault(what, set()).add(visit_id)
    return seen


def audit(env, data_dir: Path, result: SoakResult) -> None:
    recorded = completed_visit_ids(data_dir)
    stored = central_visits(env)
    seen = citizen_saw(data_dir)
    result.completed, result.failed, result.at_central = len(recorded), len(seen["failed"]), len(stored)
    problems = result.problems
    if missing := recorded - set(stored):
        problems.append(f"{len(missing)} completed visits lost (not at central), e.g. {sorted(missing)[:3]}")
    if extra := set(stored) - recorded:
        problems.append(f"{len(extra)} visits at central the kiosk did not complete, e.g. {sorted(extra)[:3]}")
    if doubled := len(stored) - len(set(stored)):
        problems.append(f"{doubled} visits doubled at central")
    if unseen := seen["completed"] - set(stored):
        problems.append(f"{len(unseen)} visits the citizen saw completed are not at central")
    if failed := seen["failed"] & set(stored):
        problems.append(f"{len(failed)} visits the citizen saw fail are stored as completed")


def central_payloads(env) -> list[dict]:
    """The payload of every completed visit record at central."""
    return [json.loads(payload) for _key, payload in _completed_rows(env)]


def audit_pickups(env, result: SoakResult) -> None:
    """No card handed out twice: the dispenser presented as many cards as citizens took, each
    one once, each a pickup central has as handed over, each card of central's once."""
    payloads = central_payloads(env)
    handed = [p for p in payloads if p.get("service") == PICKUP and (p.get("handout") or {}).get("state") == "taken"]
    result.handed_over = len(handed)
    result.photos = sum(1 for p in payloads if p.get("service") == PHOTO)
    dispenser = env.dispenser.describe()
    taken = dispenser["taken"]
    result.presented = dispenser["counters"].get("present", 0)
    problems = result.problems
    if len(set(taken)) != len(taken):
        problems.append(f"the dispenser handed a card out twice: {taken}")
    if not result.presented == len(taken) == result.handed_over:
        problems.append(f"the dispenser presented {result.presented} cards, the citizens took {len(taken)}, "
                        f"central has {result.handed_over} pickups handed over")
    if others := [card for card in taken if env.card_holders.get(card) != PICKUP_HOLDER]:
        problems.append(f"cards of other holders handed out: {others}")
    with contextlib.closing(sqlite3.connect(env.central.database_url.removeprefix("sqlite:///"))) as db:
        twice = db.execute("SELECT card_ref, count(*) FROM card_pickups WHERE state = 'handed_over' "
                           "GROUP BY card_ref HAVING count(*) > 1").fetchall()
    if twice:
        problems.append(f"cards central has as handed over more than once: {twice}")


def drain(kiosk: SoakKiosk, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while kiosk.queued():
        if time.monotonic() > deadline:
            return False
        kiosk.core.sync.wake()
        time.sleep(0.2)
    return True


# ---- the run --------------------------------------------------------------------------------
def run_soak(visits: int, data_dir: Path, *, every: int = 20, seed: int = 0, central_down_s: float = 20.0,
             hold_s: float = 10.0, window: bool = True, log=print) -> SoakResult:
    """`visits` visits on one kiosk in this process (the caller's QApplication is used; with
    `window` the real window renders every screen offscreen). Device faults last `hold_s`, the
    payment declines twice that, central's outage `central_down_s`."""
    from kiosk.core import KioskCore

    result = SoakResult(visits=visits)
    env = SoakEnvironment(data_dir, overrides=soak_config_overrides())
    # A stable device link, as udev gives a real reader: the replugged reader is found again.
    data_dir.mkdir(parents=True, exist_ok=True)
    env.idcard_pty.link = str(data_dir / "ttyIDCARD")
    with env:
        core = KioskCore(env.config, fingerprint_template=card_template).start()
        shown = None
        try:
            if window:
                from screens.app import make_window

                shown = make_window(core.session, size=(1080, 1920), preview=core.preview)
            kiosk = SoakKiosk(env, core, seed)
            faults = Faults(env, visits, central_down_s,
                            lambda what: (result.faults.append(f"before visit {result.attempts + 1}: {what}"),
                                          log(f"  {result.faults[-1]}")), hold_s=hold_s)
            citizen = threading.Thread(target=_citizen, args=(kiosk, faults, result, every, data_dir, log),
                                       name="soak-citizen", daemon=True)
            started = time.monotonic()
            citizen.start()
            _pump_while(citizen, shown is not None)
            if result.error is not None:
                raise result.error
            faults.finish()
            drained = drain(kiosk, 120.0)
            if not drained:
                result.problems.append(f"outbox not drained: {kiosk.report()}")
            time.sleep(1.0)
            _pump(shown is not None)
            result.samples.append(sample(result.visits, started, data_dir))
            result.seconds = time.monotonic() - started
            result.services = dict(kiosk.visited)
            audit(env, Path(env.config.data_dir), result)
            audit_pickups(env, result)
        finally:
            if shown is not None:
                shown.shutdown()
            core.stop()
    return result


def _citizen(kiosk: SoakKiosk, faults: Faults, result: SoakResult, every: int, data_dir: Path, log) -> None:
    try:
        started = time.monotonic()
        wait_served(kiosk)
        wait_every_service(kiosk)
        result.samples.append(sample(0, started, data_dir))
        done = 0
        while done < result.visits:
            faults.before(result.attempts + 1)
            wait_served(kiosk)
            t0 = time.monotonic()
            served = kiosk.one_visit()
            result.attempts += 1
            if served:  # a visit, not a greyed tile
                done += 1
                result.latencies.append(time.monotonic() - t0)
                if done % every == 0:
                    wait_served(kiosk)
                    result.samples.append(sample(done, started, data_dir))
                    s = result.samples[-1]
                    log(f"  {done} visits, {s.seconds:.0f} s: RSS {s.rss_kb / 1024:.1f} MB ({s.retained_kb / 1024:.1f} trimmed), {s.fds} fds, "
                        f"{s.threads} threads ({s.tasks} tasks)")
        result.visits = done
    except BaseException as exc:  # handed to the main thread
        result.error = exc


def _pump(qt: bool) -> None:
    if qt:
        from PySide6.QtWidgets import QApplication

        QApplication.processEvents()


def _pump_while(thread: threading.Thread, qt: bool) -> None:
    """The main thread keeps the window's event loop going while the citizen taps."""
    if not qt:
        thread.join()
        return
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    while thread.is_alive():
        QApplication.processEvents(QEventLoop.AllEvents, 50)
        thread.join(0.01)


# ---- the report -----------------------------------------------------------------------------
def write_csv(result: SoakResult, path: Path) -> None:
    databases = sorted({name for s in result.samples for name in s.sqlite_bytes})
    lines = [",".join(["visits", "seconds", "rss_kb", "retained_kb", "fds", "threads", "tasks", *databases])]
    for s in result.samples:
        lines.append(",".join(map(str, [s.visits, round(s.seconds, 1), s.rss_kb, s.retained_kb, s.fds, s.threads, s.tasks,
                                        *(s.sqlite_bytes.get(name, 0) for name in databases)])))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def draw_png(result: SoakResult, path: Path) -> None:
    """Three stacked line charts over visits (RSS MB, open fds, threads), drawn with QPainter."""
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPen, QPolygonF

    if QGuiApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication([])  # noqa: F841
    series = [("RSS (MB): raw (blue), after gc + malloc_trim (orange)",
               [([s.rss_kb / 1024 for s in result.samples], QColor("#1f77b4")),
                ([s.retained_kb / 1024 for s in result.samples], QColor("#ff7f0e"))]),
              ("open fds", [([s.fds for s in result.samples], QColor("#d62728"))]),
              ("threads (OS tasks)", [([s.tasks for s in result.samples], QColor("#2ca02c"))])]
    xs = [s.visits for s in result.samples]
    width, panel, left, right, top = 900, 200, 80, 20, 40
    image = QImage(width, top + panel * len(series) + 40, QImage.Format_RGB32)
    image.fill(QColor("white"))
    p = QPainter(image)
    p.setRenderHint(QPainter.Antialiasing)
    p.setFont(QFont("DejaVu Sans", 10))
    p.drawText(QRectF(0, 5, width, 25), Qt.AlignCenter,
               f"soak: {result.visits} visits in {result.seconds / 60:.0f} min (x: visits done)")
    x_max = max(xs) or 1
    for i, (label, lines) in enumerate(series):
        y0 = top + i * panel
        plot = QRectF(left, y0 + 20, width - left - right, panel - 45)
        lo, hi = min(min(ys) for ys, _ in lines), max(max(ys) for ys, _ in lines)
        pad = max((hi - lo) * 0.1, 1.0)
        lo, hi = max(0.0, lo - pad), hi + pad
        p.setPen(QPen(QColor("#888888"), 1))
        p.drawRect(plot)
        p.setPen(QColor("black"))
        p.drawText(QRectF(left, y0, plot.width(), 18), Qt.AlignLeft, label)
        for value, y in ((hi, plot.top()), (lo, plot.bottom())):
            p.drawText(QRectF(0, y - 8, left - 6, 16), Qt.AlignRight | Qt.AlignVCenter, f"{value:.0f}")
        p.drawText(QRectF(left, plot.bottom() + 2, 60, 16), Qt.AlignLeft, "0")
        p.drawText(QRectF(plot.right() - 60, plot.bottom() + 2, 60, 16), Qt.AlignRight, str(x_max))
        for ys, colour in lines:
            points = QPolygonF([QPointF(plot.left() + plot.width() * x / x_max,
                                        plot.bottom() - plot.height() * (y - lo) / (hi - lo)) for x, y in zip(xs, ys)])
            p.setPen(QPen(colour, 2))
            p.drawPolyline(points)
    p.end()
    if not image.save(str(path), "PNG"):
        raise OSError(f"could not write {path}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def markdown(result: SoakResult, command: str, png: str | None) -> str:
    first, last = result.samples[0], result.samples[-1]
    warm = next((s for s in result.samples if s.visits >= WARMUP_FRACTION * result.visits), first)
    lat = result.latencies
    tenth = max(1, len(lat) // 10)
    rows = [
        f"{SECTION}",
        "",
        "**Goal:** over a day of visits RSS grows ≤ 10 MB, open fds and threads do not grow, and no",
        "visit is lost or doubled at central.",
        "",
        f"**Command:** `{command}`",
        "",
        f"{result.visits} visits ({result.attempts} attempts: a greyed-out tile during a fault is turned",
        f"away before a visit starts) in {result.seconds / 60:.1f} min; load average at the end "
        f"{os.getloadavg()[0]:.1f}.",
        "",
        "| measure | start | after warm-up | end | growth (settled) |",
        "|---|---:|---:|---:|---:|",
        f"| RSS (MB) | {first.rss_kb / 1024:.1f} | {warm.rss_kb / 1024:.1f} | {last.rss_kb / 1024:.1f} | "
        f"{result.growth('rss_kb') / 1024:+.1f} |",
        f"| RSS after gc + malloc_trim (MB) | {first.retained_kb / 1024:.1f} | {warm.retained_kb / 1024:.1f} | "
        f"{last.retained_kb / 1024:.1f} | {result.growth('retained_kb') / 1024:+.1f} |",
        f"| open fds | {first.fds} | {warm.fds} | {last.fds} | {result.growth('fds'):+.0f} |",
        f"| Python threads | {first.threads} | {warm.threads} | {last.threads} | {result.growth('threads'):+.0f} |",
        f"| OS threads (/proc/self/task) | {first.tasks} | {warm.tasks} | {last.tasks} | "
        f"{result.growth('tasks'):+.0f} |",
    ]
    for name in sorted(last.sqlite_bytes):
        rows.append(f"| {name} (KiB, with -wal, -shm) | {first.sqlite_bytes.get(name, 0) / 1024:.0f} | "
                    f"{warm.sqlite_bytes.get(name, 0) / 1024:.0f} | {last.sqlite_bytes[name] / 1024:.0f} | |")
    rows += [
        "",
        "| visit wall time | p50 s | p95 s | max s |",
        "|---|---:|---:|---:|",
        f"| first tenth of the visits | {percentile(lat[:tenth], 0.5):.2f} | {percentile(lat[:tenth], 0.95):.2f} | "
        f"{max(lat[:tenth]):.2f} |",
        f"| last tenth | {percentile(lat[-tenth:], 0.5):.2f} | {percentile(lat[-tenth:], 0.95):.2f} | "
        f"{max(lat[-tenth:]):.2f} |",
        f"| all | {percentile(lat, 0.5):.2f} | {percentile(lat, 0.95):.2f} | {max(lat):.2f} |",
        "",
        f"Audit: {result.completed} visits completed on the kiosk, {result.failed} ended failed "
        f"(refused cards, cancelled or declined payments, services down during a fault), "
        f"{result.at_central} completed visits at central: "
        + ("**none lost, none doubled**." if not result.problems else "**" + "; ".join(result.problems) + "**."),
        "",
        "Visits by service: " + ", ".join(f"{service} {n}" for service, n in sorted(result.services.items()))
        + f". Card pickups: {result.handed_over} cards handed over, {result.presented} presented by the dispenser "
        f"(each card once); ID photos: {result.photos} visits completed.",
        "",
        "Faults: " + "; ".join(result.faults) + ".",
    ]
    if png:
        rows += ["", f"![RSS, fds and threads over the soak]({png})"]
    return "\n".join(rows) + "\n"


def write_json(result: SoakResult, path: Path) -> None:
    data = asdict(result)
    data["error"] = None if result.error is None else repr(result.error)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


def read_json(path: Path) -> SoakResult:
    data = json.loads(path.read_text(encoding="utf-8"))
    data["samples"] = [Sample(**sample) for sample in data["samples"]]
    data["error"] = None  # a repr, for the report only
    return SoakResult(**data)


def replace_section(doc: Path, text: str) -> None:
    """The soak's section of `doc` (from its heading to the next `## `) becomes `text`."""
    old = doc.read_text(encoding="utf-8")
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    new = pattern.sub(lambda _m: text + "\n", old, count=1) if pattern.search(old) else old.rstrip("\n") + "\n\n" + text
    doc.write_text(new, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visits", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=None, help="where soak.csv and soak.png go (default: a temporary dir)")
    parser.add_argument("--every", type=int, default=20, help="sample the process every N visits")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--central-down", type=float, default=20.0, help="seconds central is down")
    parser.add_argument("--hold", type=float, default=10.0, help="seconds a device fault lasts (declines: twice that)")
    parser.add_argument("--docs", type=Path, default=None, help="replace the soak section of this markdown file")
    parser.add_argument("--json", type=Path, default=None, help="write the result (samples included) to this file")
    args = parser.parse_args()
    from common.memory import limit_malloc_arenas

    limit_malloc_arenas()  # as `kiosk run` does, before any thread
    os.environ.setdefault("QT_LOGGING_RULES", "default.warning=false")
    from PySide6.QtWidgets import QApplication

    from bench_transitions import offscreen_portrait_screen  # bench/ is on the path: run as a script

    command = ".venv/bin/python bench/soak.py " + shlex.join(sys.argv[1:])
    print(command, flush=True)
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        # The kiosk's 1080×1920 panel (the plain offscreen screen would cap the window at 800×800).
        os.environ["QT_QPA_PLATFORM"] = offscreen_portrait_screen(tmp)
        app = QApplication(sys.argv[:1])  # noqa: F841 (kept alive for the window)
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        result = run_soak(args.visits, Path(tmp) / "env", every=args.every, seed=args.seed,
                          central_down_s=args.central_down, hold_s=args.hold, log=lambda line: print(line, flush=True))
        write_csv(result, out / "soak.csv")
        if args.json:
            write_json(result, args.json)
        draw_png(result, out / "soak.png")
        png = os.path.relpath(out / "soak.png", args.docs.parent) if args.docs else str(out / "soak.png")
        text = markdown(result, command.strip(), png)
        print(text)
        if args.docs:
            replace_section(args.docs, text)
    return 1 if result.problems else 0


if __name__ == "__main__":
    sys.exit(main())
