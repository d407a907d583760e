"""A network ESC/POS receipt printer (port 9100 style) for tests, the demo and technicians.

It answers DLE EOT status requests from its state and GS I 65-68 with its own identity (maker,
model, firmware, serial: `info`), decodes everything else with the shared EscposDecoder, and
keeps what came out of it as `PrintedJob`s (a job ends at a cut, or when the connection closes).
Faults are injected through the control interface:

    {"op": "fault", "kind": "paper_out" | "paper_near_end" | "cover_open" | "offline"
                          | "no_answer" | "paper_runs_out_mid_job" | "drop_connection",
     "after_bytes": 64}        # for the two mid-job faults: job bytes that still print
    {"op": "clear_fault"}  {"op": "status"}  {"op": "jobs"}  {"op": "clear_jobs"}

Like a real printer, it prints nothing while it reports a problem: a job sent anyway is counted
in `dropped_bytes` and does not appear in `jobs`. It serves TCP itself; for a serial printer,
put `emulator.session()` on a pty (`drivers.emulation.pty.PtyEndpoint`).
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from drivers.emulation.control import ControlError
from drivers.printer.escpos_codec import (
    Cut,
    EscposDecoder,
    Event,
    Feed,
    PrinterCondition,
    PrinterInfoRequest,
    Qr,
    StatusRequest,
    Text,
)

log = logging.getLogger(__name__)

FAULT_CONDITIONS: dict[str, PrinterCondition] = {
    "paper_out": PrinterCondition(online=False, paper="out"),
    "paper_near_end": PrinterCondition(paper="near_end"),
    "cover_open": PrinterCondition(online=False, cover_open=True),
    "offline": PrinterCondition(online=False),
    "no_answer": PrinterCondition(),
    "paper_runs_out_mid_job": PrinterCondition(),
    "drop_connection": PrinterCondition(),
}
MID_JOB_FAULTS = ("paper_runs_out_mid_job", "drop_connection")
# What the emulator says it is when asked (GS I): itself, not a printer it is not.
DEFAULT_INFO = {"maker": "police-kiosk", "model": "ESC/POS emulator", "firmware": "emulator-1", "serial": "EMU0001"}
_INFO_NAMES = {65: "firmware", 66: "maker", 67: "model", 68: "serial"}
DEFAULT_AFTER_BYTES = 64
_POLL = 0.2  # how often blocked threads look at the stop flag


@dataclass
class PrintedJob:
    text: str
    qr_codes: list[str]
    cut: bool
    raw: bytes

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "qr_codes": list(self.qr_codes), "cut": self.cut, "bytes": len(self.raw)}


@dataclass
class _JobInProgress:
    parts: list[str] = field(default_factory=list)
    qr_codes: list[str] = field(default_factory=list)
    raw: bytearray = field(default_factory=bytearray)
    has_content: bool = False

    def add(self, event: Event) -> None:
        self.raw += event.raw
        if isinstance(event, Text):
            self.parts.append(event.text)
        elif isinstance(event, Feed):
            self.parts.append("\n" * event.lines)
        elif isinstance(event, Qr):
            self.qr_codes.append(event.data)
        self.has_content = self.has_content or isinstance(event, (Text, Feed, Qr, Cut))

    def finish(self, *, cut: bool) -> PrintedJob:
        return PrintedJob("".join(self.parts), list(self.qr_codes), cut, bytes(self.raw))


class EscposEmulator:
    def __init__(self, host: str = "127.0.0.1", port: int = 9100, *, fault: str | None = None,
                 on_job: Callable[[PrintedJob], None] | None = None, info: dict[str, str] | None = None):
        self._host, self._port = host, port
        self.info = dict(DEFAULT_INFO if info is None else info)
        self._on_job = on_job
        self._lock = threading.Lock()
        self._job_arrived = threading.Condition(self._lock)
        self._fault: str | None = None
        self._after_bytes = DEFAULT_AFTER_BYTES
        self._jobs: list[PrintedJob] = []
        self._jobs_taken = 0
        self._counters = {"connections": 0, "status_requests": 0, "info_requests": 0, "content_bytes": 0,
                          "dropped_bytes": 0}
        self._stop = threading.Event()
        self._server: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._connections: set[socket.socket] = set()
        if fault:
            self.set_fault(fault)

    # --- lifecycle ---

    @property
    def address(self) -> tuple[str, int]:
        if self._server is None:
            return self._host, self._port
        host, port = self._server.getsockname()[:2]
        return host, port

    @property
    def url(self) -> str:
        host, port = self.address
        return f"escpos+tcp://{host}:{port}"

    def start(self) -> EscposEmulator:
        self._stop.clear()
        self._server = socket.create_server((self._host, self._port))
        self._server.settimeout(_POLL)
        self._spawn(self._accept_loop, "printer-emulator")
        return self

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            for conn in self._connections:
                _wake(conn)  # its handler thread closes it
        for thread in list(self._threads):
            thread.join(timeout=5)
        self._threads.clear()
        if self._server is not None:
            self._server.close()
            self._server = None

    def __enter__(self) -> EscposEmulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- state ---

    @property
    def jobs(self) -> list[PrintedJob]:
        with self._lock:
            return list(self._jobs)

    def wait_for_job(self, timeout: float = 5.0) -> PrintedJob:
        """The next job not yet returned by this method, waiting up to `timeout` seconds for it."""
        with self._job_arrived:
            if not self._job_arrived.wait_for(lambda: len(self._jobs) > self._jobs_taken, timeout):
                raise TimeoutError(f"no print job within {timeout:g} s")
            self._jobs_taken += 1
            return self._jobs[self._jobs_taken - 1]

    def set_fault(self, kind: str | None, after_bytes: int = DEFAULT_AFTER_BYTES) -> None:
        if kind is not None and kind not in FAULT_CONDITIONS:
            raise ControlError(f"unknown fault {kind!r} (known: {', '.join(FAULT_CONDITIONS)})")
        with self._lock:
            self._fault, self._after_bytes = kind, after_bytes

    @property
    def condition(self) -> PrinterCondition:
        with self._lock:
            return self._condition()

    def handle_control(self, command: dict[str, Any]) -> dict[str, Any]:
        op = command.get("op")
        if op == "status":
            with self._lock:
                condition = self._condition()
                return {
                    "fault": self._fault,
                    "condition": {"online": condition.online, "paper": condition.paper,
                                  "cover_open": condition.cover_open, "error": condition.error},
                    "jobs": len(self._jobs),
                    **self._counters,
                }
        if op == "fault":
            after = command.get("after_bytes", DEFAULT_AFTER_BYTES)
            if not isinstance(after, int) or after < 0:
                raise ControlError("after_bytes must be a non-negative integer")
            self.set_fault(command.get("kind"), after)
            return {"fault": command.get("kind")}
        if op == "clear_fault":
            self.set_fault(None)
            return {"fault": None}
        if op == "jobs":
            return {"jobs": [job.to_json() for job in self.jobs]}
        if op == "clear_jobs":
            with self._lock:
                self._jobs.clear()
                self._jobs_taken = 0
            return {"jobs": []}
        raise ControlError(f"unknown op {op!r} (known: status, fault, clear_fault, jobs, clear_jobs)")

    # --- serving ---

    def _spawn(self, target, name: str, *args) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        # One thread per connection: the finished ones go, or a day of receipts keeps them all.
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _accept_loop(self) -> None:
        assert self._server is not None
        while not self._stop.is_set():
            try:
                conn, _peer = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._connections.add(conn)
                self._counters["connections"] += 1
            self._spawn(self._serve, "printer-emulator-connection", conn)

    def session(self) -> HostSession:
        """A byte-stream session for other transports, e.g. `PtyEndpoint(emulator.session())`."""
        return HostSession(self)

    def _serve(self, conn: socket.socket) -> None:
        session = HostSession(self)
        conn.settimeout(_POLL)
        try:
            while not self._stop.is_set():
                try:
                    data = conn.recv(4096)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not data:
                    break
                answers = session.feed(data)
                if answers:  # all answers to one chunk go out as one segment
                    conn.sendall(answers)
                if session.dropped:
                    break
        except OSError:
            pass  # the host went away
        except Exception:  # a bug here must not take the emulator down with it
            log.exception("printer emulator: connection handler failed")
        finally:
            session.close()
            with self._lock:
                self._connections.discard(conn)
            _shutdown(conn)

    def _status_answer(self, n: int) -> bytes:
        with self._lock:
            self._counters["status_requests"] += 1
            if self._fault == "no_answer":
                return b""
            answer = self._condition().status_bytes().get(n)
        return b"" if answer is None else bytes((answer,))

    def _info_answer(self, n: int) -> bytes:
        with self._lock:
            self._counters["info_requests"] += 1
            if self._fault == "no_answer":
                return b""
            text = self.info.get(_INFO_NAMES.get(n, ""))
        return b"" if text is None else b"_" + text.encode("ascii") + b"\x00"

    def _finish(self, job: _JobInProgress, *, cut: bool) -> None:
        printed = job.finish(cut=cut)
        with self._job_arrived:
            self._jobs.append(printed)
            self._job_arrived.notify_all()
        if self._on_job is not None:
            self._on_job(printed)

    def _condition(self) -> PrinterCondition:
        return FAULT_CONDITIONS[self._fault] if self._fault else PrinterCondition()


class HostSession:
    """One host's stream: its decoder and the job it is sending. `feed` returns the answers."""

    def __init__(self, emulator: EscposEmulator):
        self._emulator = emulator
        self._decoder = EscposDecoder()
        self._job = _JobInProgress()
        self.dropped = False  # the drop_connection fault struck: the transport should hang up

    def feed(self, data: bytes) -> bytes:
        answers = bytearray()
        if self.dropped:
            return b""
        for event in self._decoder.feed(data):
            if isinstance(event, StatusRequest):
                answers += self._emulator._status_answer(event.n)
            elif isinstance(event, PrinterInfoRequest):
                answers += self._emulator._info_answer(event.n)
            else:
                self._print(event)
                if self.dropped:
                    break
        return bytes(answers)

    def close(self) -> None:
        """The host hung up: a job without its cut still came out, torn off."""
        for event in self._decoder.close():
            self._job.add(event)
        if self._job.has_content:
            self._emulator._finish(self._job, cut=False)
        self._job = _JobInProgress()

    def _print(self, event: Event) -> None:
        emulator, job = self._emulator, self._job
        with emulator._lock:
            emulator._counters["content_bytes"] += len(event.raw)
            if not emulator._condition().ready:
                emulator._counters["dropped_bytes"] += len(event.raw)
                return
            fault, limit = emulator._fault, emulator._after_bytes
        if fault in MID_JOB_FAULTS and len(job.raw) + len(event.raw) > limit:
            emulator._finish(job, cut=False)
            self._job = _JobInProgress()
            with emulator._lock:
                emulator._counters["dropped_bytes"] += len(event.raw)
                if fault == "paper_runs_out_mid_job":
                    emulator._fault = "paper_out"
            self.dropped = fault == "drop_connection"
            return
        job.add(event)
        if isinstance(event, Cut):
            emulator._finish(job, cut=True)
            self._job = _JobInProgress()


def _wake(conn: socket.socket) -> None:
    try:
        conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already gone


def _shutdown(conn: socket.socket) -> None:
    _wake(conn)
    conn.close()
