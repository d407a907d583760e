"""身份证自助领证 — handing a finished resident ID card out of a kiosk's card dispenser.

POST …/id_card_pickup/lookup {visit_id, id_number | receipt_code} → LookupOut: is the card in
  this kiosk, in which slot, the fingerprint templates recorded at application and the
  application photo (face fallback), and `card_check` (common/pickup.py) so the kiosk can tell
  the card it reads at the read position is this citizen's before presenting it. Only a card
  that is ready in the asking kiosk gets slot, templates and photo; otherwise `reason` says why.
POST …/handed_over {visit_id}                   the citizen took the card
POST …/retracted {visit_id, reason}             into the reject bin: not_taken | fault | restart
POST …/wrong_card {visit_id, found_id_number?}  the card in the slot was another person's
  Reports are idempotent per visit: the same report again gets the same answer; another report
  after one was made is 409. Each is passed to the back office (CardPickup) once per visit.
POST …/stock {} → {slots: [{slot, cards}], cards}   how many cards wait in each of this kiosk's
  slots (nothing personal): for the kiosk's availability and its technicians.

Central keeps per visit the card's reference, slot, a keyed hash of the ID number and the
outcome; never templates or photos. A card handed over is collected for good; one retracted is
"retracted" until the back office says it was loaded again after that (`loaded_at`).
"""

from __future__ import annotations

import base64
import logging
import time
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import Connection, select, update

from central.applications import iso_utc, require_valid_id
from central.auth import SignedRequest, signed
from central.backoffice import PickupCard
from central.context import central_of
from central.db import card_pickups, insert_for
from central.identity import id_hash, is_valid_id_number, mask_id_number, mask_name
from central.models import Storable
from central.services.base import ServiceInfo
from common.pickup import card_check

log = logging.getLogger(__name__)

INFO = ServiceInfo(id="id_card_pickup", title_zh="身份证自助领证", title_en="ID card pickup")

router = APIRouter()

REASONS = ("ready", "not_found", "in_production", "elsewhere", "at_counter", "collected", "retracted")
FINAL = {"handed_over", "retracted", "wrong_card"}


class LookupIn(Storable):
    visit_id: str = Field(min_length=1, max_length=200)
    id_number: str | None = Field(default=None, max_length=32, description="typed on the keypad; never echoed back")
    receipt_code: str | None = Field(default=None, min_length=4, max_length=40,
                                     description="from the application receipt's QR code")

    @model_validator(mode="after")
    def _one_key(self) -> LookupIn:
        if (self.id_number is None) == (self.receipt_code is None):
            raise ValueError("give either id_number or receipt_code")
        return self


class LookupOut(BaseModel):
    ready: bool = Field(description="the card is in this kiosk's dispenser, waiting for its holder")
    reason: str = Field(description=" | ".join(REASONS))
    slot: int | None = Field(description="this kiosk's dispenser slot holding the card; ready only")
    card_id_masked: str | None = Field(description="the card's ID number, masked (1101**********1234)")
    name_masked: str | None
    card_check: str | None = Field(description="common.pickup.card_check(visit_id, the card's ID number); ready only")
    fingerprints: list[str] = Field(description="base64 AS608 templates of the fingers recorded at application")
    photo: str | None = Field(description="base64 JPEG of the application photo, for the face fallback")


class ReportIn(Storable):
    visit_id: str = Field(min_length=1, max_length=200)


class RetractedIn(ReportIn):
    reason: Literal["not_taken", "fault", "restart"]


class WrongCardIn(ReportIn):
    found_id_number: str | None = Field(default=None, max_length=32,
                                        description="the number on the card read instead; for the back office only")


class SlotStock(BaseModel):
    slot: int
    cards: int


class StockOut(BaseModel):
    slots: list[SlotStock]
    cards: int = Field(description="cards waiting for their holders in this kiosk")


class ReportOut(BaseModel):
    visit_id: str
    state: str = Field(description="handed_over | retracted | wrong_card")
    reported_at: str = Field(description="ISO 8601 UTC, of the first such report")


