"""The reference back office: a demo data set of records, traffic violations and travel permits.

All ID numbers, plates, decision and permit numbers here are fictitious (valid check
characters, no real person or car behind them).

Records: anyone not listed gets a no-criminal-record certificate; these people are sent to a
service counter, as a real records check would for a hit that needs a person to look at it.
Everyone with a valid ID number gets a temporary identity proof. Offline applications are
decided as soon as central ingests them (a real back office may answer "accepted" and decide
later).

Traffic fines and permits live in memory, per process, guarded by one lock: paying a fine or
taking an endorsement changes them until central restarts. Their dates count back from the day
the back office was made (`today`, Beijing calendar), so the same fine is always the one 16
days late on the day central starts.

Card pickup: the demo stock (DEMO_CARDS) is loaded in every kiosk that asks, zhang-wei's card
in slot 0 and li-na's in slot 1; chen-siyuan's is still being made and ayigul-maimaiti's waits
in slot 2 of another kiosk. The fingerprints "recorded at application" are presses of the emulator's demo
fingers (common/demo_fingers.py), the photos the bundled portraits the demo cards show. What
kiosks report (collected, retracted) is kept in this object's memory, so per central process.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from importlib import resources

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from central.applications import CST, add_months, site_today
from central.backoffice import (
    ENDORSEMENT_KINDS,
    Applicant,
    Decision,
    Endorsement,
    Permit,
    PickupCard,
    Refused,
    TemporaryIdApplicant,
    Violation,
    instant_issue_allowed,
)
from central.sealing import unseal
from common import demo_fingers

REFUSAL_REASON = "请到户籍所在地派出所窗口办理 / please apply at the police station where your household is registered"

# ID number -> a note for demo operators (never shown to the citizen).
CRIMINAL_RECORDS: dict[str, str] = {
    "310104196811052463": "demo card li-na: insert it in `kiosk demo` to see a refusal",
    "110101198001011232": "demo: record on file",
    "440305199006152349": "demo: record on file",
    "510107197511203451": "demo: record on file",
}

# The demo cards' holders (config/cards/).
ZHANG_WEI = "110101198503121239"
LI_NA = "310104196811052463"
AYIGUL = "65010219920708138X"
CHEN_SIYUAN = "110105201009150034"

PLATE = "粤B12345"
NEW_ENERGY_PLATE = "粤BD12345"


@dataclass(frozen=True)
class _Fine:
    """A demo violation: on a driving licence (the driver's ID number), a plate, or both."""

    decision_no: str
    licence: str | None
    plate: str | None
    served_days_ago: int
    fine_fen: int
    points: int
    act: str
    place: str
    payable: bool = True
    reason: str | None = None
    paid_before: bool = False


FINES = (
    # 200 yuan served 16 days ago: day 16, one late day, 206 yuan (docs/payments.md).
    _Fine("4403051000000116", ZHANG_WEI, PLATE, 16, 20000, 3, "违反禁令标志指示",
          "深圳市南山区深南大道与科苑路交叉口"),
    _Fine("1101011000000205", ZHANG_WEI, None, 5, 10000, 0, "机动车违反规定停放",
          "北京市东城区景山前街"),
    # 12 points and licence revocation: a person must handle it.
    _Fine("1101011000000313", ZHANG_WEI, None, 10, 200000, 12, "驾驶机动车在高速公路上超过规定时速50%以上",
          "京港澳高速公路北京段K12+300", payable=False, reason="needs_counter"),
    # 90 days: 75 late days would be 225 %; the late fee stops at the fine.
    _Fine("3101041000000421", LI_NA, None, 90, 5000, 2, "驾驶人未按规定使用安全带",
          "上海市徐汇区漕溪北路"),
    _Fine("3101041000000530", LI_NA, None, 40, 20000, 2, "不按所需行进方向驶入导向车道",
          "上海市徐汇区中山西路与虹桥路交叉口", paid_before=True),
    # 20 days: 5 late days, 15 %.
    _Fine("4403051000000648", None, PLATE, 20, 20000, 0, "机动车违反规定停放",
          "深圳市福田区福华三路"),
    _Fine("4403051000000757", None, NEW_ENERGY_PLATE, 3, 20000, 3, "机动车违反禁止标线指示",
          "深圳市宝安区宝安大道"),
)


@dataclass(frozen=True)
class _Permit:
    permit_no: str
    holder: str
    valid_until: datetime.date | None  # None: expired a month before `today`
    left: dict[str, int]
    last_endorsed_days_ago: int | None


PICKUP_PLACE = "市公安局出入境接待大厅 签注取证窗口"
PICKUP_DAYS = 7
ENDORSEMENT_MONTHS = 3  # an instant endorsement's validity (never beyond the permit's)

PERMITS = (
    # The chip documents of drivers/pcsc/demo_documents.py (same numbers and expiry dates).
    _Permit("C03005988", ZHANG_WEI, datetime.date(2031, 5, 14), dict.fromkeys(ENDORSEMENT_KINDS, 2), 150),
    # endorsed 20 days ago: granted, but for pickup (once in two months on the spot)
    _Permit("CK7654321", LI_NA, datetime.date(2029, 8, 30),
            {"group": 2, "individual": 1, "family": 2, "business": 0, "other": 1}, 20),
    _Permit("CA1234567", AYIGUL, None, dict.fromkeys(ENDORSEMENT_KINDS, 2), 400),
    _Permit("C98765432", CHEN_SIYUAN, datetime.date(2030, 1, 31), dict.fromkeys(ENDORSEMENT_KINDS, 0), 100),
)


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
    """Implements central.backoffice.BackOffice from the tables above.

    `today` fixes the back office's calendar (tests); by default its data count back from the
    day it is made and its decisions use the current Beijing date. It takes sealed applicants:
    its key pair lives in this process only (a real adapter keeps its private key in its own
    key store, and gives central only `public_key`).
    """

    def __init__(self, today: datetime.date | None = None):
        self._today: Callable[[], datetime.date] = site_today if today is None else (lambda: today)
        start = self._today()
        self._private = X25519PrivateKey.generate()
        self.public_key = self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self._lock = threading.Lock()
        self._fines: dict[str, tuple[_Fine, Violation]] = {}
        self._paid_by: dict[str, str] = {}  # decision_no -> order id
        self._settled: dict[str, frozenset[str]] = {}  # order id -> its decisions
        for fine in FINES:
            served = start - datetime.timedelta(days=fine.served_days_ago)
            occurred = datetime.datetime.combine(served - datetime.timedelta(days=4), datetime.time(8, 15), CST)
            self._fines[fine.decision_no] = (fine, Violation(
                decision_no=fine.decision_no, occurred_at=occurred, served_on=served, place=fine.place,
                act=fine.act, fine_fen=fine.fine_fen, points=fine.points, payable=fine.payable, reason=fine.reason))
            if fine.paid_before:
                self._paid_by[fine.decision_no] = "before-kiosk"
        self._permits: dict[str, Permit] = {}
        self._holders: dict[str, str] = {}
        self._issued: dict[str, tuple[tuple[str, str, int], Endorsement]] = {}  # order id -> (request, answer)
        for item in PERMITS:
            last = item.last_endorsed_days_ago
            self._permits[item.permit_no] = Permit(
                permit_no=item.permit_no, holder_matches=True,
                valid_until=item.valid_until or start - datetime.timedelta(days=30),
                endorsements_left=dict(item.left),
                last_endorsed_on=None if last is None else start - datetime.timedelta(days=last))
            self._holders[item.permit_no] = item.holder
        self._marks: dict[str, tuple[str, float]] = {}  # card_ref -> (collected | retracted, when)
        self.reports: list[tuple[str, str, str]] = []  # (card_ref, kiosk_id, what): for operators and tests

    def open_applicant(self, envelope: str, record_key: str) -> Applicant:
        """The applicant of an offline application, from the envelope in its stored record."""
        person = unseal(self._private, envelope, record_key)
        return Applicant(person["id_number"], person["name"])

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

    # ---- traffic fines ---------------------------------------------------------------------

    def violations(self, id_number: str | None = None, plate: str | None = None) -> list[Violation]:
        if (id_number is None) == (plate is None):
            raise ValueError("look violations up by id_number or by plate, not both or neither")
        with self._lock:
            found = [(fine, violation) for fine, violation in self._fines.values()
                     if (id_number is not None and fine.licence == id_number.upper())
                     or (plate is not None and fine.plate == plate)]
            return [replace(violation, paid=violation.decision_no in self._paid_by) for _, violation in found]

    def settle(self, decision_nos: Sequence[str], order_id: str) -> None:
        wanted = frozenset(decision_nos)
        if not wanted:
            raise ValueError("settle needs at least one decision number")
        with self._lock:
            before = self._settled.get(order_id)
            if before is not None:
                if before != wanted:
                    raise ValueError(f"order {order_id} settled other decisions already")
                return
            for number in sorted(wanted):
                if number not in self._fines:
                    raise Refused("violation_unknown")
                if number in self._paid_by:
                    raise Refused("violation_already_paid")
                if not self._fines[number][1].payable:
                    raise Refused("violation_not_payable")
            for number in wanted:
                self._paid_by[number] = order_id
            self._settled[order_id] = wanted

    # ---- exit-entry ------------------------------------------------------------------------

    def permit(self, permit_no: str, id_number: str) -> Permit | None:
        with self._lock:
            permit = self._permits.get(permit_no)
            if permit is None:
                return None
            if self._holders[permit_no] != id_number.upper():
                # Someone else's: say so, and nothing about it.
                return Permit(permit_no=permit_no, holder_matches=False, valid_until=datetime.date.min)
            return replace(permit, endorsements_left=dict(permit.endorsements_left))

    def issue_endorsement(self, permit_no: str, kind: str, times: int, order_id: str) -> Endorsement:
        request = (permit_no, kind, times)
        with self._lock:
            if order_id in self._issued:
                before, endorsement = self._issued[order_id]
                if before != request:
                    raise ValueError(f"order {order_id} was for another endorsement")
                return endorsement
            if kind not in ENDORSEMENT_KINDS or isinstance(times, bool) or not isinstance(times, int) or times < 1:
                raise ValueError(f"no endorsement kind {kind!r} × {times!r}")
            permit = self._permits.get(permit_no)
            if permit is None:
                raise Refused("permit_unknown")
            today = self._today()
            if permit.valid_until < today:
                raise Refused("permit_expired")
            if permit.endorsements_left.get(kind, 0) < times:
                raise Refused("no_endorsements_left")
            if instant_issue_allowed(permit.last_endorsed_on, today):
                endorsement = Endorsement("instant", kind, times,
                                          valid_until=min(add_months(today, ENDORSEMENT_MONTHS), permit.valid_until))
            else:
                endorsement = Endorsement("pickup", kind, times, pickup_at=today + datetime.timedelta(days=PICKUP_DAYS),
                                          pickup_place=PICKUP_PLACE)
            left = {**permit.endorsements_left, kind: permit.endorsements_left[kind] - times}
            self._permits[permit_no] = replace(permit, endorsements_left=left, last_endorsed_on=today)
            self._issued[order_id] = (request, endorsement)
            return endorsement
