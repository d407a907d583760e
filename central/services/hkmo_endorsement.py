"""港澳通行证签注 — an endorsement on the Exit-Entry Permit for Hong Kong and Macao, paid by QR code.

POST /api/v1/services/hkmo_endorsement/eligibility {visit_id, permit_no, id_number}
  → {eligible, reason, permit_valid_until, permit_expiry, endorsements: [...]}. The permit must
  be the card holder's (else nothing about it is told), valid today (Beijing calendar) and
  have endorsements left. `permit_expiry` is the MRZ form (YYMMDD) the kiosk needs for the
  chip's access key. An endorsement is written on the card at once ("instant") only when the
  permit's last one is more than two calendar months old; otherwise it is still granted, for
  pickup at a counter.

Paying goes through central's order book, which calls PAYABLE: `price` checks eligibility
again and works the fee out; `fulfil` has the back office issue the endorsement.

The fee per time by kind is FEES_FEN, unless the operator config the kiosk runs gives this
service `fees_fen` (`individual = 1500` and so on: central/price_list.py). TIMES_OFFERED are
the counts a kiosk offers.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from central.applications import require_valid_id, site_today
from central.auth import SignedRequest, signed
from central.backoffice import ENDORSEMENT_KINDS, Permit, Refused, instant_issue_allowed
from central.context import Central, central_of
from central.identity import id_hash
from central.models import Storable
from central.payments.payable import Line, Payable, Priced, Undeliverable
from central.services.base import ServiceInfo
from central.services.paid import order_field, parse
from common.permits import mask_permit_no, permit_no_error

log = logging.getLogger(__name__)

INFO = ServiceInfo(id="hkmo_endorsement", title_zh="港澳通行证签注", title_en="Hong Kong and Macau endorsement")

KIND_TITLES = {"group": "团队旅游", "individual": "个人旅游", "family": "探亲", "business": "商务", "other": "其他"}
# Fee per endorsement per time (一次有效 15 yuan, 二次有效 30 yuan), in fen.
FEES_FEN: dict[str, int] = dict.fromkeys(ENDORSEMENT_KINDS, 1500)
# How many times (entries) one endorsement may be bought for at a kiosk.
TIMES_OFFERED: dict[str, tuple[int, ...]] = dict.fromkeys(ENDORSEMENT_KINDS, (1, 2))

Reason = Literal["permit_unknown", "permit_expired", "permit_not_holders", "no_endorsements_left"]
_STATUS = {"permit_unknown": 404}  # the other refusals are 409

router = APIRouter()


class PermitOf(Storable):
    permit_no: str = Field(max_length=16, description="C + a letter or digit + 7 digits (C03005988)")
    id_number: str = Field(max_length=32, description="from the ID card; the permit must be its holder's; never echoed")

    def check(self) -> None:
        """422 for a malformed permit or ID number, without echoing either."""
        error = permit_no_error(self.permit_no)
        if error is not None:
            raise HTTPException(422, error)
        require_valid_id(self.id_number)


class EligibilityIn(PermitOf):
    visit_id: str = Field(min_length=1, max_length=200)


class EndorsementOffer(BaseModel):
    kind: Literal["group", "individual", "family", "business", "other"] = Field(
        description="团队旅游 / 个人旅游 / 探亲 / 商务 / 其他")
    times: list[int] = Field(description="the counts that may be bought")
    fee_fen_per_time: int
    instant: bool = Field(description="written on the card now; false: granted for pickup")


class EligibilityOut(BaseModel):
    eligible: bool
    reason: Reason | None
    permit_valid_until: str | None = Field(description="ISO date; null when the permit is unknown or someone else's")
    permit_expiry: str | None = Field(description="YYMMDD as in the MRZ, for the chip's access key")
    endorsements: list[EndorsementOffer]


class OrderIn(PermitOf):
    """What a kiosk sends to open an order for this service (the order book's `body`)."""

    kind: str = Field(max_length=16)
    times: int = Field(strict=True)


def eligibility_of(permit: Permit | None, today: datetime.date, fees: dict[str, int]) -> dict[str, Any]:
    """The eligibility answer for a permit looked up for one ID number; `fees` per time by kind."""
    if permit is None or not permit.holder_matches:
        reason = "permit_unknown" if permit is None else "permit_not_holders"
        return {"eligible": False, "reason": reason, "permit_valid_until": None, "permit_expiry": None,
                "endorsements": []}
    answer = {"permit_valid_until": permit.valid_until.isoformat(),
              "permit_expiry": permit.valid_until.strftime("%y%m%d"), "endorsements": []}
    if permit.valid_until < today:
        return {"eligible": False, "reason": "permit_expired", **answer}
    instant = instant_issue_allowed(permit.last_endorsed_on, today)
    for kind in ENDORSEMENT_KINDS:
        left = permit.endorsements_left.get(kind, 0)
        times = [count for count in TIMES_OFFERED[kind] if count <= left]
        if times:
            answer["endorsements"].append(
                {"kind": kind, "times": times, "fee_fen_per_time": fees[kind], "instant": instant})
    if not answer["endorsements"]:
        return {"eligible": False, "reason": "no_endorsements_left", **answer}
    return {"eligible": True, "reason": None, **answer}


@router.post("/eligibility", response_model=EligibilityOut)
def eligibility(body: EligibilityIn, request: Request,
                signed_request: SignedRequest = Depends(signed)) -> dict[str, Any]:
    central = central_of(request)
    with central.engine.begin() as conn:
        kiosk_id = central.verifier.authenticate(conn, signed_request)
        fees = central.fees(conn, kiosk_id, INFO.id, FEES_FEN)
    body.check()  # after the signature: an unknown caller learns nothing, not even a 422
    return eligibility_of(central.backoffice.permit(body.permit_no, body.id_number.upper()), site_today(), fees)


def price(central: Central, conn: Connection, kiosk_id: str, body: Any) -> Priced:
    order = parse(OrderIn, body)
    order.check()
    today = site_today()
    answer = eligibility_of(central.backoffice.permit(order.permit_no, order.id_number.upper()), today,
                            central.fees(conn, kiosk_id, INFO.id, FEES_FEN))
    if not answer["eligible"]:
        raise HTTPException(_STATUS.get(answer["reason"], 409), answer["reason"])
    offer = next((o for o in answer["endorsements"] if o["kind"] == order.kind), None)
    if offer is None or order.times not in offer["times"]:
        raise HTTPException(422, "endorsement_not_allowed")
    amount = offer["fee_fen_per_time"] * order.times
    label = f"港澳{KIND_TITLES[order.kind]}签注 {order.times}次"
    return Priced(
        amount_fen=amount,
        description=f"往来港澳通行证{KIND_TITLES[order.kind]}签注",
        lines=(Line(label, amount, order.kind),),
        request={"permit_no": order.permit_no, "kind": order.kind, "times": order.times,
                 "fee_fen_per_time": offer["fee_fen_per_time"], "instant": offer["instant"],
                 "priced_on": today.isoformat()},
        id_hash=id_hash(central.hash_key, order.id_number),
        shown={"permit": mask_permit_no(order.permit_no)},  # the kiosk's entry stage "permit"
    )


def fulfil(central: Central, conn: Connection, order: Any) -> dict[str, Any]:
    request, order_id = order_field(order, "request"), order_field(order, "order_id")
    try:
        granted = central.backoffice.issue_endorsement(request["permit_no"], request["kind"], request["times"],
                                                       order_id)
    except Refused as refusal:
        log.warning("hkmo endorsement: the back office refused order %s: %s", order_id, refusal.reason)
        raise Undeliverable(refusal.reason) from None
    result: dict[str, Any] = {"outcome": granted.outcome, "kind": granted.kind, "times": granted.times}
    if granted.valid_until is not None:
        result["valid_until"] = granted.valid_until.isoformat()
    if granted.pickup_at is not None:
        result["pickup_at"] = granted.pickup_at.isoformat()
    if granted.pickup_place is not None:
        result["pickup_place"] = granted.pickup_place
    return result


PAYABLE = Payable(price=price, fulfil=fulfil)