@router.post("/lookup", response_model=LookupOut)
def lookup(body: LookupIn, request: Request, signed_request: SignedRequest = Depends(signed)) -> dict[str, Any]:
    if body.id_number is not None:
        require_valid_id(body.id_number)
    central = central_of(request)
    receipt_code = None if body.receipt_code is None else body.receipt_code.strip().upper()
    with central.engine.begin() as conn:
        kiosk_id = central.verifier.authenticate(conn, signed_request)
        card = central.backoffice.find_card(id_number=body.id_number, receipt_code=receipt_code)
        if card is None:
            return _answer("not_found")
        if body.id_number is not None and card.id_number.upper() != body.id_number.upper():
            raise HTTPException(502, "the back office answered with another person's card")
        reason = _reason(conn, card, kiosk_id)
        if reason != "ready":
            return _answer(reason, card)
        person = id_hash(central.hash_key, card.id_number)
        _remember(conn, body.visit_id, kiosk_id, card, person)
    return _answer("ready", card, visit_id=body.visit_id)


@router.post("/stock", response_model=StockOut)
def stock(request: Request, signed_request: SignedRequest = Depends(signed)) -> dict[str, Any]:
    central = central_of(request)
    with central.engine.begin() as conn:
        kiosk_id = central.verifier.authenticate(conn, signed_request)
        ready = [card for card in central.backoffice.cards_ready(kiosk_id) if _reason(conn, card, kiosk_id) == "ready"]
    counts: dict[int, int] = {}
    for card in ready:
        counts[card.slot] = counts.get(card.slot, 0) + 1
    return {"slots": [{"slot": slot, "cards": n} for slot, n in sorted(counts.items())], "cards": len(ready)}


@router.post("/handed_over", response_model=ReportOut)
def handed_over(body: ReportIn, request: Request, signed_request: SignedRequest = Depends(signed)) -> dict[str, Any]:
    central = central_of(request)
    return _report(request, signed_request, body.visit_id, "handed_over", None,
                   lambda ref, kiosk: central.backoffice.card_collected(ref, kiosk))


@router.post("/retracted", response_model=ReportOut)
def retracted(body: RetractedIn, request: Request, signed_request: SignedRequest = Depends(signed)) -> dict[str, Any]:
    central = central_of(request)
    return _report(request, signed_request, body.visit_id, "retracted", body.reason,
                   lambda ref, kiosk: central.backoffice.card_retracted(ref, kiosk, body.reason))


@router.post("/wrong_card", response_model=ReportOut)
def wrong_card(body: WrongCardIn, request: Request, signed_request: SignedRequest = Depends(signed)) -> dict[str, Any]:
    found = body.found_id_number
    if found is not None and not is_valid_id_number(found):
        found = None  # a damaged read: the back office finds the card by its slot instead
    central = central_of(request)
    return _report(request, signed_request, body.visit_id, "wrong_card", None,
                   lambda ref, kiosk: central.backoffice.card_retracted(ref, kiosk, "wrong_card", found))


# ---- inside ------------------------------------------------------------------------------------


def _reason(conn: Connection, card: PickupCard, kiosk_id: str) -> str:
    """Why the card can or cannot be handed out here: central's own reports first (a handed-over
    card is gone for good), then what the back office says."""
    reports = conn.execute(
        select(card_pickups.c.state, card_pickups.c.reported_at)
        .where(card_pickups.c.card_ref == card.card_ref, card_pickups.c.state.in_(FINAL))
    ).all()
    if any(state == "handed_over" for state, _ in reports):
        return "collected"
    if any(reported_at >= card.loaded_at for _, reported_at in reports):
        return "retracted"  # in a reject bin: staff must take it out and load it again
    if card.state != "ready":
        return card.state if card.state in REASONS else "in_production"
    if card.slot is None or (card.kiosk_id is not None and card.kiosk_id != kiosk_id):
        return "elsewhere"
    return "ready"


def _remember(conn: Connection, visit_id: str, kiosk_id: str, card: PickupCard, person: str) -> None:
    """One card per visit: a repeated lookup gets the same card; another card, another kiosk or
    a visit already reported is refused."""
    conn.execute(insert_for(conn, card_pickups).values(
        visit_id=visit_id, kiosk_id=kiosk_id, card_ref=card.card_ref, id_hash=person, slot=card.slot,
        state="looked_up", looked_up_at=time.time(),
    ).on_conflict_do_nothing(index_elements=[card_pickups.c.visit_id]))
    row = _by_visit(conn, visit_id)
    if (row["kiosk_id"], row["card_ref"], row["id_hash"]) != (kiosk_id, card.card_ref, person):
        raise HTTPException(409, "this visit id was already used for another request")
    if row["state"] != "looked_up":
        raise HTTPException(409, f"this visit's card was already reported {row['state']}")
    if row["slot"] != card.slot:
        conn.execute(update(card_pickups).where(card_pickups.c.visit_id == visit_id).values(slot=card.slot))


