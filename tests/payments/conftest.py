"""A real provider simulator on 127.0.0.1 and a real HTTP receiver standing in for central's
notification route; both stopped after each test."""

from __future__ import annotations

import http.server
import queue
import threading
from collections.abc import Iterator

import httpx
import pytest

from central.payments.provider import SimulatorProvider
from central.payments.simulator import DEFAULT_KEY, ProviderSimulator


class Receiver:
    """Takes POSTs on 127.0.0.1 and keeps (headers, raw body) of each."""

    def __init__(self) -> None:
        self.received: queue.Queue[tuple[dict[str, str], bytes]] = queue.Queue()
        self.status = 200
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = outer.status  # before the test sees this one and changes it
                outer.received.put((dict(self.headers.items()), body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/payments/notify"

    def next(self, timeout: float = 5.0) -> tuple[dict[str, str], bytes]:
        return self.received.get(timeout=timeout)

    def nothing_for(self, seconds: float) -> bool:
        try:
            self.received.get(timeout=seconds)
        except queue.Empty:
            return True
        return False


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def simulator(receiver) -> Iterator[ProviderSimulator]:
    with ProviderSimulator(notify_url=receiver.url) as sim:
        yield sim


@pytest.fixture
def provider(simulator) -> Iterator[SimulatorProvider]:
    with SimulatorProvider(simulator.url, DEFAULT_KEY, timeout=5.0) as client:
        yield client


@pytest.fixture
def control(simulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=simulator.control_url, timeout=5.0) as client:
        yield client


# -- central's order book: a real central, the simulator behind a fault proxy, a signed kiosk --

from dataclasses import dataclass  # noqa: E402

from sqlalchemy import select  # noqa: E402

from central.db import counters, orders as orders_table, refunds as refunds_table  # noqa: E402
from central.payments.orders import provider_order_id  # noqa: E402
from central.server import EmbeddedCentral  # noqa: E402
from kiosk.central_client import CentralClient, KioskSignature  # noqa: E402
from support import paid_service  # noqa: E402
from support.fault_proxy import FaultProxy  # noqa: E402


@dataclass
class Shop:
    """A kiosk's view of central's payment routes, plus the provider's control API and the
    database, so a test can act as kiosk, citizen and operator."""

    central: EmbeddedCentral
    sim: ProviderSimulator
    proxy: FaultProxy  # between central and the provider: faults of the network or the provider
    kiosk: httpx.Client
    control: httpx.Client
    database: str

    def post(self, route: str, body: dict, kiosk: httpx.Client | None = None) -> httpx.Response:
        return (kiosk or self.kiosk).post(f"/api/v1/payments/{route}", json=body)

    def open(self, order_id: str = "visit-1:pay", amount_fen: object = 1500, **extra) -> httpx.Response:
        visit_id = order_id.rsplit(":", 1)[0]
        return self.post("orders", {"order_id": order_id, "visit_id": visit_id, "service": "test_paid",
                                    "request": {"amount_fen": amount_fen, **extra}})

    def status(self, order_id: str = "visit-1:pay") -> dict:
        response = self.post("status", {"order_id": order_id})
        assert response.status_code == 200, response.text
        return response.json()

    def pay(self, order_id: str = "visit-1:pay") -> httpx.Response:
        return self.control.post("/pay", json={"order_id": provider_order_id(order_id)})

    def expire(self, order_id: str = "visit-1:pay") -> None:
        self.control.post("/expire", json={"order_id": provider_order_id(order_id)}).raise_for_status()

    def fault(self, name: str, active: bool = True) -> None:
        self.control.post("/fault", json={"name": name, "active": active}).raise_for_status()

    def provider_order(self, order_id: str = "visit-1:pay") -> dict | None:
        return next((o for o in self.control.get("/orders").json()
                     if o["order_id"] == provider_order_id(order_id)), None)

    def sweep(self) -> dict:
        return self.central.app.state.orders.sweep()

    def row(self, order_id: str = "visit-1:pay"):
        with self.central.app.state.engine.connect() as conn:
            return conn.execute(select(orders_table).where(orders_table.c.order_id == order_id)).first()

    def refunds(self, order_id: str = "visit-1:pay") -> list:
        with self.central.app.state.engine.connect() as conn:
            return conn.execute(select(refunds_table).where(refunds_table.c.order_id == order_id)).all()

    def fulfilled(self, order_id: str = "visit-1:pay") -> int | None:
        """What the test service's fulfil wrote for the order and kept (None: nothing)."""
        with self.central.app.state.engine.connect() as conn:
            return conn.execute(select(counters.c.value).where(
                counters.c.name == paid_service.fulfilled(order_id))).scalar()

    def notifications(self) -> list[dict]:
        return self.control.get("/notifications").json()


@pytest.fixture
def paid():
    """The test paid service, registered with central for this test only."""
    with paid_service.registered():
        yield paid_service


@pytest.fixture
def shop(central_db, paid) -> Iterator[Shop]:
    """The sweep runs only when a test calls shop.sweep(), so each step is the test's."""
    with ProviderSimulator() as sim, FaultProxy(int(sim.url.rsplit(":", 1)[1])) as proxy, \
            EmbeddedCentral(central_db, payment_provider_url=proxy.url, payment_sweep_s=None) as central:
        sim.notify_to(central.notify_url)
        secret = CentralClient.enrol(central.url, "K-1")
        with httpx.Client(base_url=central.url, auth=KioskSignature("K-1", secret), timeout=10) as kiosk, \
                httpx.Client(base_url=sim.control_url, timeout=10) as control:
            yield Shop(central, sim, proxy, kiosk, control, central_db)
