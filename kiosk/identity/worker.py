"""dlib's face models in a process of their own.

A crash in native dlib code then takes down the worker, not the kiosk screen; the ~170 MB and
~1.7 s of model loading stay off the kiosk's start-up path. The worker is a child Python process
(`python -m kiosk.identity.worker`) speaking length-prefixed pickles over its stdin and stdout.
It keeps nothing between requests: a frame or a photo comes in, measures and an encoding go
back, and both are dropped. `FaceWorker` starts it on first use (or `prewarm()`), and starts it
again when it has died.
"""

from __future__ import annotations

import logging
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from typing import Any

log = logging.getLogger(__name__)
_HEADER = struct.Struct("!I")
LOAD_TIMEOUT_S = 60.0  # model load is ~1.7 s alone; generous for a busy 2-core box
CALL_TIMEOUT_S = 20.0


class WorkerUnavailable(RuntimeError):
    """The face worker died, hung or could not start; the message says which."""


class WorkerRequestFailed(ValueError):
    """The worker answered that the request itself was bad (e.g. no face in the photo)."""


def _write(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, missing = [], size
    while missing:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(missing, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def _read(fd: int, deadline: float | None = None):
    (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size, deadline))
    return pickle.loads(_read_exact(fd, size, deadline))


class FaceWorker:
    """The kiosk's handle on the worker process. Thread-safe: one request at a time."""

    def __init__(self, *, load_timeout_s: float = LOAD_TIMEOUT_S, call_timeout_s: float = CALL_TIMEOUT_S):
        self._load_timeout_s = load_timeout_s
        self._call_timeout_s = call_timeout_s
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self.starts = 0  # how many processes were started: a restart shows here

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process and self._process.poll() is None else None

    def prewarm(self) -> threading.Thread:
        """Start the worker and load the models in the background (after the kiosk is up)."""
        thread = threading.Thread(target=self._prewarm, name="face-worker-prewarm", daemon=True)
        thread.start()
        return thread

    def _prewarm(self) -> None:
        try:
            self.ensure_started()
        except WorkerUnavailable as exc:  # the first face check tries again (or the kiosk is stopping)
            log.warning("%s", exc)

    def ensure_started(self) -> None:
        with self._lock:
            self._start_locked()

    def analyse(self, image, limits, want_encoding: bool, jitters: int = 1):
        return self._call("analyse", image, limits, want_encoding, jitters)

    def reference_encoding(self, image, jitters: int = 1):
        return self._call("reference", image, jitters)

    def photo(self, image, limits=None):
        """The ID-photo checks of one frame (photo_checks.assess): a PhotoReport."""
        return self._call("photo", image, limits)

    def close(self) -> None:
        # Killed first, without the lock: a model load or a call under way (which holds it) ends
        # at once, so a stop never waits for the models to finish loading.
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()
        with self._lock:
            self._stop_locked()

    # ---- inside ----------------------------------------------------------------------------
    def _call(self, op: str, *args) -> Any:
        """Send one request; if the worker is found dead, start a new one and send it once more."""
        with self._lock:
            for attempt in (1, 2):
                self._start_locked()
                try:
                    _write(self._process.stdin, (op, args))
                    status, value = _read(self._process.stdout.fileno(), time.monotonic() + self._call_timeout_s)
                except (BrokenPipeError, EOFError, OSError) as exc:
                    self._stop_locked()
                    if attempt == 2:
                        raise WorkerUnavailable(f"face worker died twice in a row ({type(exc).__name__})") from None
                    continue
                except TimeoutError:
                    self._stop_locked()
                    raise WorkerUnavailable(f"face worker did not answer within {self._call_timeout_s:.0f} s") from None
                if status == "ok":
                    return value
                if status == "bad_request":
                    raise WorkerRequestFailed(value)
                raise WorkerUnavailable(f"face worker failed: {value}")

    def _start_locked(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        self._stop_locked()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "kiosk.identity.worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL if _quiet() else None,
            close_fds=True,
        )
        self.starts += 1
        try:
            status, _ = _read(self._process.stdout.fileno(), time.monotonic() + self._load_timeout_s)
        except (EOFError, OSError, TimeoutError):
            self._stop_locked()
            raise WorkerUnavailable("face worker could not load the face models") from None
        if status != "ready":
            self._stop_locked()
            raise WorkerUnavailable(f"face worker said {status!r} instead of ready")

    def _stop_locked(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        for stream in (process.stdin, process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def _quiet() -> bool:
    # The worker prints nothing in normal use; its stderr is kept for a technician's debugging.
    return os.environ.get("KIOSK_FACE_WORKER_STDERR", "") == ""


def serve(stdin, stdout) -> None:
    """The worker's loop: one request, one answer, nothing kept."""
    from kiosk.identity import analysis, face, photo_checks

    face.load_models()
    _write(stdout, ("ready", os.getpid()))
    fd = stdin.fileno()
    while True:
        try:
            op, args = _read(fd)
        except EOFError:
            return
        try:
            if op == "analyse":
                answer = ("ok", analysis.analyse(*args))
            elif op == "reference":
                answer = ("ok", analysis.reference_encoding(*args))
            elif op == "photo":
                answer = ("ok", photo_checks.assess(args[0], args[1] or photo_checks.PhotoLimits()))
            else:
                answer = ("bad_request", f"unknown request {op!r}")
        except analysis.NoFaceInPhoto as exc:
            answer = ("bad_request", str(exc))
        except Exception as exc:  # noqa: BLE001 - any failure is reported, the loop goes on
            answer = ("error", f"{type(exc).__name__}: {exc}")
        del args
        _write(stdout, answer)


if __name__ == "__main__":
    # Our stdout is the channel: anything a library prints must not land in it.
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin.buffer, channel)
