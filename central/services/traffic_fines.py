"""交通违法查询缴款 — traffic violations: look them up, pay their fines by QR code.

POST /api/v1/services/traffic_fines/query {visit_id, by: "id_card"|"plate", id_number | plate}
  → {violations: [...], total_due_fen}. By ID card: the violations on the holder's driving
  licence (its number is the ID number); by plate: those on the vehicle. Paid ones are left
  out; those that must be handled in person are listed with `payable: false` and their reason
  and are not in the total. Late fees (common/fees.py) count the days from the decision being
  served to today on central's calendar (Beijing).

Paying goes through central's order book (central/payments/orders.py), which calls PAYABLE:
`price` looks every chosen decision up in the back office again and works the amount out
itself (a kiosk's figure is never used); `fulfil` has the back office mark them paid.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import Connection

from central.applications import require_valid_id, site_today
from central.auth import SignedRequest, signed
from central.backoffice import Refused, Violation
from central.context import Central, central_of
from central.identity import id_hash
from central.models import Storable
from central.payments.payable import Line, Payable, Priced, Undeliverable
from central.services.base import ServiceInfo
from central.services.paid import order_field, parse
from common.fees import Due, due
from common.money import yuan
from common.plates import plate_error

log = logging.getLogger(__name__)

INFO = ServiceInfo(id="traffic_fines", title_zh="交通违法查询缴款", title_en="Traffic fines")

MAX_DECISIONS = 50  # in one order

router = APIRouter()


class Whose(Storable):
    by: Literal["id_card", "plate"] = Field(description="id_card: the holder's driving licence; plate: a vehicle")
    id_number: str | None = Field(default=None, max_length=32,
                                  description="by id_card: the card's ID number (= licence number); never echoed")
    plate: str | None = Field(default=None, max_length=16, description="by plate: 粤B12345, 粤BD12345 (new energy)")

    @model_validator(mode="after")
    def _one_key(self) -> Whose:
        wanted = "id_number" if self.by == "id_card" else "plate"
        other = "plate" if self.by == "id_card" else "id_number"
        if getattr(self, wanted) is None or getattr(self, other) is not None:
            raise ValueError(f"by {self.by} takes {wanted} and not {other}")
        return self

    def key(self) -> dict[str, str]:
        """The back-office lookup, once the number is checked (422 otherwise, without it)."""
        if self.by == "id_card":
            require_valid_id(self.id_number)
            return {"id_number": self.id_number.upper()}
        error = plate_error(self.plate)
        if error is not None:
            raise HTTPException(422, error)
        return {"plate": self.plate}


class QueryIn(Whose):
    visit_id: str = Field(min_length=1, max_length=200)


class ViolationOut(BaseModel):
    decision_no: str
    occurred_at: str = Field(description="ISO 8601 with offset")
    served_on: str = Field(description="ISO date the decision was served; the 15 days count from it")
    place: str
    act: str
    fine_fen: int
    points: int
    late_fee_fen: int = Field(description="加处罚款 as of today (Beijing calendar), common/fees.py")
    due_fen: int = Field(description="fine_fen + late_fee_fen")
    payable: bool
    reason: str | None = Field(description="why not payable here: needs_counter (handle it in person)")


class QueryOut(BaseModel):
    violations: list[ViolationOut]
    total_due_fen: int = Field(description="what the payable violations cost today")


class OrderIn(Whose):
    """What a kiosk sends to open an order for this service (the order book's `body`)."""

    decision_nos: list[str] = Field(max_length=MAX_DECISIONS)


def _due(violation: Violation, today: datetime.date) -> Due:
    # A decision served "tomorrow" (a back office clock ahead of ours) is not late.
    return due(violation.fine_fen, max(0, (today - violation.served_on).days))


def _out(violation: Violation, today: datetime.date) -> dict[str, Any]:
    owed = _due(violation, today)
    return {
        "decision_no": violation.decision_no,
        "occurred_at": violation.occurred_at.isoformat(timespec="seconds"),
        "served_on": violation.served_on.isoformat(),
        "place": violation.place,
        "act": violation.act,
        "fine_fen": violation.fine_fen,
        "points": violation.points,
        "late_fee_fen": owed.late_fee_fen,
        "due_fen": owed.total_fen,
        "payable": violation.payable,
        "reason": None if violation.payable else (violation.reason or "needs_counter"),
    }


@router.post("/query", response_model=QueryOut)
def query(body: QueryIn, request: Request, signed_request: SignedRequest = Depends(signed)) -> dict[str, Any]:
    central = central_of(request)
    with central.engine.begin() as conn:
        central.verifier.authenticate(conn, signed_request)
    key = body.key()  # after the signature: an unknown caller learns nothing, not even a 422
    today = site_today()
    found = sorted((v for v in central.backoffice.violations(**key) if not v.paid), key=lambda v: v.occurred_at)
    listed = [_out(violation, today) for violation in found]
    return {"violations": listed, "total_due_fen": sum(v["due_fen"] for v in listed if v["payable"])}


def price(central: Central, conn: Connection, kiosk_id: str, body: Any) -> Priced:
    order = parse(OrderIn, body)
    key = order.key()
    chosen = list(dict.fromkeys(order.decision_nos))  # the same decision twice is paid once
    if not chosen:
        raise HTTPException(422, "violation_none_chosen")
    known = {violation.decision_no: violation for violation in central.backoffice.violations(**key)}
    today = site_today()
    lines, fines = [], []
    for number in chosen:
        violation = known.get(number)
        if violation is None:
            raise HTTPException(404, "violation_unknown")
        if violation.paid:
            raise HTTPException(409, "violation_already_paid")
        if not violation.payable or violation.fine_fen <= 0:
            raise HTTPException(409, "violation_not_payable")
        owed = _due(violation, today)
        late = f"（含滞纳金{yuan(owed.late_fee_fen)}）" if owed.late_fee_fen else ""
        lines.append(Line(f"罚款 {violation.act}{late}", owed.total_fen, number))
        fines.append({"decision_no": number, "fine_fen": owed.fine_fen, "late_fee_fen": owed.late_fee_fen})
    whose = {"id_hash": id_hash(central.hash_key, key["id_number"])} if order.by == "id_card" else key
    return Priced(
        amount_fen=sum(line.amount_fen for line in lines),
        description=f"交通违法罚款 {len(lines)} 笔",
        lines=tuple(lines),
        request={"by": order.by, **whose, "decision_nos": chosen, "fines": fines, "priced_on": today.isoformat()},
        id_hash=whose.get("id_hash"),  # by plate: none; that order is found by its reference only
    )


def fulfil(central: Central, conn: Connection, order: Any) -> dict[str, Any]:
    request, order_id = order_field(order, "request"), order_field(order, "order_id")
    try:
        central.backoffice.settle(request["decision_nos"], order_id)
    except Refused as refusal:
        log.warning("traffic fines: the back office refused order %s: %s", order_id, refusal.reason)
        raise Undeliverable(refusal.reason) from None
    fines = request["fines"]
    return {"decisions": fines, "paid_fen": sum(f["fine_fen"] + f["late_fee_fen"] for f in fines)}


PAYABLE = Payable(price=price, fulfil=fulfil)
