"""Central's order book for QR payments: open, watch, deliver once, refund, reconcile.

One order per paid stage of a visit, keyed by the kiosk's idempotency key "<visit_id>:<stage_id>".
The amount comes from the service's `PAYABLE.price` (central/payments/payable.py), never from the
kiosk. The provider learns of the order under a derived id (`provider_order_id`), since providers
limit the length and characters of theirs.

Order states follow the provider's: created → paid | failed | expired | cancelled; paid → refunded.
Delivery is central's own: none → pending (paid) → delivered, or → refused (not to be delivered:
the money goes back). Delivery happens exactly once, whoever learns of the payment first (the
notification, a kiosk's status poll, the sweep): each claims it with a conditional UPDATE
(pending → delivering) and only the one whose UPDATE changed a row calls `PAYABLE.fulfil`, inside
that same transaction, so a failure rolls the claim back and the sweep tries again.

A refund is a row in `refunds` written in the same transaction that refuses the delivery; its id
is derived from the order and the purpose, so however often it is retried (a timeout, a restart)
the provider pays back once. `ProviderUnavailable` means the outcome is unknown: nothing is ever
taken for "not paid" because the provider did not answer.

`fulfil` receives the order as a dict of its row (order_id, kiosk_id, visit_id, service,
amount_fen, lines, request, paid_fen, paid_at …).
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import HTTPException
from sqlalchemy import Connection, or_, select, update

from central.context import Central
from central.db import insert_for, orders, refunds
from central.payments.payable import Payable, Priced, Undeliverable
from central.payments.provider import (
    BadNotification,
    OrderRejected,
    PaymentError,
    PaymentProvider,
    ProviderStatus,
    ProviderUnavailable,
)
from central.services import registry
from common.money import require_fen
from common.orders import reference

log = logging.getLogger(__name__)

EXPIRY_S = 180.0  # how long the citizen has to scan and pay
QUERY_EVERY_S = 2.0  # a kiosk polling status makes central ask the provider at most this often
LATE_WINDOW_S = 600.0  # after an unpaid order expired, the sweep keeps asking this long (a late payment)
LATE_QUERY_S = 30.0  # … this often
CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")  # a reason the kiosk shows: a message code, not prose
OPEN = "created"


def provider_order_id(order_id: str) -> str:
    """32 letters and digits, the same for the same order (WeChat Pay allows 6-32 of them)."""
    return "P" + hashlib.sha256(order_id.encode()).hexdigest()[:31]


def refund_id(order_id: str, purpose: str) -> str:
    """Deterministic per order and purpose: a retried refund is the same refund."""
    return "R" + hashlib.sha256(f"{order_id}\n{purpose}".encode()).hexdigest()[:31]


def payable_of(service: str) -> Payable:
    module = registry.SERVICES.get(service)
    payable = getattr(module, "PAYABLE", None)
    if not isinstance(payable, Payable):
        raise HTTPException(404, f"service {service!r} takes no payment")
    return payable


def check_priced(priced: Priced) -> None:
    """A service's price must be whole fen that add up; anything else is a bug, refused loudly."""
    require_fen(priced.amount_fen, "amount_fen", positive=True)
    for line in priced.lines:
        require_fen(line.amount_fen, "line amount_fen")
    if sum(line.amount_fen for line in priced.lines) != priced.amount_fen:
        raise ValueError(f"lines add up to {sum(line.amount_fen for line in priced.lines)} fen, "
                         f"not the {priced.amount_fen} fen charged")


