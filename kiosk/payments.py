"""The kiosk's side of a QR payment: central's word on an order, and reconciling after a stop.

Central owns orders (central/payments/orders.py): it opens them with the provider, hears when
they are paid, delivers what was paid for and refunds what it could not deliver. The kiosk keeps
a ledger of the orders it opened (offline_queue.outbox: `payment_opened`/`payment_settled`) so
that, after a crash or a power cut, it asks central about every order still open before it
takes another payment, and records a visit that stopped after its payment as interrupted.
Amounts are integer fen (common/money.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from common.money import require_fen
from common.orders import reference  # noqa: F401  (the short number on screens and receipts)
from kiosk.central_client import CentralRejected, CentralUnavailable
from kiosk.interrupted import interrupted_record

log = logging.getLogger(__name__)

# What finally became of an order, as the kiosk records it.
OUTCOMES = ("delivered", "refunded", "declined", "expired", "cancelled")


@dataclass(frozen=True)
class Line:
    label: str
    amount_fen: int
    reference: str = ""


@dataclass(frozen=True)
class Order:
    """Central's answer about one order (OrderOut in docs/payments.md)."""

    order_id: str
    service: str
    state: str  # created | paid | failed | expired | cancelled | refunded
    amount_fen: int
    lines: tuple[Line, ...] = ()
    qr_url: str = ""
    expires_at: datetime | None = None
    paid_fen: int = 0
    refunded_fen: int = 0
    delivery: str = "none"  # none | pending | delivering | delivered | refused
    result: dict | None = None
    reason: str | None = None

    @classmethod
    def from_answer(cls, answer: dict) -> "Order":
        """Central's JSON; an amount that is not integer fen is refused (ValueError)."""
        expires = answer.get("expires_at")
        return cls(
            order_id=str(answer["order_id"]),
            service=str(answer.get("service", "")),
            state=str(answer["state"]),
            amount_fen=require_fen(answer["amount_fen"], "amount_fen"),
            lines=tuple(Line(str(line.get("label", "")), require_fen(line["amount_fen"], "line amount_fen"),
                             str(line.get("reference") or "")) for line in answer.get("lines") or ()),
            qr_url=str(answer.get("qr_url") or ""),
            expires_at=datetime.fromisoformat(expires) if expires else None,
            paid_fen=require_fen(answer.get("paid_fen", 0), "paid_fen"),
            refunded_fen=require_fen(answer.get("refunded_fen", 0), "refunded_fen"),
            delivery=str(answer.get("delivery") or "none"),
            result=answer.get("result"),
            reason=answer.get("reason"),
        )

    @property
    def outcome(self) -> str | None:
        """The final outcome, or None while it can still change (unpaid, or paid and being
        delivered). A refund central has decided on counts as final: central completes it."""
        if self.delivery == "delivered":
            return "delivered"
        if self.delivery == "refused" or self.state == "refunded" or self.refunded_fen > 0:
            return "refunded"
        return {"failed": "declined", "expired": "expired", "cancelled": "cancelled"}.get(self.state)

    def seconds_left(self, now: datetime | None = None) -> float | None:
        if self.expires_at is None:
            return None
        return (self.expires_at - (now or datetime.now(timezone.utc))).total_seconds()

    def settled_record(self, visit_id: str) -> dict:
        """What the outbox keeps of the outcome for central's figures. Nothing personal."""
        return {"visit_id": visit_id, "service": self.service, "outcome": self.outcome, "state": self.state,
                "amount_fen": self.amount_fen, "paid_fen": self.paid_fen, "refunded_fen": self.refunded_fen,
                "delivery": self.delivery, "reason": self.reason}


def order_id_for(visit_id: str, stage_id: str) -> str:
    """The idempotency key of a visit's payment: one order per visit and stage, however often
    the kiosk asks."""
    return f"{visit_id}:{stage_id}"


def settle(outbox, central, order_id: str, visit_id: str, *, cancel: bool) -> Order | None:
    """Ask central about an open order and, once its outcome is final, queue it and close the
    ledger entry. `cancel`: close an unpaid order (the citizen has gone). None when central
    cannot be reached or the outcome is not final yet; the order stays open in the ledger."""
    try:
        order = Order.from_answer(central.payment("status", {"order_id": order_id}))
        if order.outcome is None and cancel and order.state == "created":
            order = Order.from_answer(central.payment("cancel", {"order_id": order_id}))
    except CentralUnavailable as exc:
        log.warning("payment %s not settled yet: %s", order_id, exc)
        return None
    except CentralRejected as exc:
        if exc.status != 404:
            log.error("payment %s: central refused the question: %s", order_id, exc)
            return None
        # Central never opened it (the kiosk stopped before its request arrived): nothing was
        # charged, and nothing can be paid any more.
        order = Order(order_id=order_id, service="", state="cancelled", amount_fen=0, reason="never_opened")
    if order.outcome is None:
        return None
    outbox.payment_settled(order_id, order.settled_record(visit_id))
    return order


def reconcile(outbox, central, *, kiosk_id: str, busy_visit: str | None = None,
              own_visits: frozenset[str] | set[str] = frozenset()) -> int:
    """Settle every open order of the ledger (except the visit under way's), and record the
    visits of an earlier run of the kiosk that stopped after their payment as interrupted
    (`own_visits`, this run's, record themselves). Returns how many orders are still open."""
    def record_interrupted(entry: dict, outcome: str | None) -> None:
        if entry["visit_id"] in own_visits or outbox.visit_outcome(entry["visit_id"]) is not None:
            return
        record = interrupted_record(outbox, entry["visit_id"], entry["service"], kiosk_id,
                                   more_done=("paid",) if outcome == "delivered" else ())
        if outcome is None:  # settled before the stop: the visit's steps say how
            outcome = "delivered" if "paid" in record["done"] else "refunded" if "refunded" in record["done"] else None
        record["payment"] = {"order_id": entry["order_id"], "outcome": outcome}
        outbox.record_visit(entry["visit_id"], "interrupted", record)
        log.warning("visit %s stopped around its payment (%s): recorded as interrupted", entry["visit_id"], outcome)

    for entry in outbox.unrecorded_paid_visits():
        if entry["visit_id"] != busy_visit:
            record_interrupted(entry, None)
    entries = [e for e in outbox.open_payments() if e["visit_id"] != busy_visit]
    if entries and not central.ping():
        return len(entries)  # one quick answer instead of a timeout per order
    still_open = 0
    for entry in entries:
        order = settle(outbox, central, entry["order_id"], entry["visit_id"], cancel=True)
        if order is None:
            still_open += 1
        else:
            log.info("payment %s reconciled: %s", entry["order_id"], order.outcome)
            record_interrupted(entry, order.outcome)
    return still_open
