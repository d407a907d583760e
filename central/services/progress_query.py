"""办理进度查询 — where an application or a paid order stands, and printing its paper again.

POST /api/v1/services/progress_query/query {"id_number": …} or {"reference": …}
  → {applications: [summary…]}. By ID number: every application of that person and every paid
  order they paid with the ID card (both found by the keyed hash). By reference (card-free, from
  a receipt's QR code or its number typed in): that application or order, or an empty list for
  an unknown reference. A summary holds nothing personal; `kind` says which it is
  (central/payments/receipts.py for orders: state paid | refunded | processing).
POST /api/v1/services/progress_query/reprint {visit_id, reference, id_number}
  → for an application, what the document needs besides the card: the card the citizen
  inserted again gives the rest (`card_fields`), since central keeps no name or address in
  clear. For a paid order, what its receipt needs (lines, amounts, fulfil's result): the same
  order, no new one and no second charge. Only for the holder (403 otherwise), only while
  reprintable (409 otherwise: an order must be delivered, its receipt not printed, at most
  REPRINT_DAYS old, and paid with the ID card). Idempotent per visit_id.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select

from central import applications
from central.applications import Reference, require_valid_id
from central.auth import SignedRequest, signed
from central.context import central_of
from central.db import insert_for, order_reprints, reprints
from central.identity import id_hash
from central.payments import receipts
from central.models import Storable
from central.services.base import ServiceInfo

INFO = ServiceInfo(id="progress_query", title_zh="办理进度查询", title_en="Application progress")

router = APIRouter()


class QueryIn(Storable):
    id_number: str | None = Field(default=None, max_length=32, description="every application of this person")
    reference: Reference | None = Field(default=None, min_length=1, max_length=40,
                                        description="one application, by the reference or certificate number on a receipt")

    @model_validator(mode="after")
    def _one_key(self) -> QueryIn:
        if (self.id_number is None) == (self.reference is None):
            raise ValueError("give either id_number or reference")
        return self


class Summary(BaseModel):
    kind: Literal["application", "order"] = Field(
        default="application", description="an application (a certificate) or a paid order (a receipt)")
    reference: str = Field(description="the application's number, or the order's short reference on its receipt")
    service: str
    state: str = Field(description="application: issued | accepted (waiting for a decision) | refused; "
                                   "order: paid | refunded | processing (paid, being delivered)")
    submitted_at: str
    updated_at: str
    printed: bool = Field(description="a kiosk reported the document (an order: the receipt) printed")
    reprintable: bool = Field(description=f"issued (an order: delivered and paid with the ID card), not printed, "
                                          f"at most {applications.REPRINT_DAYS} days old")


class QueryOut(BaseModel):
    applications: list[Summary]


class ReprintIn(Storable):
    visit_id: str = Field(min_length=1, max_length=200)
    reference: Reference = Field(min_length=1, max_length=40)
    id_number: str = Field(max_length=32, description="from the card inserted now; must be the holder's")


class ReprintOut(BaseModel):
    service: str
    reference: str
    certificate_no: str
    verify_url: str
    issued_at: str = Field(description="ISO 8601 UTC")
    valid_until: str
    purpose: str
    name_masked: str = Field(description="as central stored it, to check against the card")
    card_fields: list[str] = Field(description="what the document takes from the card (not kept by central)")


class LineOut(BaseModel):
    label: str
    amount_fen: int
    reference: str


class ReceiptOut(BaseModel):
    """A paid order's receipt printed again: the order as charged and delivered."""

    service: str
    reference: str = Field(description="the order's short reference (common/orders.py)")
    outcome: Literal["delivered"]
    state: str = Field(description="the order's payment state: paid")
    lines: list[LineOut]
    amount_fen: int
    paid_fen: int
    refunded_fen: int
    paid_at: str | None = Field(description="ISO 8601 UTC")
    result: dict[str, Any] = Field(description="what the service delivered: decision numbers, the endorsement")
    shown: dict[str, str] = Field(description="what the receipt shows of the request, masked (a permit number)")


@router.post("/query", response_model=QueryOut)
def query(body: QueryIn, request: Request, signed_request: SignedRequest = Depends(signed)) -> dict[str, Any]:
    if body.id_number is not None:
        require_valid_id(body.id_number)
    central = central_of(request)
    now = time.time()
    with central.engine.begin() as conn:
        central.verifier.authenticate(conn, signed_request)
        if body.id_number is not None:
            person = id_hash(central.hash_key, body.id_number)
            found = applications.of_person(conn, person)
            paid = receipts.of_person(conn, person)
        else:
            found = [row for row in [applications.by_reference(conn, body.reference)] if row is not None]
            paid = receipts.by_reference(conn, body.reference)
    listed = [(row["submitted_at"], applications.summary(row, now)) for row in found]
    listed += [(row["created_at"], receipts.summary(row, now)) for row in paid]
    return {"applications": [summary for _when, summary in sorted(listed, key=lambda item: item[0])]}


@router.post("/reprint", response_model=ReprintOut | ReceiptOut)
def reprint(body: ReprintIn, request: Request, signed_request: SignedRequest = Depends(signed)) -> dict[str, Any]:
    require_valid_id(body.id_number)
    central = central_of(request)
    person = id_hash(central.hash_key, body.id_number)
    now = time.time()
    with central.engine.begin() as conn:
        kiosk_id = central.verifier.authenticate(conn, signed_request)
        row = applications.by_reference(conn, body.reference)
        if row is None:  # a paid order's receipt, by the reference printed on it
            order = receipts.grant(conn, visit_id=body.visit_id, kiosk_id=kiosk_id, reference=body.reference,
                                   person=person, now=now)
            return receipts.receipt(order)
        if row["id_hash"] != person:
            raise HTTPException(403, "this application belongs to another ID card")
        granted = conn.execute(select(reprints).where(reprints.c.visit_id == body.visit_id)).mappings().first()
        if granted is None:
            if conn.execute(select(order_reprints.c.visit_id)
                            .where(order_reprints.c.visit_id == body.visit_id)).first() is not None:
                raise HTTPException(409, "this visit id was already used for another request")
            refusal = applications.reprint_refusal(row, now)
            if refusal is not None:
                raise HTTPException(409, f"cannot print again: {refusal}")
            conn.execute(insert_for(conn, reprints).values(
                visit_id=body.visit_id, kiosk_id=kiosk_id, reference=row["reference"], id_hash=person, granted_at=now,
            ).on_conflict_do_nothing(index_elements=[reprints.c.visit_id]))
            granted = conn.execute(select(reprints).where(reprints.c.visit_id == body.visit_id)).mappings().one()
        if (granted["kiosk_id"], granted["reference"], granted["id_hash"]) != (kiosk_id, row["reference"], person):
            raise HTTPException(409, "this visit id was already used for another request")
    return _document(row, central.base_url(request))


def _document(row: Any, base_url: str) -> dict[str, Any]:
    from central.services.registry import info  # the registry imports this module

    service = info(row["service"])
    return {
        "service": row["service"],
        "reference": row["reference"],
        "certificate_no": row["certificate_no"],
        "verify_url": applications.verify_url(row, base_url),
        "issued_at": applications.iso_utc(row["issued_at"]),
        "valid_until": row["valid_until"],
        "purpose": row["purpose"],
        "name_masked": row["name_masked"],
        "card_fields": list(service.card_fields if service else ("name",)),
    }
