"""A fault-injecting HTTP/1.1 proxy on 127.0.0.1, in front of a real central.

It understands just enough HTTP (request head, Content-Length body, keep-alive) to apply one
fault per request: pass it on, answer 500 itself, hang, drop the connection before forwarding,
forward and then drop the answer (central stored it; the kiosk never hears), or pass it on
slowly. Faults come from `plan` (one per request, in order) and then from `fault`.
It counts client connections, so tests can see that a client keeps its connection alive.
"""

from __future__ import annotations

import collections
import socket
import threading
from typing import Literal

Fault = Literal["pass", "error500", "hang", "drop", "drop_response", "slow"]
ERROR_500 = b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 21\r\n\r\ninjected server error"


class FaultProxy:
    def __init__(self, upstream_port: int, *, fault: Fault = "pass", slow_s: float = 0.5):
        self.upstream = ("127.0.0.1", upstream_port)
        self.fault: Fault = fault
        self.plan: collections.deque[Fault] = collections.deque()
        self.slow_s = slow_s
        self.connections = 0
        self.requests: collections.Counter[str] = collections.Counter()  # fault → requests
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(32)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def start(self) -> FaultProxy:
        self._spawn(self._accept)
        return self

    def stop(self) -> None:
        self._stopping.set()
        _close(self._listener)  # shutdown wakes the thread blocked in accept()
        with self._lock:
            for sock in self._sockets:
                _close(sock)
        for thread in self._threads:
            thread.join(10)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, name="fault-proxy", daemon=True)
        thread.start()
        self._threads.append(thread)

    def _track(self, sock: socket.socket) -> socket.socket:
        with self._lock:
            self._sockets.add(sock)
        return sock

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            self._spawn(self._serve, self._track(client))

    def _next_fault(self) -> Fault:
        with self._lock:
            return self.plan.popleft() if self.plan else self.fault

    def _serve(self, client: socket.socket) -> None:
        upstream: socket.socket | None = None
        reader = client.makefile("rb")
        try:
            while not self._stopping.is_set():
                request = _read_message(reader)
                if request is None:
                    return
                fault = self._next_fault()
                self.requests[fault] += 1
                if fault == "error500":
                    client.sendall(ERROR_500)
                    continue
                if fault == "drop":
                    return
                if fault == "hang":
                    self._stopping.wait()
                    return
                if fault == "slow":
                    self._stopping.wait(self.slow_s)
                if upstream is None:
                    upstream = self._track(socket.create_connection(self.upstream, timeout=30))
                    upstream_reader = upstream.makefile("rb")
                upstream.sendall(request)
                response = _read_message(upstream_reader)
                if response is None or fault == "drop_response":
                    return
                client.sendall(response)
        except OSError:
            return
        finally:
            _close(client)
            if upstream is not None:
                _close(upstream)


def _read_message(reader) -> bytes | None:
    """One HTTP/1.1 message (head + Content-Length body) as bytes, or None at end of stream."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = reader.readline(65536)
        if not line:
            return None
        head += line
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = reader.read(length) if length else b""
    return head + body


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
