"""The one small control interface every emulator answers.

An emulator implements `handle_control(command: dict) -> dict`. Commands are JSON objects with
an "op" field; every emulator understands at least:

    {"op": "status"}                      -> its state, current fault, counters
    {"op": "fault", "kind": "<name>"}     -> inject a fault until cleared
    {"op": "clear_fault"}
and class-specific ones such as {"op": "load_card", "card": {...}} or {"op": "remove_card"}.

In-process callers (tests, the demo) call `handle_control` directly. For an emulator running in
its own process, ControlServer exposes the same calls as JSON lines over TCP on 127.0.0.1.
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
from typing import Any, Callable, Protocol


class Controllable(Protocol):
    def handle_control(self, command: dict[str, Any]) -> dict[str, Any]: ...


class ControlError(Exception):
    """A control command the emulator does not understand or cannot carry out."""


def dispatch(target: Controllable, command: dict[str, Any]) -> dict[str, Any]:
    try:
        result = target.handle_control(command)
        return {"ok": True, **(result or {})}
    except ControlError as exc:
        return {"ok": False, "error": str(exc)}


class ControlServer:
    """JSON-lines control channel: one request object per line, one answer object per line."""

    def __init__(self, target: Controllable, host: str = "127.0.0.1", port: int = 0):
        handler = _make_handler(lambda cmd: dispatch(target, cmd))
        self._server = socketserver.ThreadingTCPServer((host, port), handler, bind_and_activate=False)
        self._server.allow_reuse_address = True
        self._server.daemon_threads = True
        self._server.server_bind()
        self._server.server_activate()
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return host, port

    def start(self) -> "ControlServer":
        self._thread = threading.Thread(target=self._server.serve_forever, name="emulator-control", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _make_handler(call: Callable[[dict], dict]):
    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            for line in self.rfile:
                try:
                    command = json.loads(line)
                    if not isinstance(command, dict):
                        raise ValueError("command must be a JSON object")
                    answer = call(command)
                except ValueError as exc:
                    answer = {"ok": False, "error": f"bad command: {exc}"}
                self.wfile.write(json.dumps(answer, ensure_ascii=False).encode() + b"\n")

    return Handler


def send_control(host: str, port: int, command: dict[str, Any], timeout: float = 5.0) -> dict[str, Any]:
    """Send one command to an emulator's control port and return its answer."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(json.dumps(command, ensure_ascii=False).encode() + b"\n")
        reply = sock.makefile("rb").readline()
    if not reply:
        raise ControlError("emulator closed the control connection without answering")
    return json.loads(reply)
