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
