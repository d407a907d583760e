"""The payment routes: the kiosk's (signed, like every kiosk route) and the provider's notification.

    POST /api/v1/payments/orders  {order_id, visit_id, service, request}  → OrderOut
    POST /api/v1/payments/status  {order_id}                              → OrderOut
    POST /api/v1/payments/cancel  {order_id}                              → OrderOut
    POST /api/v1/payments/refund  {order_id, reason}                      → OrderOut (409 once delivered)
    POST /api/v1/payments/notify  the provider's signed notification      → 200 {"ok": true} | 400

The kiosk's nonce is committed before the work, not with it (as other routes do): the work calls
the provider, which must not happen inside a database transaction, and every payment operation is
idempotent per order_id, so a resend (with its own new nonce) gets the same answer.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from central.auth import SignedRequest, raw_body, signed
from central.context import central_of
from central.models import Storable
from central.payments.orders import OrderBook

PREFIX = "/api/v1/payments"

router = APIRouter(prefix=PREFIX, tags=["payments"])


class OpenIn(Storable):
    order_id: str = Field(min_length=3, max_length=240, description="the kiosk's idempotency key: visit_id:stage_id")
    visit_id: str = Field(min_length=1, max_length=200)
    service: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    request: dict[str, Any] = Field(default_factory=dict, description="what the service prices; never echoed")


class OrderIn(Storable):
    order_id: str = Field(min_length=3, max_length=240)


class RefundIn(OrderIn):
    reason: str = Field(min_length=1, max_length=40, description="a message code: why the kiosk could not go on")


class LineOut(BaseModel):
    label: str
    amount_fen: int
    reference: str


class OrderOut(BaseModel):
    order_id: str
    service: str
    state: str = Field(description="created | paid | failed | expired | cancelled | refunded")
    amount_fen: int
    lines: list[LineOut]
    qr_url: str | None = Field(description="what the kiosk shows as a QR code; null until the provider confirmed")
    expires_at: str = Field(description="ISO 8601 UTC: the QR code is void after it")
    paid_fen: int
    refunded_fen: int
    delivery: str = Field(description="none | pending | delivering | delivered | refused")
    result: dict[str, Any] | None = Field(description="the service's answer once delivered (what the kiosk prints)")
    reason: str | None = Field(description="a message code: why refused or refunded")


def _kiosk(request: Request, signed_request: SignedRequest) -> tuple[OrderBook, str]:
    central = central_of(request)
    with central.engine.begin() as conn:
        kiosk_id = central.verifier.authenticate(conn, signed_request)
    return request.app.state.orders, kiosk_id


@router.post("/orders", response_model=OrderOut)
def open_order(body: OpenIn, request: Request, signed_request: SignedRequest = Depends(signed)) -> dict:
    book, kiosk_id = _kiosk(request, signed_request)
    return book.open(kiosk_id, body.order_id, body.visit_id, body.service, body.request)


@router.post("/status", response_model=OrderOut)
def status(body: OrderIn, request: Request, signed_request: SignedRequest = Depends(signed)) -> dict:
    book, kiosk_id = _kiosk(request, signed_request)
    return book.status(kiosk_id, body.order_id)


@router.post("/cancel", response_model=OrderOut)
def cancel(body: OrderIn, request: Request, signed_request: SignedRequest = Depends(signed)) -> dict:
    book, kiosk_id = _kiosk(request, signed_request)
    return book.cancel(kiosk_id, body.order_id)


@router.post("/refund", response_model=OrderOut)
def refund(body: RefundIn, request: Request, signed_request: SignedRequest = Depends(signed)) -> dict:
    book, kiosk_id = _kiosk(request, signed_request)
    return book.refund(kiosk_id, body.order_id, body.reason)


@router.post("/notify", include_in_schema=False)
def notify(request: Request, body: bytes = Depends(raw_body)) -> JSONResponse:
    status_code, content = request.app.state.orders.notify(request.headers, body)
    return JSONResponse(content, status_code=status_code)
