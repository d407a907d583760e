"""A real central (uvicorn on 127.0.0.1, SQLite file) per test, and enrolled kiosk clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from kiosk.central_client import CentralClient


@pytest.fixture
def enrolled(central) -> Iterator[Callable[[str], CentralClient]]:
    """enrolled("K-1") -> a CentralClient with a fresh secret; all closed at teardown."""
    clients: list[CentralClient] = []

    def make(kiosk_id: str = "K-1") -> CentralClient:
        client = CentralClient(central.url, kiosk_id, CentralClient.enrol(central.url, kiosk_id))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
