"""The fleet simulator: many headless kiosks doing citizen visits against one central.

Real: each kiosk is a `KioskCore` with its Session, services, the GA 467 and ESC/POS drivers,
the encrypted outbox, the sync worker and the signed central client, each with its own data
directory and enrolled credentials. Simulated: the citizen, who taps through Session intents,
and the hardware — per kiosk an ID-card reader emulator on a pty, an AS608 fingerprint module
emulator on a pty and a printer emulator on 127.0.0.1, inside this process. No Qt. The simulated
kiosks have no camera: the identity check is the fingerprint, where the citizen's finger already
rests (the face check is the e2e tests' and the demo's subject).

Resuming after a crash needs no journal of its own: a visit counts as completed once its row in
the outbox's `visits` table says so, and that row is written in the same SQLite transaction as
the visit's record, before the screen shows the citizen the rating page. Each kiosk appends
what its citizen saw at the end of a visit to `citizen.log` (`completed|failed <visit id>`),
so the chaos test can check the citizen's view against central too.

Any mix of services can run (`services`); a paid service's citizen pays through the payment
provider simulator's control API (`payment_control`, central/payments/simulator.py) with a mix
of outcomes: pays, cancels before paying, or pays and taps cancel at once (racing the payment).
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import secrets
import sqlite3
import threading
import time
import tomllib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from drivers.emulation.pty import PtyEndpoint
from drivers.fingerprint import demo_fingers
from drivers.fingerprint.emulator import As608Emulator
from drivers.idcard.demo_cards import load_demo_card
from drivers.idcard.emulator import Ga467Emulator
from drivers.printer.emulator import EscposEmulator
from kiosk.central_client import CentralClient
from kiosk.config import KioskConfig, default_config_text, load_config
from kiosk.core import KioskCore
from kiosk.identity.worker import FaceWorker
from kiosk.session import RATING_REASONS, REASON_REQUIRED_BELOW, SessionView

log = logging.getLogger(__name__)

SERVICE = "no_criminal_record"
PURPOSES = ("employment", "study_abroad", "visa", "qualification", "other")
CARDS = ("zhang-wei", "chen-siyuan", "li-na")  # li-na is refused: a final answer, nothing printed
STEP_TIMEOUT_S = 60.0  # longer than any kiosk deadline: a stuck kiosk is a bug, not a slow one
CITIZEN_LOG = "citizen.log"
FINGER = "zhang-wei-right-index"
# What a simulated citizen types, per card: the travel permit of its holder (demo back office).
PERMITS = {"zhang-wei": "C03005988", "li-na": "CK7654321", "chen-siyuan": "C98765432"}
# How the citizen at a payment code behaves, with its weight.
PAYMENT_MIX = (("pay", 0.75), ("cancel", 0.15), ("pay_and_cancel", 0.10))


def card_template(_card) -> bytes:
    """Every simulated citizen's finger. Stands in for the card's fingerprint block, as in
    tests/identity/test_fingerprint.py: its vendor format needs the licensed library."""
    return demo_fingers.press(FINGER, 99)


# The services a simulated kiosk (card reader, fingerprint, printers; no camera, no dispenser) serves.
FLEET_SERVICES = ("no_criminal_record", "temporary_id", "progress_query", "traffic_fines", "hkmo_endorsement")

class FleetError(Exception):
    """The fleet could not run: central unreachable at enrolment, or a kiosk got stuck."""


def kiosk_id(index: int) -> str:
    return f"sim-{index:04d}"


def completed_visit_ids(kiosk_dir: str | os.PathLike[str]) -> set[str]:
    """The visits this kiosk recorded as completed, read from its outbox (read-only)."""
    path = Path(kiosk_dir, "outbox.db")
    if not path.exists():
        return set()
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'visits'").fetchone() is None:
            return set()  # killed before the outbox's first transaction
        rows = conn.execute("SELECT visit_id FROM visits WHERE outcome = 'completed'").fetchall()
    finally:
        conn.close()
    return {visit_id for (visit_id,) in rows}


def ensure_secret(path: Path, central_url: str, kiosk: str) -> None:
    """Enrol once (central in --dev mode) and keep the secret; a crash never leaves half a file."""
    if path.exists():
        return
    secret = CentralClient.enrol(central_url, kiosk)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, secret.hex().encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)


class SimulatedKiosk:
    """One kiosk core with its emulated reader and printer, and the citizens who use it."""

    def __init__(self, data_dir: Path, kiosk: str, central_url: str, seed: int,
                 face_worker: FaceWorker | None = None, services: Sequence[str] = (SERVICE,),
                 payment_control: str | None = None):
        self.data_dir = data_dir
        self.services = tuple(services)
        self.payment_control = payment_control.rstrip("/") if payment_control else None
        self.face_worker = face_worker
        self.kiosk_id = kiosk
        self.central_url = central_url
        self.random = random.Random(seed)
        self.reader = Ga467Emulator()
        self.reader_pty = PtyEndpoint(self.reader)
        self.printer = EscposEmulator(port=0, on_job=lambda _job: None)
        self.finger = As608Emulator()
        self.finger_pty = PtyEndpoint(self.finger)
        self.core: KioskCore | None = None
        self._views = threading.Condition()
        self._view: SessionView | None = None

    def start(self) -> SimulatedKiosk:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "a4").mkdir(exist_ok=True)
        ensure_secret(self.data_dir / "kiosk.secret", self.central_url, self.kiosk_id)
        self.reader_pty.start()
        self.finger_pty.start()
        self.finger.place_finger(FINGER)
        self.printer.start()
        unknown = sorted(set(self.services) - set(FLEET_SERVICES))
        if unknown:
            raise FleetError(f"the fleet simulator does not drive {', '.join(unknown)} "
                             f"(it drives: {', '.join(FLEET_SERVICES)})")
        config = self._config()
        self.core = KioskCore(config, face_worker=self.face_worker, fingerprint_template=card_template).start()
        self.core.session.subscribe(self._on_view)
        return self

    def _config(self) -> KioskConfig:
        return load_config(None, {
            "kiosk.id": self.kiosk_id,
            "data_dir": str(self.data_dir),
            "devices": {  # no camera: the identity check is the fingerprint's alone
                "idcard": {"url": f"ga467://{self.reader_pty.device}?baudrate=115200&timeout=3", "poll_interval_s": 2},
                "printer": {"url": f"{self.printer.url}?timeout=3", "poll_interval_s": 2},
                # The A4 certificates go to a folder per kiosk.
                "docprinter": {"url": f"pdf+file://{(self.data_dir / 'a4').resolve()}", "poll_interval_s": 2},
                "fingerprint": {"url": f"as608://{self.finger_pty.device}?baudrate=57600&timeout=2",
                                "poll_interval_s": 2},
            },
            "identity.default_methods": ["fingerprint"],
            # The services its devices serve; the card pickup and the ID photo need a dispenser and a camera.
            "services": [{**service, "enabled": service["id"] in FLEET_SERVICES}
                         for service in tomllib.loads(default_config_text())["services"]],
            "central.url": self.central_url,
            "speech.enabled": False,
        })

    def stop(self) -> None:
        if self.core is not None:
            self.core.stop()
        for part in (self.reader_pty, self.finger_pty, self.printer):
            with contextlib.suppress(Exception):
                part.stop()

    # ---- what the citizen sees ---------------------------------------------------------------
    def _on_view(self, view: SessionView) -> None:
        with self._views:
            self._view = view
            self._views.notify_all()

    def _wait(self, what: str, done: Callable[[SessionView], bool]) -> SessionView:
        deadline = time.monotonic() + STEP_TIMEOUT_S
        with self._views:
            while self._view is None or not done(self._view):
                left = deadline - time.monotonic()
                if left <= 0:
                    view = self._view
                    state = f"{view.state} of {view.service_id}, stage {view.stage_id}" if view else "nothing"
                    raise FleetError(f"kiosk {self.kiosk_id} stuck waiting for {what} (screen shows {state})")
                self._views.wait(left)
            return self._view

    def _wait_state(self, *states: str) -> SessionView:
        return self._wait(" or ".join(states), lambda view: view.state in states)

    # ---- visits ------------------------------------------------------------------------------
    def completed(self) -> int:
        return len(completed_visit_ids(self.data_dir))

    def run_visits(self, target: int) -> None:
        """Serve citizens until `target` visits are recorded as completed on this kiosk."""
        while self.completed() < target:
            self.one_visit()

    def one_visit(self) -> bool:
        """One citizen at the kiosk; False when the tile they chose was greyed out and they left
        without a visit."""
        session = self.core.session
        self._wait_state("attract")
        card = self.random.choice(CARDS)
        service = self._pick_service()
        if self._carries_card(service):
            self.reader.place_card(load_demo_card(card))
        self._touch()
        session.choose_service(service)
        view = self._wait(
            "the service's first step",
            lambda v: v.state != "home" or v.message == "service_unavailable")
        if view.state == "home":  # greyed out for a moment (a device poll, the queue's bound)
            session.cancel()
            self._wait_state("attract")
            time.sleep(0.5)
            return False
        view = self._answer_steps(card)
        visit_id = view.visit_id
        if view.state == "rate":  # the record is committed before this page shows
            self._write_citizen_log("completed", visit_id)
            items = self._outbox_items()
            if self.random.random() < 0.8:
                score = self.random.randint(1, 5)
                session.rate(score)
                if score < REASON_REQUIRED_BELOW:  # the two lowest ask why
                    session.rate_reason(self.random.choice(RATING_REASONS))
                # The rating is queued off this thread: wait for it, so a drain sees it.
                self._wait_for(lambda: self._outbox_items() > items, timeout=5.0)
            else:
                session.skip_rating()
            self._wait_state("done")
        else:
            self._write_citizen_log("failed", visit_id)
        session.finish()
        self._wait_state("attract")
        self.reader.remove_card()
        return True

    def _touch(self) -> None:
        """Touch the attract screen until the home screen shows: a touch at the moment the kiosk
        goes out of service (a device gone) is lost, and the citizen touches again once it is back."""
        deadline = time.monotonic() + STEP_TIMEOUT_S
        self.core.session.touch()
        while not self._wait_for(lambda: self.core.session.view().state == "home", timeout=1.0):
            if time.monotonic() > deadline:
                self._wait_state("home")  # raises, saying what the screen shows
            if self.core.session.view().state == "attract":
                self.core.session.touch()

    def _pick_service(self) -> str:
        return self.random.choice(self.services)

    def _carries_card(self, service: str) -> bool:
        """Whether the citizen brings an ID card to place on the reader for `service`."""
        return True

    # The screens at which the citizen has something to do (the others pass on their own).
    ANSWERED = ("choose", "select", "enter", "confirm", "pay", "result")

    def _answer_steps(self, card: str) -> SessionView:
        """Tap through the service's questions (and pay) until the rating page or the end."""
        while True:
            view = self._wait("a step to answer", lambda v: v.state in self.ANSWERED + ("rate", "done", "attract"))
            if view.state in ("rate", "done", "attract"):
                return view
            self._answer(view, card)
            self._wait("the next step", lambda v, seen=(view.state, view.stage_id, view.visit_id):
                       (v.state, v.stage_id, v.visit_id) != seen)

    def _answer(self, view: SessionView, card: str) -> None:
        """What the citizen of `card` does at this screen."""
        session = self.core.session
        if view.state == "choose":
            ids = [cid for cid, _label in view.step.choices]
            pick = self.random.choice(PURPOSES) if view.stage_id == "purpose" and ids[0] in PURPOSES else \
                ("card" if "card" in ids else self.random.choice(ids))
            session.choose(view.stage_id, pick)
        elif view.state == "select":
            for option in view.select.options:
                if option.selectable:
                    session.toggle(view.stage_id, option.id)
            session.confirm()
        elif view.state == "enter":
            for key in PERMITS.get(card, "C00000000") if view.entry.format == "permit" else "":
                session.key(view.stage_id, key)
            session.submit_entry(view.stage_id)
        elif view.state in ("confirm", "result"):
            session.confirm()
        elif view.state == "pay":
            self._pay(view)

    def _pay(self, view: SessionView) -> None:
        """At the QR code: pay in the (simulated) app, cancel, or pay and cancel at once."""
        shown = self._wait("the payment code", lambda v: v.state != "pay" or bool(v.payment and v.payment.qr_url))
        if shown.state != "pay":
            return
        behaviour = self.random.choices([b for b, _w in PAYMENT_MIX], [w for _b, w in PAYMENT_MIX])[0]
        if behaviour != "cancel" and self.payment_control:
            try:
                httpx.post(f"{self.payment_control}/pay", json={"qr_url": shown.payment.qr_url}, timeout=10)
            except httpx.HTTPError as exc:  # the citizen's phone has no signal: they give up
                log.warning("simulated payment not made: %s", exc)
                behaviour = "cancel"
        if behaviour != "pay" or not self.payment_control:
            self.core.session.cancel()

    def _outbox_items(self) -> int:
        stats = self.core.outbox.stats()
        return sum(stats[state] for state in ("pending", "in_flight", "delivered", "dead", "quarantined"))

    def _write_citizen_log(self, seen: str, visit_id: str | None) -> None:
        with open(self.data_dir / CITIZEN_LOG, "a", encoding="utf-8") as journal:
            journal.write(f"{seen} {visit_id}\n")

    @staticmethod
    def _wait_for(condition: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    # ---- draining ----------------------------------------------------------------------------
    def queued(self) -> int:
        stats = self.core.outbox.stats()
        return stats["pending"] + stats["in_flight"]

    def report(self) -> dict[str, int]:
        stats = self.core.outbox.stats()
        return {
            "completed_visits": self.completed(),
            "delivered": stats["delivered"],
            "pending": stats["pending"] + stats["in_flight"],
            "dead": stats["dead"],
            "quarantined": stats["quarantined"],
        }


def run_fleet(central_url: str, kiosks: int, visits: int, data_dir: str | os.PathLike[str], *,
              seed: int = 0, drain_timeout_s: float = 60.0, services: Sequence[str] = (SERVICE,),
              payment_control: str | None = None) -> dict[str, Any]:
    """Run `kiosks` kiosks until each has `visits` completed visits, then drain their outboxes.

    Run again with the same `data_dir` to resume. Returns the totals over all kiosks.
    """
    root = Path(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    face_worker = FaceWorker()  # one for the fleet: no camera here, so it is never asked
    fleet = [SimulatedKiosk(root / kiosk_id(i), kiosk_id(i), central_url, seed * 100_003 + i, face_worker,
                            services, payment_control)
             for i in range(1, kiosks + 1)]
    started = time.monotonic()
    try:
        with ThreadPoolExecutor(max_workers=kiosks, thread_name_prefix="citizen") as pool:
            for future in [pool.submit(kiosk.start) for kiosk in fleet]:
                future.result()
            for future in [pool.submit(kiosk.run_visits, visits) for kiosk in fleet]:
                future.result()
        drained = _drain(fleet, drain_timeout_s)
        totals = {key: sum(kiosk.report()[key] for kiosk in fleet)
                  for key in ("completed_visits", "delivered", "pending", "dead", "quarantined")}
    finally:
        for kiosk in fleet:
            kiosk.stop()
        face_worker.close()
    return {**totals, "kiosks": kiosks, "drained": drained, "seconds": round(time.monotonic() - started, 1)}


def _drain(fleet: list[SimulatedKiosk], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while any(kiosk.queued() for kiosk in fleet):
        if time.monotonic() > deadline:
            return False
        for kiosk in fleet:
            if kiosk.queued():
                kiosk.core.sync.wake()
        time.sleep(0.2)
    return True
