"""Paying by QR code: the intent goes into the outbox, central opens the order, the citizen sees
the code and pays in their app, and the kiosk asks central until the order's outcome is final.

Central delivers what was paid for as soon as the provider says paid, and refunds what it cannot
deliver; the kiosk never decides that money was taken. Whatever way the stage ends (paid,
declined, expired, the citizen cancelling or walking away, the kiosk stopping) the order is
either settled in the ledger or stays open there for `kiosk.payments.reconcile`.
"""

from __future__ import annotations

import logging

from kiosk.central_client import CentralRejected, CentralUnavailable
from kiosk.payments import Order, order_id_for, settle
from kiosk.services.base import ServiceRefused
from kiosk.texts import CATALOGUE
from offline_queue.outbox import OutboxFull

log = logging.getLogger(__name__)

POLL_S = 1.0  # how often the kiosk asks central while the code is shown
FAILED = {"declined": "payment_declined", "expired": "payment_expired", "cancelled": "payment_cancelled"}


def run(ctx, visit, stage) -> None:
    service = ctx.services[visit.service_id]
    order_id = order_id_for(visit.id, stage.id)
    try:
        request = service.order(visit, stage)
    except ServiceRefused as exc:
        ctx.session.stage_failed(visit.id, stage.id, exc.message)
        return
    try:
        ctx.outbox.payment_opened(order_id, visit.id, service.id, {"stage": stage.id, "kiosk_id": ctx.config.kiosk.id})
    except OutboxFull as exc:
        log.error("payment not opened: %s", exc)
        ctx.session.stage_failed(visit.id, stage.id, "record_failed")
        return
    try:
        order = Order.from_answer(ctx.central.payment("orders", {
            "order_id": order_id, "visit_id": visit.id, "service": service.id, "request": request}))
    except CentralUnavailable as exc:
        # Central may have opened it before the answer was lost: the ledger keeps it open and
        # the reconciler closes it once central answers again.
        log.warning("payment order not opened: %s", exc)
        ctx.central_lost()
        ctx.session.stage_failed(visit.id, stage.id, "payment_unavailable")
        return
    except CentralRejected as exc:
        log.warning("central refused the payment order: %s", exc)
        refused = Order(order_id=order_id, service=service.id, state="cancelled", amount_fen=0, reason=exc.reason)
        ctx.outbox.payment_settled(order_id, refused.settled_record(visit.id))
        ctx.session.stage_failed(visit.id, stage.id, _refusal(exc.reason))
        return
    ctx.session.payment_update(visit.id, stage.id, order)
    order = _wait_for_outcome(ctx, visit, stage, order)
    if order is None:
        return  # the kiosk is stopping: the order stays open for the restart to reconcile
    if order.outcome is None:  # the citizen cancelled, walked away or ran out of time
        settled = settle(ctx.outbox, ctx.central, order_id, visit.id, cancel=True)
        if settled is not None and settled.outcome == "delivered":
            log.warning("payment %s arrived as the visit ended: delivered, reprintable", order_id)
        return
    ctx.outbox.payment_settled(order_id, order.settled_record(visit.id))
    visit.payment = order
    if order.outcome in ("delivered", "refunded"):
        ctx.did(visit, "paid" if order.outcome == "delivered" else "refunded")
    if order.outcome in FAILED:
        ctx.session.stage_failed(visit.id, stage.id, FAILED[order.outcome])
        return
    ctx.session.stage_done(visit.id, stage.id, service.paid_result(visit, order))


def _wait_for_outcome(ctx, visit, stage, order: Order) -> Order | None:
    """Central's word until the outcome is final or the visit has left the stage."""
    order_id = order.order_id
    while order.outcome is None and ctx.still_at(visit, stage):
        if ctx.stop.wait(POLL_S):
            return None
        try:
            latest = Order.from_answer(ctx.central.payment("status", {"order_id": order_id}))
        except CentralUnavailable as exc:
            log.warning("payment %s: central not answering: %s", order_id, exc)
            continue  # the outcome is unknown, not "unpaid": keep asking
        except CentralRejected as exc:
            log.error("payment %s: central refused the question: %s", order_id, exc)
            continue
        if latest != order:
            order = latest
            ctx.session.payment_update(visit.id, stage.id, order)
    return order


def _refusal(reason: str) -> str:
    """Central's message code when it is one the screens know; else a plain refusal."""
    return reason if reason in CATALOGUE else "payment_refused"
