"""The reference back office: a demo data set of who has a criminal record.

All ID numbers here are fictitious (valid check character, no real person behind them).
Anyone not listed gets a no-criminal-record certificate; these people are sent to a service
counter, as a real records check would for a hit that needs a person to look at it. Everyone
with a valid ID number gets a temporary identity proof. Offline applications are decided as
soon as central ingests them (a real back office may answer "accepted" and decide later).

Card pickup: the demo stock (DEMO_CARDS) is loaded in every kiosk that asks, zhang-wei's card
in slot 0 and li-na's in slot 1; chen-siyuan's is still being made and ayigul-maimaiti's waits
in slot 2 of another kiosk. The fingerprints "recorded at application" are presses of the emulator's demo
fingers (common/demo_fingers.py), the photos the bundled portraits the demo cards show. What
kiosks report (collected, retracted) is kept in this object's memory, so per central process.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from importlib import resources

from central.backoffice import Applicant, Decision, PickupCard, TemporaryIdApplicant
from common import demo_fingers

REFUSAL_REASON = "请到户籍所在地派出所窗口办理 / please apply at the police station where your household is registered"

# ID number -> a note for demo operators (never shown to the citizen).
CRIMINAL_RECORDS: dict[str, str] = {
    "310104196811052463": "demo card li-na: insert it in `kiosk demo` to see a refusal",
    "110101198001011232": "demo: record on file",
    "440305199006152349": "demo: record on file",
    "510107197511203451": "demo: record on file",
}


def has_criminal_record(id_number: str) -> bool:
    return id_number.upper() in CRIMINAL_RECORDS




@dataclass(frozen=True)
class DemoCard:
    card_ref: str
    card: str  # the demo card in config/cards/ (drivers/idcard/demo_cards.py)
    id_number: str  # as in that card's file
    name: str
    receipt_code: str  # on the application receipt (its QR code)
    state: str
    kiosk_id: str | None  # None: loaded in whichever kiosk asks
    slot: int | None
    fingers: tuple[str, ...]  # demo fingers recorded at application
    face: str | None  # bundled portrait (drivers/emulation/faces) as the application photo


ELSEWHERE = "K-STATION-2"  # the kiosk ayigul-maimaiti's card waits in
DEMO_CARDS = (
    DemoCard("CARD-0001", "zhang-wei", "110101198503121239", "张伟", "SL20261120000101", "ready", None, 0,
             ("zhang-wei-right-index", "zhang-wei-left-index"), "astronaut"),
    DemoCard("CARD-0002", "li-na", "310104196811052463", "李娜", "SL20261120000102", "ready", None, 1,
             ("li-na-right-index", "li-na-right-thumb"), "grace-hopper"),
    DemoCard("CARD-0003", "chen-siyuan", "110105201009150034", "陈思远", "SL20261125000103", "in_production",
             None, None, ("chen-siyuan-right-index",), None),
    DemoCard("CARD-0004", "ayigul-maimaiti", "65010219920708138X", "阿依古丽·买买提", "SL20261118000104", "ready",
             ELSEWHERE, 2, ("ayigul-maimaiti-right-index",), None),
)


def _photo(face: str | None) -> bytes | None:
    if face is None:
        return None
    return resources.files("drivers").joinpath("emulation", "faces", f"{face}.jpg").read_bytes()


class DemoBackOffice:
    """Implements central.backoffice.BackOffice from the tables above."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._marks: dict[str, tuple[str, float]] = {}  # card_ref -> (collected | retracted, when)
        self.reports: list[tuple[str, str, str]] = []  # (card_ref, kiosk_id, what): for operators and tests

    # --- CardPickup ---------------------------------------------------------------------------

    def find_card(self, *, id_number: str | None = None, receipt_code: str | None = None) -> PickupCard | None:
        for demo in DEMO_CARDS:
            if (id_number is not None and demo.id_number == id_number.upper()) or \
                    (receipt_code is not None and demo.receipt_code == receipt_code.upper()):
                return self._card(demo)
        return None

    def cards_ready(self, kiosk_id: str) -> list[PickupCard]:
        cards = [self._card(demo) for demo in DEMO_CARDS]
        return sorted((c for c in cards if c.state == "ready" and c.kiosk_id in (None, kiosk_id)),
                      key=lambda c: c.slot)

    def card_collected(self, card_ref: str, kiosk_id: str) -> None:
        self._mark(card_ref, kiosk_id, "collected", "collected")

    def card_retracted(self, card_ref: str, kiosk_id: str, reason: str, found_id_number: str | None = None) -> None:
        self._mark(card_ref, kiosk_id, "retracted", f"retracted:{reason}")

    def _mark(self, card_ref: str, kiosk_id: str, state: str, what: str) -> None:
        with self._lock:
            self._marks.setdefault(card_ref, (state, time.time()))  # the first report stands
            self.reports.append((card_ref, kiosk_id, what))

    def _card(self, demo: DemoCard) -> PickupCard:
        card = PickupCard(
            card_ref=demo.card_ref, id_number=demo.id_number, name=demo.name, state=demo.state,
            kiosk_id=demo.kiosk_id, slot=demo.slot,
            fingerprints=tuple(demo_fingers.press(f, demo_fingers.APPLICATION_PRESS) for f in demo.fingers),
            photo=_photo(demo.face),
        )
        with self._lock:
            mark = self._marks.get(demo.card_ref)
        return card if mark is None else replace(card, state=mark[0], slot=None)

    # --- decisions ----------------------------------------------------------------------------

    def check_no_criminal_record(self, applicant: Applicant, purpose: str) -> Decision:
        if has_criminal_record(applicant.id_number):
            return Decision("refused", REFUSAL_REASON)
        return Decision("issued")

    def issue_temporary_id(self, applicant: TemporaryIdApplicant, purpose: str) -> Decision:
        return Decision("issued")