def _answer(reason: str, card: PickupCard | None = None, *, visit_id: str | None = None) -> dict[str, Any]:
    ready = reason == "ready"
    return {
        "ready": ready,
        "reason": reason,
        "slot": card.slot if ready else None,
        "card_id_masked": mask_id_number(card.id_number.upper()) if card else None,
        "name_masked": mask_name(card.name) if card else None,
        "card_check": card_check(visit_id, card.id_number) if ready and visit_id else None,
        "fingerprints": [base64.b64encode(t).decode() for t in card.fingerprints] if ready else [],
        "photo": base64.b64encode(card.photo).decode() if ready and card.photo else None,
    }


def _report(request: Request, signed_request: SignedRequest, visit_id: str, state: str, reason: str | None,
            tell_backoffice) -> dict[str, Any]:
    central = central_of(request)
    with central.engine.begin() as conn:
        kiosk_id = central.verifier.authenticate(conn, signed_request)
        row = _apply(conn, kiosk_id, visit_id, state, reason, tell_backoffice)
    return {"visit_id": visit_id, "state": row["state"], "reported_at": iso_utc(row["reported_at"])}


def _apply(conn: Connection, kiosk_id: str, visit_id: str, state: str, reason: str | None, tell_backoffice) -> Any:
    """The visit's report, once: the first one moves the state and tells the back office (in
    the transaction: a failure undoes the report); the same again is answered the same."""
    row = _by_visit(conn, visit_id)
    if row is None:
        raise HTTPException(404, "no card was looked up for this visit")
    if row["kiosk_id"] != kiosk_id:
        raise HTTPException(409, "this visit id was already used for another request")
    if row["state"] == "looked_up":
        # Only the first report of the visit moves the state; a racing resend finds it done.
        changed = conn.execute(
            update(card_pickups)
            .where(card_pickups.c.visit_id == visit_id, card_pickups.c.state == "looked_up")
            .values(state=state, reason=reason, reported_at=time.time())
        ).rowcount
        if changed:
            tell_backoffice(row["card_ref"], kiosk_id)
        row = _by_visit(conn, visit_id)
    if row["state"] != state:
        raise HTTPException(409, f"this visit's card was already reported {row['state']}")
    return row


# A kiosk's hand-out journal (kiosk/card_handout.py: final state, reason) -> the report it means.
_FROM_HANDOUT = {("taken", None): ("handed_over", None), ("taken", "restart"): ("handed_over", None),
                 ("retracted", "not_taken"): ("retracted", "not_taken"), ("retracted", "fault"): ("retracted", "fault"),
                 ("retracted", "restart"): ("retracted", "restart"), ("retracted", "wrong_card"): ("wrong_card", None)}


def learn_record(conn: Connection, central, kiosk_id: str, payload: dict[str, Any]) -> None:
    """A pickup visit's record (through the outbox) says how its hand-out ended: the same report
    as the routes above, so the back office hears of it even when the kiosk could not call
    live. A card that never moved (or is jammed in the channel) is not reported: it is still
    where it was, for the back office and the technician."""
    handout = payload.get("handout")
    visit_id = payload.get("visit_id")
    if not isinstance(handout, dict) or not isinstance(visit_id, str):
        return
    report = _FROM_HANDOUT.get((handout.get("state"), handout.get("reason")))
    if report is None:
        return
    state, reason = report
    backoffice = central.backoffice
    tell = {"handed_over": lambda ref, kiosk: backoffice.card_collected(ref, kiosk),
            "retracted": lambda ref, kiosk: backoffice.card_retracted(ref, kiosk, reason),
            "wrong_card": lambda ref, kiosk: backoffice.card_retracted(ref, kiosk, "wrong_card", None)}[state]
    row = _by_visit(conn, visit_id[:200])
    if row is None or row["kiosk_id"] != kiosk_id or row["state"] not in ("looked_up", state):
        # not looked up by this kiosk, or already reported otherwise: the record stands alone
        log.warning("pickup record of visit %s not applied (%s)", visit_id[:200], row["state"] if row else "unknown")
        return
    _apply(conn, kiosk_id, visit_id[:200], state, reason, tell)


def _by_visit(conn: Connection, visit_id: str) -> Any:
    return conn.execute(select(card_pickups).where(card_pickups.c.visit_id == visit_id)).mappings().first()
