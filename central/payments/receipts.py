"""Paid orders in the progress query: their state, and a reprint of the receipt without a new charge.

A paid service's receipt is printed once at the kiosk right after delivery; when that print fails
(paper out, the citizen walked away) the order stays `receipt_printed = false` and its payer can
print the receipt again from the progress query: the same order, the same figures, no new order
and no call to the provider. Central learns `receipt_printed` from synced visit records: the
paying visit's (`payment.order_id` with `receipt_printed`) and a reprinting visit's (its grant in
`order_reprints`).

An order is found by the payer's keyed ID hash (paid with the ID card) or by its short reference
(common/orders.py: the number on the receipt and in its QR code). A fine paid by plate has no
payer on record: it is found by its reference only and cannot be reprinted here.
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException
from sqlalchemy import Connection, select, update

from central.applications import REPRINT_DAYS, iso_utc
from central.db import insert_for, order_reprints, orders, reprints

# An order is listed once it is paid: being delivered, delivered, or refused (refunded).
LISTED = ("pending", "delivering", "delivered", "refused")


def state_of(row: Any) -> str:
    """paid (delivered) | refunded (refused: the money goes back) | processing (paid, not yet delivered)."""
    if row["delivery"] == "refused" or row["state"] == "refunded":
        return "refunded"
    return "paid" if row["delivery"] == "delivered" else "processing"


def of_person(conn: Connection, person: str) -> list[Any]:
    return list(conn.execute(
        select(orders).where(orders.c.id_hash == person, orders.c.delivery.in_(LISTED))
        .order_by(orders.c.created_at)
    ).mappings())


def by_reference(conn: Connection, reference: str) -> list[Any]:
    """The paid orders with this short reference (one, unless two random visit ids met)."""
    return list(conn.execute(
        select(orders).where(orders.c.reference == reference.upper(), orders.c.delivery.in_(LISTED))
        .order_by(orders.c.created_at)
    ).mappings())


def reprint_refusal(row: Any, now: float) -> str | None:
    """Why this order's receipt cannot be printed again, or None if it can."""
    if row["delivery"] != "delivered":
        return f"the order is {state_of(row)}, nothing was delivered to print a receipt for"
    if row["id_hash"] is None:
        return "paid without an ID card; ask at a counter for a copy"
    if row["receipt_printed"]:
        return "the receipt was printed already; ask at a counter for another copy"
    if now - (row["delivered_at"] or row["created_at"]) > REPRINT_DAYS * 86400:
        return f"paid more than {REPRINT_DAYS} days ago; ask at a counter"
    return None


def summary(row: Any, now: float) -> dict[str, Any]:
    """An order as a progress query shows it, beside the applications: nothing personal."""
    return {
        "kind": "order",
        "reference": row["reference"],
        "service": row["service"],
        "state": state_of(row),
        "submitted_at": iso_utc(row["created_at"]),
        "updated_at": iso_utc(row["updated_at"]),
        "printed": bool(row["receipt_printed"]),
        "reprintable": reprint_refusal(row, now) is None,
    }


def grant(conn: Connection, *, visit_id: str, kiosk_id: str, reference: str, person: str, now: float) -> Any:
    """Grant the reprint of the holder's order with this reference, once per visit_id (a resend
    gets the same order). Raises 404 (no such order), 403 (someone else's), 409 (not reprintable,
    or the visit id used for another request)."""
    granted = conn.execute(select(order_reprints).where(order_reprints.c.visit_id == visit_id)).mappings().first()
    if granted is None:
        if conn.execute(select(reprints.c.visit_id).where(reprints.c.visit_id == visit_id)).first() is not None:
            raise HTTPException(409, "this visit id was already used for another request")
        found = by_reference(conn, reference)
        if not found:
            raise HTTPException(404, "no application or order with this reference")
        row = next((r for r in found if r["id_hash"] is not None and r["id_hash"] == person), None)
        if row is None:
            raise HTTPException(403, "this order belongs to another ID card")
        refusal = reprint_refusal(row, now)
        if refusal is not None:
            raise HTTPException(409, f"cannot print again: {refusal}")
        conn.execute(insert_for(conn, order_reprints).values(
            visit_id=visit_id, kiosk_id=kiosk_id, order_id=row["order_id"], id_hash=person, granted_at=now,
        ).on_conflict_do_nothing(index_elements=[order_reprints.c.visit_id]))
        granted = conn.execute(select(order_reprints).where(order_reprints.c.visit_id == visit_id)).mappings().one()
    row = conn.execute(select(orders).where(orders.c.order_id == granted["order_id"])).mappings().one()
    if (granted["kiosk_id"], granted["id_hash"], row["reference"]) != (kiosk_id, person, reference.upper()):
        raise HTTPException(409, "this visit id was already used for another request")
    return row


def receipt(row: Any) -> dict[str, Any]:
    """What the paid service's receipt needs, as it was charged and delivered (ReceiptOut)."""
    return {
        "service": row["service"],
        "reference": row["reference"],
        "outcome": "delivered",
        "state": row["state"],
        "lines": [{"label": line["label"], "amount_fen": line["amount_fen"], "reference": line.get("reference", "")}
                  for line in row["lines"]],
        "amount_fen": row["amount_fen"],
        "paid_fen": row["paid_fen"],
        "refunded_fen": row["refunded_fen"],
        "paid_at": iso_utc(row["paid_at"]),
        "result": dict(row["result"] or {}),
        "shown": dict(row["shown"] or {}),
    }


def learn_printed(conn: Connection, kiosk_id: str, payload: dict[str, Any]) -> None:
    """A synced visit record whose receipt printed: the order it paid for (`payment.order_id`, an
    order of this kiosk) or the order whose reprint this visit was granted has its receipt now."""
    if payload.get("receipt_printed") is not True:
        return
    payment = payload.get("payment")
    order_id = payment.get("order_id") if isinstance(payment, dict) else None
    if isinstance(order_id, str) and order_id:
        conn.execute(update(orders).where(orders.c.order_id == order_id, orders.c.kiosk_id == kiosk_id)
                     .values(receipt_printed=True))
    visit_id = payload.get("visit_id")
    if isinstance(visit_id, str) and visit_id:
        granted = select(order_reprints.c.order_id).where(order_reprints.c.visit_id == visit_id,
                                                          order_reprints.c.kiosk_id == kiosk_id)
        conn.execute(update(orders).where(orders.c.order_id.in_(granted)).values(receipt_printed=True))
