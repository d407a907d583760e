"""Paid orders made the way a kiosk makes them: a real central (its order book, the demo back
office) paying through the provider simulator on 127.0.0.1, and the citizen paying by the
simulator's control API. For the progress query's reprint tests, central's and the kiosk's."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from central.payments.simulator import ProviderSimulator
from central.server import EmbeddedCentral
from kiosk.central_client import CentralClient


@dataclass
class Till:
    central: EmbeddedCentral
    sim: ProviderSimulator
    control: httpx.Client

    def provider_orders(self) -> int:
        """How many orders the provider was ever asked to open: a reprint must not add one."""
        return len(self.control.get("/orders").json())

    def charged_fen(self) -> int:
        return sum(o.get("paid_fen", 0) for o in self.control.get("/orders").json())


@contextlib.contextmanager
def till(database_url: str) -> Iterator[Till]:
    with ProviderSimulator() as sim, \
            EmbeddedCentral(database_url, payment_provider_url=sim.url, payment_sweep_s=None) as central:
        sim.notify_to(central.notify_url)
        with httpx.Client(base_url=sim.control_url, timeout=10) as control:
            yield Till(central, sim, control)


def visit_id(kiosk_id: str = "K-1") -> str:
    """A visit id as kiosk/visit.py makes them: the order's reference is its last part."""
    return f"{kiosk_id}-20261202-{uuid.uuid4().hex[:12]}"


def opened(client: CentralClient, service: str, request: dict, visit: str | None = None) -> dict:
    """The order for `service` opened (priced by central), not yet paid: central's OrderOut."""
    visit = visit or visit_id(client.kiosk_id)
    return client.payment("orders", {"order_id": f"{visit}:pay", "visit_id": visit, "service": service,
                                     "request": request})


def pay(client: CentralClient, control: httpx.Client, order: dict, timeout: float = 10.0) -> dict:
    """The citizen pays the order's QR code; central's OrderOut once delivered (or refused)."""
    control.post("/pay", json={"qr_url": order["qr_url"]}).raise_for_status()
    order_id = order["order_id"]
    deadline = time.monotonic() + timeout
    while True:
        order = client.payment("status", {"order_id": order_id})
        if order["delivery"] in ("delivered", "refused") or time.monotonic() > deadline:
            return order
        time.sleep(0.05)


def paid(client: CentralClient, control: httpx.Client, service: str, request: dict,
         visit: str | None = None) -> dict:
    """Open the order for `service` and pay it: central's OrderOut once delivered (or refused)."""
    return pay(client, control, opened(client, service, request, visit))
