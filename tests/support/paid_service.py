"""A paid service for the order book's tests: INFO, an empty router and PAYABLE.

Its price is the request's `amount_fen` (so a test chooses it), in two lines; its fulfil records
each call in CALLS, writes a counters row in the caller's transaction and answers a receipt
number, or raises Undeliverable(REFUSE) when a test sets REFUSE, or fails as a broken back office
would when BROKEN is set. `FULFIL_DELAY_S` holds fulfil open so concurrent callers meet inside
it. Register it with `registered()`, which resets it before and after.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, HTTPException
from sqlalchemy import insert

from central.db import counters
from central.payments.payable import Line, Payable, Priced, Undeliverable
from central.services import registry
from central.services.base import ServiceInfo

INFO = ServiceInfo(id="test_paid", title_zh="测试缴费", title_en="Test payment")
router = APIRouter()

CALLS: list[str] = []
REFUSE: str | None = None
BROKEN = False  # the back office is down: fulfil raises something other than Undeliverable
FULFIL_DELAY_S = 0.0
FEE_FEN = 100  # the second line: a fixed fee
_lock = threading.Lock()


def reset() -> None:
    global REFUSE, BROKEN, FULFIL_DELAY_S
    CALLS.clear()
    REFUSE, BROKEN, FULFIL_DELAY_S = None, False, 0.0


def price(central: Any, conn: Any, kiosk_id: str, body: dict) -> Priced:
    amount = body.get("amount_fen")
    if amount == "not_payable":
        raise HTTPException(409, "nothing_to_pay")
    if body.get("float_price"):  # a service that got its arithmetic wrong
        return Priced(amount, "测试缴费", (Line("测试", amount, "T-1"),))
    base = amount - FEE_FEN
    return Priced(amount, "测试缴费", (Line("罚款", base, "T-1"), Line("手续费", FEE_FEN)), {"ref": "T-1"})


def fulfil(central: Any, conn: Any, order: dict) -> dict:
    with _lock:
        CALLS.append(order["order_id"])
    # a write in the caller's transaction, as a real fulfil makes: it must vanish if fulfil refuses
    # or fails, and a second successful fulfil of one order would break its primary key
    conn.execute(insert(counters).values(name=fulfilled(order["order_id"]), value=order["paid_fen"]))
    if FULFIL_DELAY_S:
        time.sleep(FULFIL_DELAY_S)
    if BROKEN:
        raise ConnectionError("back office unreachable")
    if REFUSE:
        raise Undeliverable(REFUSE)
    return {"receipt_no": "R-" + order["request"]["ref"], "paid_fen": order["paid_fen"]}


PAYABLE = Payable(price, fulfil)


def fulfilled(order_id: str) -> str:
    """The counters row fulfil writes for an order."""
    return ("fulfilled:" + order_id)[:40]


@contextlib.contextmanager
def registered() -> Iterator[None]:
    import sys

    reset()
    registry.SERVICES[INFO.id] = sys.modules[__name__]
    try:
        yield
    finally:
        registry.SERVICES.pop(INFO.id, None)
        reset()
