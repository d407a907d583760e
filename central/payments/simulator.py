"""A SIMULATOR of a QR payment provider (WeChat Pay, Alipay, UnionPay), as its own HTTP service.

Real payment providers are the one edge of this system that cannot run here: they need a merchant
account, certificates and a citizen's phone. This service stands in for them in the demo and the
tests. It keeps orders in memory, hands out QR URLs, POSTs signed notifications
(central/payments/notification.py) to a notify URL when an order is paid, and has a control API:

    POST /control/pay {"qr_url"} | {"order_id"}  the citizen scans the QR code and pays
    POST /control/expire {"order_id"}          the order's time runs out now
    POST /control/fault {"name", "active", "delay_s"}   switch a fault on or off
    POST /control/reset                        no faults
    GET  /control/orders, /control/notifications   what happened

Faults (they stay on until switched off):
    declined                 the payment fails: the order becomes `failed`
    slow                     every /v1 answer comes `delay_s` seconds late (default 2), the work done at once
    notification_lost        paid, but no notification is sent; `query` still says paid
    paid_after_expiry        a payment is accepted even though the order has expired
    duplicate_notification   every notification is sent twice (each freshly signed)

The provider API (/v1) is what `SimulatorProvider` in provider.py speaks. Requests are not
authenticated: the simulator listens on 127.0.0.1 only. A real provider authenticates the
merchant, which its `PaymentProvider` class does.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse

from central.payments import notification
from common.money import require_fen

FAULTS = ("declined", "slow", "notification_lost", "paid_after_expiry", "duplicate_notification")
DEFAULT_KEY = b"payment-simulator-dev-key"  # the demo's shared key; never a real one
NOTIFY_ATTEMPTS = (0.0, 0.2, 1.0)  # a real provider retries for hours; a simulator, briefly


@dataclass
class Order:
    order_id: str
    provider_ref: str
    amount_fen: int
    description: str
    expires_at: datetime
    state: str = "created"
    paid_fen: int = 0
    paid_at: datetime | None = None
    refunds: dict[str, dict] = field(default_factory=dict)

    @property
    def refunded_fen(self) -> int:
        return sum(r["amount_fen"] for r in self.refunds.values())

    def view(self) -> dict:
        return {"order_id": self.order_id, "provider_ref": self.provider_ref, "amount_fen": self.amount_fen,
                "state": self.state, "paid_fen": self.paid_fen,
                "paid_at": self.paid_at.isoformat() if self.paid_at else None,
                "expires_at": self.expires_at.isoformat(), "refunded_fen": self.refunded_fen}


def _now() -> datetime:
    return datetime.now(UTC)


def _fen(value: object, name: str, positive: bool = True) -> int:
    try:
        return require_fen(value, name, positive=positive)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None


class SimulatorState:
    """Orders, faults and the notification log, behind one lock (handlers run in several threads)."""

    def __init__(self, key: bytes, notify_url: str | None, public_url: str):
        self.key = key
        self.notify_url = notify_url
        self.public_url = public_url
        self.orders: dict[str, Order] = {}
        self.faults: set[str] = set()
        self.delay_s = 2.0
        self.sent: list[dict] = []
        self.lock = threading.Lock()
        self.notifiers: list[threading.Thread] = []
        self.stopping = threading.Event()

    def order(self, order_id: str) -> Order:
        order = self.orders.get(order_id)
        if order is None:
            raise HTTPException(404, f"no order {order_id}")
        if order.state == "created" and _now() >= order.expires_at:
            order.state = "expired"
        return order

    def pay(self, order_id: str) -> dict:
        with self.lock:
            order = self.order(order_id)
            late = order.state == "expired" and "paid_after_expiry" in self.faults and order.paid_fen == 0
            if order.state != "created" and not late:
                raise HTTPException(409, f"order {order_id} is {order.state}, it cannot be paid")
            if "declined" in self.faults:
                order.state = "failed"
                return order.view()
            order.state, order.paid_fen, order.paid_at = "paid", order.amount_fen, _now()
            view = order.view()
            copies = 0 if "notification_lost" in self.faults else 2 if "duplicate_notification" in self.faults else 1
        if copies:
            notifier = threading.Thread(target=self._notify, args=(view, copies), name="notify", daemon=True)
            with self.lock:
                self.notifiers = [t for t in self.notifiers if t.is_alive()] + [notifier]
            notifier.start()
        return view

    def _notify(self, view: dict, copies: int) -> None:
        if not self.notify_url:
            return
        body = json.dumps({k: view[k] for k in ("order_id", "provider_ref", "state", "paid_fen", "paid_at")}).encode()
        for copy in range(copies):
            for pause in NOTIFY_ATTEMPTS:
                if self.stopping.wait(pause):
                    return
                headers = {"Content-Type": "application/json", **notification.signed_headers(self.key, body)}
                try:
                    status = httpx.post(self.notify_url, content=body, headers=headers, timeout=5.0).status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                with self.lock:
                    self.sent.append({"order_id": view["order_id"], "copy": copy + 1, "answer": status})
                if isinstance(status, int) and 200 <= status < 300:
                    break


def create_app(state: SimulatorState) -> FastAPI:
    app = FastAPI(title="Payment provider simulator", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.sim = state

    @app.middleware("http")
    async def slow(request: Request, call_next):
        # the work is done at once, the ANSWER is late: a caller that gives up has still
        # created (or paid, or refunded) what it asked for, as with a real slow provider
        response = await call_next(request)
        if "slow" in state.faults and request.url.path.startswith("/v1/"):
            await asyncio.sleep(state.delay_s)
        return response

    @app.post("/v1/orders", status_code=201)
    async def create_order(request: Request) -> dict:
        data = await request.json()
        amount = _fen(data.get("amount_fen"), "amount_fen")
        order_id = str(data.get("order_id") or "")
        if not order_id:
            raise HTTPException(400, "order_id is required")
        try:
            expires_at = datetime.fromisoformat(data["expires_at"])
        except (KeyError, TypeError, ValueError):
            raise HTTPException(400, "expires_at must be an ISO 8601 time with its offset") from None
        if expires_at.tzinfo is None or expires_at <= _now():
            raise HTTPException(400, "expires_at must carry its offset and lie in the future")
        with state.lock:
            order = state.orders.get(order_id)
            if order is not None and order.amount_fen != amount:
                raise HTTPException(409, f"order {order_id} exists with another amount")
            if order is None:
                ref = "SIM" + secrets.token_hex(8)
                order = Order(order_id, ref, amount, str(data.get("description", "")), expires_at)
                state.orders[order_id] = order
        return {"provider_ref": order.provider_ref, "qr_url": f"{state.public_url}/qr/{order.provider_ref}",
                "expires_at": order.expires_at.isoformat()}

    @app.get("/v1/orders/{order_id}")
    async def query(order_id: str) -> dict:
        with state.lock:
            return state.order(order_id).view()

    @app.post("/v1/orders/{order_id}/cancel")
    async def cancel(order_id: str) -> dict:
        with state.lock:
            order = state.order(order_id)
            if order.state in ("paid", "refunded"):
                raise HTTPException(409, f"order {order_id} is {order.state}: refund it, it cannot be cancelled")
            if order.state == "created":
                order.state = "cancelled"
            return order.view()

    @app.post("/v1/orders/{order_id}/refunds")
    async def refund(order_id: str, request: Request) -> dict:
        data = await request.json()
        amount = _fen(data.get("amount_fen"), "amount_fen")
        refund_id = str(data.get("refund_id") or "")
        if not refund_id:
            raise HTTPException(400, "refund_id is required")
        with state.lock:
            order = state.order(order_id)
            done = order.refunds.get(refund_id)
            if done is not None:
                if done["amount_fen"] != amount:
                    raise HTTPException(409, f"refund {refund_id} exists with another amount")
                return done
            if order.state != "paid":
                raise HTTPException(409, f"order {order_id} is {order.state}, nothing to refund")
            if order.refunded_fen + amount > order.paid_fen:
                left = order.paid_fen - order.refunded_fen
                raise HTTPException(409, f"refund of {amount} fen exceeds the {left} fen left")
            done = {"refund_id": refund_id, "order_id": order_id, "amount_fen": amount, "state": "succeeded",
                    "refunded_at": _now().isoformat()}
            order.refunds[refund_id] = done
            if order.refunded_fen == order.paid_fen:
                order.state = "refunded"
            return done

    @app.get("/qr/{provider_ref}", response_class=HTMLResponse)
    async def qr_page(provider_ref: str) -> str:
        with state.lock:
            order = next((o for o in state.orders.values() if o.provider_ref == provider_ref), None)
        if order is None:
            raise HTTPException(404, "no such payment code")
        return (f"<p>Payment provider SIMULATOR: order {order.order_id}, {order.amount_fen} fen.</p>"
                "<p>POST /control/pay to pay it.</p>")

    @app.post("/control/pay")
    async def control_pay(request: Request) -> dict:
        data = await request.json()
        if "qr_url" in data:  # what the citizen's app reads from the kiosk's screen
            ref = str(data["qr_url"]).rstrip("/").rsplit("/", 1)[-1]
            with state.lock:
                order = next((o for o in state.orders.values() if o.provider_ref == ref), None)
            if order is None:
                raise HTTPException(404, "no order behind this QR code")
            return state.pay(order.order_id)
        return state.pay(str(data.get("order_id", "")))

    @app.post("/control/expire")
    async def control_expire(request: Request) -> dict:
        data = await request.json()
        with state.lock:
            order = state.order(str(data.get("order_id", "")))
            order.expires_at = min(order.expires_at, _now())
            return state.order(order.order_id).view()

    @app.post("/control/fault")
    async def control_fault(request: Request) -> dict:
        data = await request.json()
        name = data.get("name")
        if name not in FAULTS:
            raise HTTPException(400, f"unknown fault {name!r}; known: {', '.join(FAULTS)}")
        with state.lock:
            (state.faults.add if data.get("active", True) else state.faults.discard)(name)
            if "delay_s" in data:
                state.delay_s = float(data["delay_s"])
            return {"faults": sorted(state.faults), "delay_s": state.delay_s}

    @app.post("/control/reset")
    async def control_reset() -> dict:
        with state.lock:
            state.faults.clear()
            return {"faults": []}

    @app.get("/control/orders")
    async def control_orders() -> list[dict]:
        with state.lock:
            return [state.order(order_id).view() for order_id in list(state.orders)]

    @app.get("/control/notifications")
    async def control_notifications() -> list[dict]:
        with state.lock:
            return list(state.sent)

    return app


class ProviderSimulator:
    """The simulator on 127.0.0.1 in a daemon thread: `with ProviderSimulator(notify_url=…) as sim:`."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, notify_url: str | None = None,
                 key: bytes = DEFAULT_KEY, faults: tuple[str, ...] = ()):
        unknown = set(faults) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown fault {sorted(unknown)[0]!r}; known: {', '.join(FAULTS)}")
        self.host, self.port, self.notify_url, self.key, self.faults = host, port, notify_url, key, faults
        self._server = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.state: SimulatorState | None = None

    @property
    def url(self) -> str:
        if self._socket is None:
            raise RuntimeError("payment simulator is not running")
        host, port = self._socket.getsockname()[:2]
        return f"http://{host}:{port}"

    @property
    def control_url(self) -> str:
        return f"{self.url}/control"

    def notify_to(self, url: str | None) -> None:
        """Where notifications go from now on: central's URL is often known only after the
        simulator's (central needs the simulator's URL to start)."""
        self.notify_url = url
        if self.state is not None:
            with self.state.lock:
                self.state.notify_url = url

    def start(self, timeout: float = 10.0) -> ProviderSimulator:
        from central.server import bind_socket, server_for

        self._socket = bind_socket(self.host, self.port)
        self.state = SimulatorState(self.key, self.notify_url, self.url)
        self.state.faults.update(self.faults)
        self._server = server_for(create_app(self.state))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]},
                                        name="payment-simulator", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("payment simulator did not start")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self.state is not None:  # no notification outlives the simulator
            self.state.stopping.set()
            for notifier in list(self.state.notifiers):
                notifier.join(timeout)
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> ProviderSimulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


__all__ = ["DEFAULT_KEY", "FAULTS", "ProviderSimulator"]
