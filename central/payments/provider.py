"""The payment provider seam: what central asks of WeChat Pay, Alipay, UnionPay or the simulator.

A real provider is one class implementing `PaymentProvider`; central never talks to a provider
any other way. Amounts are integer fen everywhere (common/money.py refuses floats and bools).
`SimulatorProvider` is the implementation that talks to central/payments/simulator.py over HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

import httpx

from central.payments.notification import BadNotification, Notification, NotificationVerifier
from common.money import require_fen

__all__ = [
    "ORDER_STATES", "BadNotification", "Notification", "OrderRejected", "PaymentError", "PaymentProvider",
    "ProviderOrder", "ProviderStatus", "ProviderUnavailable", "RefundStatus", "SimulatorProvider",
]

# created → paid | failed | expired | cancelled; paid → refunded (once the whole amount is back).
ORDER_STATES = ("created", "paid", "failed", "expired", "cancelled", "refunded")


class PaymentError(Exception):
    """Base of what a provider raises; `str()` is one line fit for a log (no personal data)."""


class ProviderUnavailable(PaymentError):
    """No answer, a timeout or a server error: the outcome is UNKNOWN, ask again with `query`."""


class OrderRejected(PaymentError):
    """The provider answered and said no (unknown order, expired, refund above what was paid …)."""


@dataclass(frozen=True)
class ProviderOrder:
    provider_ref: str
    qr_url: str  # what the kiosk shows as a QR code for the citizen's payment app
    expires_at: datetime


@dataclass(frozen=True)
class ProviderStatus:
    order_id: str
    state: str  # one of ORDER_STATES
    paid_fen: int
    paid_at: datetime | None
    refunded_fen: int = 0


@dataclass(frozen=True)
class RefundStatus:
    refund_id: str
    order_id: str
    amount_fen: int
    state: str  # "succeeded"
    refunded_at: datetime


@runtime_checkable
class PaymentProvider(Protocol):
    def create_order(self, order_id: str, amount_fen: int, description: str, expires_at: datetime) -> ProviderOrder:
        """Open an order; the same `order_id` with the same amount returns the same order."""

    def query(self, order_id: str) -> ProviderStatus:
        """The provider's word on the order: the truth when a notification was lost."""

    def cancel(self, order_id: str) -> ProviderStatus:
        """Close an unpaid order so it can no longer be paid; a paid one is refunded instead."""

    def refund(self, order_id: str, amount_fen: int, refund_id: str) -> RefundStatus:
        """Return money; idempotent per `refund_id`; the sum of refunds never exceeds what was paid."""

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> Notification:
        """Check the signature, age and nonce of a notification; raise BadNotification if not to be believed."""


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _aware(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, not {value!r}")
    return value


class SimulatorProvider:
    """`PaymentProvider` over HTTP to the provider simulator, e.g. SimulatorProvider(url, b"key")."""

    def __init__(self, base_url: str, key: bytes, *, timeout: float = 5.0, max_age_s: float = 300.0):
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)
        self._verifier = NotificationVerifier(key, max_age_s=max_age_s)

    def _call(self, method: str, path: str, json: dict | None = None) -> dict:
        try:
            response = self._http.request(method, path, json=json)
        except httpx.TimeoutException:
            raise ProviderUnavailable(f"payment provider did not answer {method} {path} in time") from None
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"payment provider unreachable: {type(exc).__name__}") from None
        if response.status_code >= 500:
            raise ProviderUnavailable(f"payment provider failed: HTTP {response.status_code}")
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail")
            except ValueError:
                detail = response.text[:200]
            raise OrderRejected(f"payment provider refused {method} {path}: {detail}")
        return response.json()

    def create_order(self, order_id: str, amount_fen: int, description: str, expires_at: datetime) -> ProviderOrder:
        require_fen(amount_fen, positive=True)
        body = {"order_id": order_id, "amount_fen": amount_fen, "description": description,
                "expires_at": _aware(expires_at, "expires_at").isoformat()}
        data = self._call("POST", "/v1/orders", body)
        return ProviderOrder(data["provider_ref"], data["qr_url"], datetime.fromisoformat(data["expires_at"]))

    def query(self, order_id: str) -> ProviderStatus:
        return self._status(self._call("GET", f"/v1/orders/{order_id}"))

    def cancel(self, order_id: str) -> ProviderStatus:
        return self._status(self._call("POST", f"/v1/orders/{order_id}/cancel"))

    def refund(self, order_id: str, amount_fen: int, refund_id: str) -> RefundStatus:
        require_fen(amount_fen, positive=True)
        data = self._call("POST", f"/v1/orders/{order_id}/refunds", {"refund_id": refund_id, "amount_fen": amount_fen})
        return RefundStatus(data["refund_id"], data["order_id"], data["amount_fen"], data["state"],
                            datetime.fromisoformat(data["refunded_at"]))

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> Notification:
        return self._verifier.verify(headers, body)

    @staticmethod
    def _status(data: dict) -> ProviderStatus:
        return ProviderStatus(data["order_id"], data["state"], data["paid_fen"], _when(data.get("paid_at")),
                              data.get("refunded_fen", 0))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SimulatorProvider:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
