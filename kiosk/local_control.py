"""The running kiosk's local control channel, for `kiosk diag` on the kiosk's own shell.

The devices belong to the running kiosk process, so what needs them (a self-test, a reconnect)
or what only it knows (the technicians' overview: device states, counters, central's
reachability) is asked of that process: it listens on a unix socket in its data directory
(`control.sock`, mode 0600, so only the kiosk's user, and root, can connect; the peer's uid is
checked as well). One JSON object per line each way. Only the commands in COMMANDS are run;
anything else is refused. Nothing here reaches the network.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import socket
import struct
import threading
from pathlib import Path
from typing import Any, Callable, Iterator

log = logging.getLogger(__name__)

SOCKET_NAME = "control.sock"
COMMANDS = ("status", "selftest", "reconnect")
MAX_REQUEST = 4096  # bytes of one request line: a command and a device name
ANSWER_TIMEOUT_S = 120.0  # a fingerprint self-test waits for a finger; a document page for CUPS
_ACTOR = re.compile(r"^console:[A-Za-z0-9_.@-]{1,64}$")


class NotRunning(OSError):
    """Nobody listens on the socket: the kiosk is not running (with this data directory)."""


@contextlib.contextmanager
def _bindable(path: Path) -> Iterator[str]:
    """`path` as a unix socket address. Addresses are at most 107 bytes; a longer path is
    reached through its directory's descriptor (/proc/self/fd/N/NAME), which Linux resolves."""
    if len(os.fsencode(path)) < 100:
        yield str(path)
        return
    fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        yield f"/proc/self/fd/{fd}/{path.name}"
    finally:
        os.close(fd)


class ControlServer:
    def __init__(self, path: str | Path, handle: Callable[[dict[str, Any]], dict[str, Any]]):
        self.path = Path(path)
        self._handle = handle
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def start(self) -> bool:
        """Listen; False (and logged) if another kiosk process already listens on this path, or
        the socket cannot be made there."""
        if self.path.exists() or self.path.is_symlink():
            try:
                request(self.path, {"command": "ping"}, timeout=2.0)
            except NotRunning:
                self.path.unlink()  # left by a kiosk that was killed
            except (OSError, ValueError):
                pass  # something answered: it is alive
            else:
                log.error("local control: another kiosk process listens on %s; not listening", self.path)
                return False
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            with _bindable(self.path) as address:
                sock.bind(address)
            # Not through the umask (process-wide: another thread's mkdir would suffer). Until this
            # chmod the socket has the umask's mode, and the peer's uid is checked on every request.
            os.chmod(self.path, 0o600)
            sock.listen(4)
        except OSError as exc:  # the kiosk serves citizens without its console channel
            sock.close()
            log.error("local control: cannot listen on %s: %s", self.path, exc)
            return False
        sock.settimeout(0.5)
        self._sock = sock
        self._thread = threading.Thread(target=self._accept_loop, name="local-control", daemon=True)
        self._thread.start()
        log.info("local control listening on %s", self.path)
        return True

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._sock is not None:
            self._sock.close()
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            self._sock = None

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), name="local-control-conn", daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10.0)
            try:
                answer = self._answer(conn)
            except (OSError, ValueError) as exc:
                answer = {"ok": False, "error": f"bad request: {exc}"}
            try:
                conn.settimeout(5.0)
                conn.sendall(json.dumps(answer, ensure_ascii=False, default=str).encode("utf-8") + b"\n")
            except OSError:
                log.warning("local control: the console went away before its answer")

    def _answer(self, conn: socket.socket) -> dict[str, Any]:
        uid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))[1]
        if uid not in (os.getuid(), 0):
            log.warning("local control: refused a connection from uid %d", uid)
            return {"ok": False, "error": "refused: not the kiosk's user"}
        line = conn.makefile("rb").readline(MAX_REQUEST + 1)
        if len(line) > MAX_REQUEST:
            raise ValueError("request too long")
        command = json.loads(line)
        if not isinstance(command, dict):
            raise ValueError("a request is a JSON object")
        if command.get("command") == "ping":
            return {"ok": True}
        if command.get("command") not in COMMANDS:
            return {"ok": False, "error": f"unknown command {command.get('command')!r} (known: {', '.join(COMMANDS)})"}
        actor = command.get("actor")
        if not isinstance(actor, str) or not _ACTOR.match(actor):
            return {"ok": False, "error": "a request names its actor as console:<user>"}
        return self._handle(command)


def request(path: str | Path, command: dict[str, Any], *, timeout: float = ANSWER_TIMEOUT_S) -> dict[str, Any]:
    """Send one command to the kiosk listening at `path`; its answer. NotRunning if none listens."""
    path = Path(path)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            with _bindable(path) as address:
                sock.connect(address)
        except (FileNotFoundError, ConnectionRefusedError):
            raise NotRunning(f"the kiosk is not running (nothing listens on {path})") from None
        sock.sendall(json.dumps(command, ensure_ascii=False).encode("utf-8") + b"\n")
        reply = sock.makefile("rb").readline()
    if not reply:
        raise ValueError("the kiosk closed the connection without answering")
    return json.loads(reply)


def kiosk_commands(core) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The commands the running kiosk takes from its console (COMMANDS). `status` (the
    technicians' overview, nothing of a citizen) is answered at any time; what works the
    devices is refused while a citizen's visit is under way: a self-test would print, read and
    wait on the citizen's devices, a reconnect would close one under them."""
    from kiosk import overview

    def selftest(actor: str, device: str) -> dict[str, Any]:
        return core.self_tests.run(device, actor)

    def reconnect(actor: str, device: str) -> dict[str, Any]:
        status = core.devices.reconnect(device).to_json()
        core.audit.record(actor, "reconnect", device=device, state=status["state"])
        return status

    on_devices = {"selftest": (selftest, "self_test"), "reconnect": (reconnect, "reconnect")}

    def handle(command: dict[str, Any]) -> dict[str, Any]:
        if command["command"] == "status":
            return {"ok": True, "result": overview.running(core)}
        actor, device = command["actor"], command.get("device")
        run, action = on_devices[command["command"]]
        if not isinstance(device, str):
            return {"ok": False, "error": f"{command['command']} needs a device name"}
        if core.session.visit is not None:
            core.audit.record(actor, action, "refused", device=device, reason="visit_in_progress")
            return {"ok": False, "refused": "visit_in_progress",
                    "error": "a citizen's visit is in progress: try again when the kiosk is idle"}
        if device not in core.config.devices:  # refused on the audit trail too, as on the screen
            core.audit.record(actor, action, "refused", device=device, reason="no such device")
            return {"ok": False, "error": f"no device {device!r} in the configuration"}
        try:
            return {"ok": True, "result": run(actor, device)}
        except ValueError as exc:
            return {"ok": False, "error": str(exc)}

    return handle
