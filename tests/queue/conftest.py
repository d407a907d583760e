"""Outboxes on real SQLite files, a controllable clock, and a real central on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from kiosk.central_client import CentralClient
from offline_queue.outbox import Outbox
from support.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def open_outbox(tmp_path, clock) -> Iterator[Callable[..., Outbox]]:
    """open_outbox(**options) -> an Outbox on tmp_path/outbox.db; closed at teardown."""
    opened: list[Outbox] = []

    def make(**options) -> Outbox:
        options.setdefault("clock", clock)
        outbox = Outbox(tmp_path / "outbox.db", tmp_path / "outbox.key", **options)
        opened.append(outbox)
        return outbox

    yield make
    for outbox in opened:
        outbox.close()


@pytest.fixture
def outbox(open_outbox) -> Outbox:
    return open_outbox()


@pytest.fixture
def client(central) -> Iterator[CentralClient]:
    with CentralClient(central.url, "K-1", CentralClient.enrol(central.url, "K-1")) as c:
        yield c
