"""What a test needs to stand in for systemd's side of the watchdog: a notify socket that
records what a process says, and a way to freeze one thread of a process for real.

The freeze is ptrace(2) on that one thread (PTRACE_SEIZE + PTRACE_INTERRUPT): the kernel
stops it where it is, the process's other threads run on. Nothing in the code under test
knows, so what is tested is what a hung GUI thread (or event loop) does in production.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import socket
import time

import pytest

PTRACE_DETACH, PTRACE_SEIZE, PTRACE_INTERRUPT = 17, 0x4206, 0x4207
_WALL = 0x40000000

_libc = ctypes.CDLL(None, use_errno=True)
_libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
_libc.ptrace.restype = ctypes.c_long


class NotifySocket:
    """A datagram socket set as NOTIFY_SOCKET (`env()`); `wait_for` reads what arrives."""

    def __init__(self, path: str):
        self.address = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + path[1:] if path.startswith("@") else path)
        self.messages: list[tuple[float, str]] = []

    def env(self, watchdog_usec: int) -> dict[str, str]:
        return {"NOTIFY_SOCKET": self.address, "WATCHDOG_USEC": str(watchdog_usec)}

    def receive(self, timeout_s: float) -> str | None:
        self.sock.settimeout(timeout_s)
        try:
            message = self.sock.recv(4096).decode()
        except TimeoutError:
            return None
        self.messages.append((time.monotonic(), message))
        return message

    def wait_for(self, wanted: str, timeout_s: float, alive=lambda: True) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert alive(), "the process ended"
            if self.receive(min(0.5, max(0.01, deadline - time.monotonic()))) == wanted:
                return
        raise AssertionError(f"no {wanted} within {timeout_s} s; heard {[m for _, m in self.messages[-5:]]}")

    def drain(self) -> list[str]:
        heard = []
        while (message := self.receive(0.001)) is not None:
            heard.append(message)
        return heard

    def count(self, wanted: str, during_s: float) -> int:
        deadline, seen = time.monotonic() + during_s, 0
        while (left := deadline - time.monotonic()) > 0:
            seen += self.receive(left) == wanted
        return seen

    def close(self) -> None:
        self.sock.close()


def _ptrace(request: int, tid: int) -> None:
    if _libc.ptrace(request, tid, None, None) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"ptrace({request:#x}, {tid}): {os.strerror(errno)}")


def _in_syscall(pid: int, tid: int) -> bool:
    # "-1 …": stopped in user space, maybe holding the GIL (every Python thread would stop).
    with open(f"/proc/{pid}/task/{tid}/syscall") as file:
        return not file.read().startswith("-1")


@contextlib.contextmanager
def frozen_thread(pid: int, tid: int | None = None, attempts: int = 50):
    """Stop thread `tid` (default: the main thread) of process `pid` until the block ends.
    It is stopped while blocked in a system call — an event loop waiting for work, GIL
    released — so only that thread stops, as when a slot hangs in I/O."""
    tid = tid or pid
    try:
        _ptrace(PTRACE_SEIZE, tid)
    except OSError as exc:
        pytest.skip(f"cannot ptrace the process under test here: {exc}")
    try:
        for _ in range(attempts):
            _ptrace(PTRACE_INTERRUPT, tid)
            os.waitpid(tid, _WALL)
            if _in_syscall(pid, tid):
                break
            _ptrace(PTRACE_DETACH, tid)  # caught mid-bytecode: let it go on, try again
            time.sleep(0.013)
            _ptrace(PTRACE_SEIZE, tid)
        else:
            raise AssertionError(f"thread {tid} never caught waiting in a system call")
        yield
    finally:
        with contextlib.suppress(OSError):
            _ptrace(PTRACE_DETACH, tid)
