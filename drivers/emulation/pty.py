"""Serve a byte-level emulator on a pseudo-terminal, so drivers open it like a real serial port.

Any object with `feed(bytes) -> bytes` works (GA 467 reader, AS608 fingerprint module …). A
thread reads the master side, feeds the emulator and writes its answer back, optionally paced
at a baud rate in both directions (ptys ignore baud, so line-rate behaviour must be produced
here: 10 bits a byte at 8N1). The endpoint keeps its own slave fd open so the master never sees EIO between driver
sessions.

Devices that speak unasked (a barcode scanner sends each code it reads) also have
`take_output() -> bytes`, called on every turn of the loop, and may have
`set_output_listener(wake)`: calling `wake()` makes the endpoint take that output at once
instead of at the next poll.

Unplugging: if the emulator has a true `unplugged` attribute the endpoint closes the pty (reads
and writes on the driver's side fail, the device node disappears) and removes `link`; when it
turns false again a new pty is made and `link` points at it, like a udev by-id symlink.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import select
import threading
import time
import tty
from collections.abc import Iterator
from typing import Protocol

log = logging.getLogger(__name__)

POLL_INTERVAL = 0.05  # how quickly stop and unplug are noticed
PACE_CHUNK = 64  # bytes written per paced step


class ByteEmulator(Protocol):
    def feed(self, data: bytes) -> bytes: ...


class PushEmulator(ByteEmulator, Protocol):
    def take_output(self) -> bytes: ...  # what the device sends unasked, taken once


class PtyEndpoint:
    def __init__(self, emulator: ByteEmulator, *, pace_baud: int | None = None, link: str | None = None):
        if pace_baud is not None and pace_baud <= 0:
            raise ValueError("pace_baud must be positive")
        self.emulator = emulator
        self.pace_baud = pace_baud
        self.link = link
        self._master: int | None = None
        self._slave: int | None = None
        self._path = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._wake_r: int | None = None  # a pipe: wake() makes the serving loop take output now
        self._wake_w: int | None = None

    @property
    def path(self) -> str:
        """The slave device path drivers open (a new one after each replug); "" while unplugged."""
        with self._lock:
            return self._path

    @property
    def device(self) -> str:
        """What a driver should open: the stable link when there is one, else the slave path."""
        return self.link or self.path

    def start(self) -> "PtyEndpoint":
        self._plug()
        self._stop.clear()
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_r, False)
        os.set_blocking(wake_w, False)
        with self._lock:
            self._wake_r, self._wake_w = wake_r, wake_w
        listen = getattr(self.emulator, "set_output_listener", None)
        if listen is not None:
            listen(self.wake)
        self._thread = threading.Thread(target=self._serve, name="pty-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        listen = getattr(self.emulator, "set_output_listener", None)
        if listen is not None:
            listen(None)
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._unplug()
        with self._lock:
            pipe, self._wake_r, self._wake_w = (self._wake_r, self._wake_w), None, None
        for fd in pipe:
            if fd is not None:
                os.close(fd)

    def wake(self) -> None:
        """The emulator has output to send (thread-safe; extra calls are harmless)."""
        with self._lock:
            if self._wake_w is not None:
                with contextlib.suppress(BlockingIOError):
                    os.write(self._wake_w, b"!")

    def __enter__(self) -> "PtyEndpoint":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- pty lifecycle ---------------------------------------------------------------------

    def _plug(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no line editing, before any driver opens it
        os.set_blocking(master, False)
        path = os.ttyname(slave)
        if self.link:
            tmp = f"{self.link}.{os.getpid()}.tmp"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            os.symlink(path, tmp)
            os.replace(tmp, self.link)
        with self._lock:
            self._master, self._slave, self._path = master, slave, path
        log.info("emulator serving on %s", self.link or path)

    def _unplug(self) -> None:
        with self._lock:
            master, slave = self._master, self._slave
            self._master = self._slave = None
            self._path = ""
        if self.link:
            with contextlib.suppress(FileNotFoundError):
                if os.path.islink(self.link):
                    os.unlink(self.link)
        for fd in (master, slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _should_be_unplugged(self) -> bool:
        return bool(getattr(self.emulator, "unplugged", False))

    # --- serving ---------------------------------------------------------------------------

    def _serve(self) -> None:
        while not self._stop.is_set():
            unplug = self._should_be_unplugged()
            if unplug and self._master is not None:
                log.info("emulator unplugged from %s", self.link or self._path)
                self._unplug()
            elif not unplug and self._master is None:
                self._plug()
            master = self._master
            if master is None:
                self._stop.wait(POLL_INTERVAL)
                continue
            wake_r = self._wake_r
            readable, _, _ = select.select([master, wake_r], [], [], POLL_INTERVAL)
            if wake_r in readable:
                with contextlib.suppress(BlockingIOError):
                    os.read(wake_r, 4096)
            self._push(master)
            if master not in readable:
                continue
            try:
                request = os.read(master, 4096)
            except BlockingIOError:
                continue
            except OSError as exc:
                if exc.errno != errno.EIO:
                    raise
                self._stop.wait(POLL_INTERVAL)  # no slave open right now
                continue
            if self.pace_baud:
                # the request's last byte would still be on the line
                time.sleep(len(request) * 10 / self.pace_baud)
            answer = self.emulator.feed(request)
            if answer:
                self._write(master, answer)

    def _push(self, master: int) -> None:
        take = getattr(self.emulator, "take_output", None)
        if take is not None and (unasked := take()):
            self._write(master, unasked)

    def _write(self, master: int, data: bytes) -> None:
        view = memoryview(data)
        started = time.monotonic()
        sent = 0
        while sent < len(view) and not self._stop.is_set() and self._master == master:
            if self.pace_baud:
                # a chunk is handed over only once a real line would have carried its last bit
                chunk = view[sent:sent + PACE_CHUNK]
                delay = started + (sent + len(chunk)) * 10 / self.pace_baud - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            else:
                chunk = view[sent:]
            try:
                sent += os.write(master, chunk)
            except BlockingIOError:
                select.select([], [master], [], POLL_INTERVAL)
            except OSError:
                return  # pty went away mid-answer (unplugged)


@contextlib.contextmanager
def serve_on_pty(emulator: ByteEmulator, *, pace_baud: int | None = None,
                 link: str | None = None) -> Iterator[str]:
    """Serve `emulator` on a new pty for the duration of the block; yields the path to open."""
    endpoint = PtyEndpoint(emulator, pace_baud=pace_baud, link=link).start()
    try:
        yield endpoint.device
    finally:
        endpoint.stop()
