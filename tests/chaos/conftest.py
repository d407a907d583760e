"""Chaos tests: a real central (SQLite file) behind a fault-injecting proxy on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from central.server import EmbeddedCentral
from kiosk.central_client import CentralClient
from offline_queue.outbox import Outbox
from support.clock import FakeClock
from support.fault_proxy import FaultProxy


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def central_url(tmp_path) -> Iterator[tuple[EmbeddedCentral, str]]:
    database = f"sqlite:///{tmp_path / 'central.db'}"
    with EmbeddedCentral(database) as central:
        yield central, database


@pytest.fixture
def proxy(central_url) -> Iterator[FaultProxy]:
    central, _ = central_url
    with FaultProxy(int(central.url.rsplit(":", 1)[1])) as running:
        yield running


@pytest.fixture
def kiosk_client(central_url, proxy) -> Iterator[CentralClient]:
    """A kiosk's client that reaches central only through the proxy (1 s timeout)."""
    central, _ = central_url
    secret = CentralClient.enrol(central.url, "K-CHAOS")
    with CentralClient(proxy.url, "K-CHAOS", secret, timeout=1.0) as client:
        yield client


@pytest.fixture
def outbox(tmp_path, clock) -> Iterator[Outbox]:
    with Outbox(tmp_path / "outbox.db", tmp_path / "outbox.key", clock=clock) as opened:
        yield opened