def iso(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def answer(row: Any) -> dict[str, Any]:
    """OrderOut: what a kiosk may see of an order (amounts, state, codes; nothing personal)."""
    return {
        "order_id": row.order_id, "service": row.service, "state": row.state, "amount_fen": row.amount_fen,
        "lines": [{"label": line["label"], "amount_fen": line["amount_fen"], "reference": line.get("reference", "")}
                  for line in row.lines],
        "qr_url": row.qr_url, "expires_at": iso(row.expires_at), "paid_fen": row.paid_fen,
        "refunded_fen": row.refunded_fen, "delivery": row.delivery, "result": row.result, "reason": row.reason,
    }


class OrderBook:
    """The order book over central's database and `central.payments` (None: payments are off)."""

    def __init__(self, central: Central, *, expiry_s: float = EXPIRY_S, query_every_s: float = QUERY_EVERY_S,
                 clock: Callable[[], float] = time.time):
        self.central = central
        self.engine = central.engine
        self.expiry_s = expiry_s
        self.query_every_s = query_every_s
        self.clock = clock

    # -- what the routes call ------------------------------------------------------------------

    def open(self, kiosk_id: str, order_id: str, visit_id: str, service: str, request: dict[str, Any]) -> dict:
        """The order for this stage of the visit: priced and created once, the same answer after."""
        self.provider()
        if not order_id.startswith(visit_id + ":") or len(order_id) == len(visit_id) + 1:
            raise HTTPException(422, "order_id must be '<visit_id>:<stage_id>'")
        with self.engine.begin() as conn:
            row = self._load(conn, order_id)
            if row is None:
                priced = payable_of(service).price(self.central, conn, kiosk_id, dict(request))
                try:
                    check_priced(priced)
                except ValueError as exc:
                    log.error("service %s priced order %s badly: %s", service, order_id, exc)
                    raise HTTPException(500, "service_priced_badly") from None
                now = self.clock()
                conn.execute(insert_for(conn, orders).values(
                    order_id=order_id, provider_order_id=provider_order_id(order_id), kiosk_id=kiosk_id,
                    visit_id=visit_id, service=service, amount_fen=priced.amount_fen,
                    description=priced.description[:200],
                    lines=[{"label": x.label, "amount_fen": x.amount_fen, "reference": x.reference}
                           for x in priced.lines],
                    request=dict(priced.request), state=OPEN, paid_fen=0, refunded_fen=0, delivery="none",
                    expires_at=now + self.expiry_s, created_at=now, updated_at=now,
                    reference=reference(order_id), id_hash=priced.id_hash, receipt_printed=False,
                    shown=dict(priced.shown),
                ).on_conflict_do_nothing())  # the same order opened twice at once: the first wins
                row = self._load(conn, order_id)
            if row.kiosk_id != kiosk_id:
                raise HTTPException(404, "no_such_order")
            if row.service != service or row.visit_id != visit_id:
                raise HTTPException(409, "order_id_conflict")
        if row.state == OPEN and row.provider_ref is None:
            if self.clock() < row.expires_at:
                row = self._create_at_provider(row, raise_unavailable=True)
            else:  # a resend long after the provider was down: close it rather than offer it
                row = self._refresh(row, force=True)
        return answer(row)

    def status(self, kiosk_id: str, order_id: str) -> dict:
        """The order as central knows it, after asking the provider if it is still open."""
        self.provider()
        return answer(self._refresh(self._mine(kiosk_id, order_id)))

    def cancel(self, kiosk_id: str, order_id: str) -> dict:
        """The citizen walked away: close the order; a payment that slipped in is refunded."""
        self.provider()
        return answer(self._withdraw(self._mine(kiosk_id, order_id), "cancelled_after_payment"))

    def refund(self, kiosk_id: str, order_id: str, reason: str) -> dict:
        """The kiosk could not go on: refund (or close) unless central has delivered already."""
        self.provider()
        if not CODE.match(reason):
            raise HTTPException(422, "reason must be a message code (a-z, 0-9, _; at most 40)")
        row = self._withdraw(self._mine(kiosk_id, order_id), reason)
        if row.delivery == "delivered":
            raise HTTPException(409, "already_delivered")
        return answer(row)

    def notify(self, headers: Any, body: bytes) -> tuple[int, dict]:
        """The provider's notification: (HTTP status, answer). A bad one changes nothing."""
        provider = self.provider()
        try:
            note = provider.verify_notification(headers, body)
        except BadNotification as exc:
            log.warning("payment notification refused: %s", exc)
            return 400, {"detail": "bad_notification"}
        with self.engine.connect() as conn:
            row = conn.execute(select(orders).where(orders.c.provider_order_id == note.order_id)).first()
        if row is None or (row.provider_ref is not None and note.provider_ref != row.provider_ref):
            log.warning("payment notification for an unknown order %s refused", note.order_id)
            return 400, {"detail": "unknown_order"}
        self._apply(row, ProviderStatus(note.order_id, note.state, note.paid_fen, note.paid_at))
        return 200, {"ok": True}

    # -- the sweep -----------------------------------------------------------------------------

    def sweep(self) -> dict[str, int]:
        """One pass of reconciliation: close what has expired, deliver what is paid, retry refunds.
        Safe to run beside requests and beside another sweep; returns what it looked at."""
        self.provider()
        now = self.clock()
        seen = {"expired": 0, "late": 0, "delivered": 0, "refunds": 0}
        with self.engine.connect() as conn:
            due = conn.execute(select(orders.c.order_id).where(
                orders.c.state == OPEN, orders.c.delivery == "none", orders.c.expires_at <= now)).scalars().all()
            late = conn.execute(select(orders.c.order_id).where(
                orders.c.state.in_(("expired", "cancelled")), orders.c.delivery == "none",
                orders.c.expires_at >= now - LATE_WINDOW_S,
                or_(orders.c.last_query_at.is_(None), orders.c.last_query_at <= now - LATE_QUERY_S),
            )).scalars().all()
            pending = conn.execute(select(orders.c.order_id).where(orders.c.delivery == "pending")).scalars().all()
        for order_id in due:
            seen["expired"] += 1
            self._guard(order_id, lambda oid=order_id: self._refresh(self._row(oid), force=True))
        for order_id in late:
            seen["late"] += 1
            self._guard(order_id, lambda oid=order_id: self._ask_late(oid))
        for order_id in pending:
            seen["delivered"] += 1
            self._guard(order_id, lambda oid=order_id: self._deliver(oid))
        seen["refunds"] = self._run_refunds()
        return seen

    # -- the work ------------------------------------------------------------------------------

    def provider(self) -> PaymentProvider:
        if self.central.payments is None:
            raise HTTPException(503, "payments_unavailable")
        return self.central.payments

    def _guard(self, order_id: str, work: Callable[[], Any]) -> None:
        try:
            work()
        except PaymentError as exc:
            log.warning("payment order %s: %s; the next sweep tries again", order_id, exc)
        except HTTPException as exc:
            log.warning("payment order %s: %s; the next sweep tries again", order_id, exc.detail)

    @staticmethod
    def _load(conn: Connection, order_id: str) -> Any:
        return conn.execute(select(orders).where(orders.c.order_id == order_id)).first()

    def _row(self, order_id: str) -> Any:
        with self.engine.connect() as conn:
            return self._load(conn, order_id)

    def _mine(self, kiosk_id: str, order_id: str) -> Any:
        row = self._row(order_id)
        if row is None or row.kiosk_id != kiosk_id:  # another kiosk's order does not exist for this one
            raise HTTPException(404, "no_such_order")
        return row

    def _set(self, order_id: str, *where: Any, **values: Any) -> int:
        with self.engine.begin() as conn:
            return conn.execute(update(orders).where(orders.c.order_id == order_id, *where)
                                .values(updated_at=self.clock(), **values)).rowcount

    def _create_at_provider(self, row: Any, *, raise_unavailable: bool) -> Any:
        if self.clock() >= row.expires_at:
            return row  # too late to offer it; the sweep closes it
        try:
            made = self.provider().create_order(row.provider_order_id, row.amount_fen, row.description,
                                                datetime.fromtimestamp(row.expires_at, UTC))
        except ProviderUnavailable as exc:
            log.warning("payment order %s not confirmed by the provider: %s", row.order_id, exc)
            if raise_unavailable:
                raise HTTPException(503, "payment_provider_unavailable") from None
            return row
        except OrderRejected as exc:
            log.warning("payment order %s refused by the provider: %s", row.order_id, exc)
            self._set(row.order_id, orders.c.state == OPEN, orders.c.provider_ref.is_(None),
                      state="failed", reason="provider_refused")
            return self._row(row.order_id)
        self._set(row.order_id, orders.c.provider_ref.is_(None), provider_ref=made.provider_ref, qr_url=made.qr_url)
        return self._row(row.order_id)

    def _claim_query(self, order_id: str, every: float) -> bool:
        """One asker per order per `every` seconds, however many kiosk polls and sweeps run."""
        now = self.clock()
        return self._set(order_id, or_(orders.c.last_query_at.is_(None), orders.c.last_query_at <= now - every),
                         last_query_at=now) == 1

    def _refresh(self, row: Any, *, force: bool = False) -> Any:
        """Ask the provider about an open order (at most every QUERY_EVERY_S unless `force`);
        close it once expired; deliver it if paid. Returns the row as it now stands."""
        if row.state == OPEN and row.delivery == "none":
            if row.provider_ref is None and self.clock() < row.expires_at:
                row = self._create_at_provider(row, raise_unavailable=False)
            elif self._claim_query(row.order_id, 0.0 if force else self.query_every_s):
                try:
                    status = self.provider().query(row.provider_order_id)
                except OrderRejected:
                    status = None  # the provider never heard of it (its create failed): nothing to pay
                except ProviderUnavailable as exc:
                    log.warning("payment order %s: status unknown: %s", row.order_id, exc)
                    return self._row(row.order_id)
                if status is not None:
                    row = self._apply(row, status)
                if row.state == OPEN and row.delivery == "none" and self.clock() >= row.expires_at:
                    try:
                        row = self._close(row, "expired", refuse=None)
                    except ProviderUnavailable as exc:  # still open as far as anyone knows; next time
                        log.warning("payment order %s: not closed: %s", row.order_id, exc)
        if row.delivery == "pending":
            self._deliver(row.order_id)
            row = self._row(row.order_id)
        return row

    def _ask_late(self, order_id: str) -> None:
        """A closed, unpaid order: did a payment slip in after all (a provider that took it late)?"""
        row = self._row(order_id)
        if row.delivery != "none" or not self._claim_query(order_id, LATE_QUERY_S):
            return
        try:
            status = self.provider().query(row.provider_order_id)
        except OrderRejected:
            return
        if status.state in ("paid", "refunded") or status.paid_fen > 0:
            self._apply(row, status)

    def _close(self, row: Any, local_state: str, *, refuse: str | None) -> Any:
        """Close an unpaid order at the provider so it can no longer be paid. Raises
        ProviderUnavailable when the provider does not answer (the order stays open)."""
        provider = self.provider()
        try:
            status: ProviderStatus | None = provider.cancel(row.provider_order_id)
        except OrderRejected:  # paid already, or unknown to the provider
            try:
                status = provider.query(row.provider_order_id)
            except OrderRejected:
                status = None
        if status is not None and (status.state in ("paid", "refunded") or status.paid_fen > 0):
            return self._record_payment(row.order_id, status, refuse=refuse)
        self._set(row.order_id, orders.c.state == OPEN, orders.c.delivery == "none", state=local_state)
        return self._row(row.order_id)

    def _withdraw(self, row: Any, reason: str) -> Any:
        """Cancel or refund for the kiosk: close an open order, refuse a pending delivery."""
        if row.delivery == "none" and row.state == OPEN:
            try:
                row = self._close(row, "cancelled", refuse=reason)
            except ProviderUnavailable as exc:
                log.warning("payment order %s: cancel not confirmed: %s", row.order_id, exc)
                raise HTTPException(503, "payment_provider_unavailable") from None
        if row.delivery == "pending" and self._refuse(row.order_id, reason):
            self._run_refunds(row.order_id)
        return self._row(row.order_id)

    def _apply(self, row: Any, status: ProviderStatus) -> Any:
        """What the provider says of an order (a query, a cancel, a notification), recorded once."""
        if status.state in ("paid", "refunded") or status.paid_fen > 0:
            return self._record_payment(row.order_id, status, refuse=None)
        if status.state in ("failed", "expired", "cancelled"):
            self._set(row.order_id, orders.c.state == OPEN, orders.c.delivery == "none", state=status.state)
            return self._row(row.order_id)
        return row

    def _record_payment(self, order_id: str, status: ProviderStatus, *, refuse: str | None) -> Any:
        """Record a payment once; decide at the same time whether it may be delivered."""
        paid_at = status.paid_at.timestamp() if status.paid_at is not None else self.clock()
        for _attempt in range(3):
            with self.engine.begin() as conn:
                row = self._load(conn, order_id)
                if row.delivery != "none":
                    break  # recorded already (a duplicate notification, a poll beside it)
                reason = refuse
                if status.paid_fen != row.amount_fen:
                    reason = "amount_mismatch"
                elif paid_at > row.expires_at or row.state == "expired":
                    reason = "paid_after_expiry"
                elif status.state == "refunded":
                    reason = "refunded_at_provider"
                elif row.state == "cancelled":
                    reason = reason or "cancelled_after_payment"
                elif row.state == "failed":
                    reason = reason or "paid_after_failure"
                changed = conn.execute(update(orders).where(
                    orders.c.order_id == order_id, orders.c.delivery == "none", orders.c.state == row.state,
                ).values(state="paid", paid_fen=status.paid_fen, paid_at=paid_at, updated_at=self.clock(),
                         delivery="refused" if reason else "pending", reason=reason)).rowcount
                if changed != 1:
                    continue  # changed under us: look again
                log.info("payment order %s paid %d fen%s", order_id, status.paid_fen,
                         f", to be refunded ({reason})" if reason else "")
                if reason:
                    self._add_refund(conn, order_id, status.paid_fen, reason)
                break
        if refuse is not None:
            self._refuse(order_id, refuse)  # recorded by someone else meanwhile, not yet delivered
        self._run_refunds(order_id)
        self._deliver(order_id)
        return self._row(order_id)

    def _refuse(self, order_id: str, reason: str) -> bool:
        """A paid order that must not be delivered after all: refuse it and queue its refund."""
        with self.engine.begin() as conn:
            changed = conn.execute(update(orders).where(orders.c.order_id == order_id, orders.c.delivery == "pending")
                                   .values(delivery="refused", reason=reason, updated_at=self.clock())).rowcount
            if changed == 1:
                self._add_refund(conn, order_id, self._load(conn, order_id).paid_fen, reason)
        return changed == 1

    def _add_refund(self, conn: Connection, order_id: str, amount_fen: int, reason: str) -> None:
        conn.execute(insert_for(conn, refunds).values(
            refund_id=refund_id(order_id, reason), order_id=order_id, amount_fen=amount_fen, reason=reason,
            state="pending", created_at=self.clock(),
        ).on_conflict_do_nothing())

    def _deliver(self, order_id: str) -> None:
        """Fulfil a paid order if no one else has: claim, fulfil, mark delivered, one transaction."""
        refused = False
        try:
            with self.engine.begin() as conn:
                claimed = conn.execute(update(orders)
                                       .where(orders.c.order_id == order_id, orders.c.delivery == "pending")
                                       .values(delivery="delivering", updated_at=self.clock())).rowcount
                if claimed != 1:
                    return
                row = self._load(conn, order_id)
                payable = payable_of(row.service)
                attempt = conn.begin_nested()  # what fulfil wrote goes if it refuses; the refusal stays
                try:
                    result = payable.fulfil(self.central, conn, dict(row._mapping))
                    if not isinstance(result, dict):
                        raise TypeError(f"fulfil returned {type(result).__name__}, not a dict")
                    attempt.commit()
                except Undeliverable as exc:
                    attempt.rollback()
                    reason = exc.reason if CODE.match(str(exc.reason)) else "undeliverable"
                    conn.execute(update(orders).where(orders.c.order_id == order_id)
                                 .values(delivery="refused", reason=reason, updated_at=self.clock()))
                    self._add_refund(conn, order_id, row.paid_fen, reason)
                    refused = True
                    log.info("payment order %s not delivered (%s): refunding %d fen", order_id, reason, row.paid_fen)
                else:
                    now = self.clock()
                    conn.execute(update(orders).where(orders.c.order_id == order_id)
                                 .values(delivery="delivered", delivered_at=now, result=result, updated_at=now))
                    log.info("payment order %s delivered", order_id)
        except Exception as exc:  # the back office failed: the claim is rolled back, the sweep retries
            # only the type: a back-office message may carry a name or an ID number
            log.warning("payment order %s: delivery failed (%s); the sweep tries again", order_id,
                        type(exc).__name__)
            return
        if refused:
            self._run_refunds(order_id)

    def _run_refunds(self, order_id: str | None = None) -> int:
        """Ask the provider for each pending refund (of one order, or all); returns how many were
        tried. A provider that does not answer leaves the refund pending for the next sweep."""
        where = [refunds.c.state == "pending"] + ([refunds.c.order_id == order_id] if order_id else [])
        with self.engine.connect() as conn:
            pending = conn.execute(select(refunds).where(*where)).all()
        for refund in pending:
            try:
                self.provider().refund(provider_order_id(refund.order_id), refund.amount_fen, refund.refund_id)
            except OrderRejected as exc:
                if not self._refunded_at_provider(refund):
                    log.warning("refund of payment order %s refused: %s", refund.order_id, exc)
                    continue
            except ProviderUnavailable as exc:
                log.warning("refund of payment order %s pending: %s", refund.order_id, exc)
                continue
            now = self.clock()
            with self.engine.begin() as conn:
                done = conn.execute(update(refunds).where(refunds.c.refund_id == refund.refund_id,
                                                          refunds.c.state == "pending")
                                    .values(state="succeeded", refunded_at=now)).rowcount
                if done == 1:
                    conn.execute(update(orders).where(orders.c.order_id == refund.order_id).values(
                        refunded_fen=orders.c.refunded_fen + refund.amount_fen, updated_at=now,
                        state="refunded"))
                    log.info("payment order %s refunded %d fen", refund.order_id, refund.amount_fen)
        return len(pending)

    def _refunded_at_provider(self, refund: Any) -> bool:
        """A refund the provider refuses may be one it has made already (by hand, by its own
        process): the money is back if the provider says so."""
        try:
            status = self.provider().query(provider_order_id(refund.order_id))
        except PaymentError:
            return False
        return status.refunded_fen >= refund.amount_fen

