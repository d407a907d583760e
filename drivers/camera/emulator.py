"""A network camera on 127.0.0.1 streaming Motion JPEG over HTTP, like an IP camera.

`GET /stream.mjpg` answers a `multipart/x-mixed-replace` stream of JPEG frames at the camera's
rate; `GET /snapshot.jpg` one frame. It plays a citizen made from a bundled face (or any face
image) standing in front of the kiosk, or any frames it is given. The real OpenCV backend opens
it as `opencv+http://127.0.0.1:PORT/stream.mjpg` (`emulator.url`).

Control (drivers/emulation/control.py):

    {"op": "status"}  {"op": "clear_fault"}
    {"op": "fault", "kind": KIND, "after_frames": 5}   (after_frames: for drop_connection)
    {"op": "load_face", "face": "astronaut" | "grace-hopper" | "/path/to/photo.jpg"}
    {"op": "play", "path": "/dir/of/images" | "/path/video.avi", "fps": 15}
and from Python: `emulator.play(frames, fps=None)` with a list of BGR frames.

Fault kinds:
    unplugged         the camera is gone: connections are closed and new ones refused
    drop_connection   each stream is cut after `after_frames` frames
    freeze            the same frame forever (a hung camera keeps its stream open)
    black             dark frames (lens covered, lamp off)
    no_face           the scene with nobody in it
    corrupt_frames    every third part is broken (not JPEG); the stream framing stays intact
    slow              2 frames a second
    no_answer         connections are accepted and the request read, then nothing is sent
                      (streams already running stop sending but stay connected)
"""

from __future__ import annotations

import contextlib
import functools
import logging
import socket
import threading
import time
from typing import Any

import cv2
import numpy as np

from drivers.base import ProtocolError
from drivers.camera import mjpeg
from drivers.emulation import face_video
from drivers.emulation.control import ControlError

log = logging.getLogger(__name__)

FAULTS = ("unplugged", "drop_connection", "freeze", "black", "no_face", "corrupt_frames", "slow", "no_answer")
STREAM_PATH = "/stream.mjpg"
SNAPSHOT_PATH = "/snapshot.jpg"
SLOW_FPS = 2.0
DEFAULT_AFTER_FRAMES = 5
CORRUPT_EVERY = 3
JPEG_QUALITY = 85
_POLL = 0.2  # how often blocked threads look at the stop flag and the fault
_REQUEST_TIMEOUT = 5.0
_SEND_TIMEOUT = 5.0  # a client that takes no frame for this long is gone (stop() hangs up at once)


class CameraEmulator:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, face: str = "astronaut",
                 fps: float = face_video.DEFAULT_FPS, fault: str | None = None):
        self._host, self._port = host, port
        self._lock = threading.Lock()
        self._fault: str | None = None
        self._after_frames = DEFAULT_AFTER_FRAMES
        self._counters = {"connections": 0, "frames_sent": 0, "corrupt_sent": 0}
        self._stop = threading.Event()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._connections: set[socket.socket] = set()
        self._playing = ""
        self._fps = fps
        self._jpegs: list[bytes] = []
        self.load_face(face)
        self._dark, self._empty = _fault_scenes()
        if fault:
            self.set_fault(fault)

    # --- lifecycle ---

    @property
    def address(self) -> tuple[str, int]:
        return self._host, self._port

    @property
    def url(self) -> str:
        """The device URL the kiosk opens."""
        host, port = self.address
        return f"opencv+http://{host}:{port}{STREAM_PATH}"

    def start(self) -> CameraEmulator:
        self._stop.clear()
        if not self._fault_is("unplugged"):
            self._listen()
        self._spawn(self._accept_loop, "camera-emulator")
        return self

    def stop(self) -> None:
        self._stop.set()
        self._hang_up()
        for thread in list(self._threads):
            thread.join(timeout=5)
        self._threads.clear()
        with self._lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()

    def __enter__(self) -> CameraEmulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- what it shows ---

    def load_face(self, face: str) -> None:
        """A citizen with this face in front of the kiosk (a bundled name or an image path)."""
        try:
            if face in face_video.BUNDLED_FACES:
                jpegs = list(_bundled_citizen(face, self._fps))
            else:
                jpegs = _encode(face_video.citizen_frames(face, fps=self._fps))
        except ValueError as exc:
            raise ControlError(str(exc)) from None
        with self._lock:
            self._jpegs, self._playing = jpegs, f"face:{face}"

    def play(self, frames: list[np.ndarray], fps: float | None = None, *, label: str = "frames") -> None:
        """Stream these BGR frames, over and over, from the next frame of every client on."""
        jpegs = _encode(frames)
        if not jpegs:
            raise ControlError("no frames to play")
        if fps is not None and not 0.1 <= fps <= 120:
            raise ControlError("fps must be 0.1–120")
        with self._lock:
            self._jpegs, self._playing = jpegs, label
            if fps is not None:
                self._fps = fps

    def set_fault(self, kind: str | None, after_frames: int = DEFAULT_AFTER_FRAMES) -> None:
        if kind is not None and kind not in FAULTS:
            raise ControlError(f"unknown fault {kind!r} (known: {', '.join(FAULTS)})")
        with self._lock:
            was_unplugged = self._fault == "unplugged"
            self._fault, self._after_frames = kind, after_frames
        if kind == "unplugged" and not was_unplugged:
            self._unplug()
        elif was_unplugged and kind != "unplugged" and not self._stop.is_set():
            self._listen()  # plugged back in, same address

    def handle_control(self, command: dict[str, Any]) -> dict[str, Any]:
        op = command.get("op")
        if op == "status":
            with self._lock:
                return {"fault": self._fault, "playing": self._playing, "frames": len(self._jpegs),
                        "fps": self._fps, "clients": len(self._connections), **self._counters}
        if op == "fault":
            after = command.get("after_frames", DEFAULT_AFTER_FRAMES)
            if not isinstance(after, int) or after < 0:
                raise ControlError("after_frames must be a non-negative integer")
            self.set_fault(command.get("kind"), after)
            return {"fault": command.get("kind")}
        if op == "clear_fault":
            self.set_fault(None)
            return {"fault": None}
        if op == "load_face":
            face = command.get("face")
            if not isinstance(face, str) or not face:
                raise ControlError("load_face needs a face: a bundled name or an image path")
            self.load_face(face)
            return {"playing": f"face:{face}"}
        if op == "play":
            path, fps = command.get("path"), command.get("fps")
            if not isinstance(path, str) or not path:
                raise ControlError("play needs a path: a directory of images or a video file")
            if fps is not None and not isinstance(fps, (int, float)):
                raise ControlError("fps must be a number")
            try:
                frames = face_video.read_frames(path)
            except (ValueError, OSError) as exc:
                raise ControlError(str(exc)) from None
            self.play(frames, fps, label=f"path:{path}")
            return {"playing": f"path:{path}", "frames": len(frames)}
        raise ControlError(f"unknown op {op!r} (known: status, fault, clear_fault, load_face, play)")

    # --- serving ---

    def _listen(self) -> None:
        listener = socket.create_server((self._host, self._port))
        listener.settimeout(_POLL)
        with self._lock:
            self._listener = listener
            self._host, self._port = listener.getsockname()[:2]

    def _unplug(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # stop listening now, even mid-accept()
            listener.close()
        self._hang_up()

    def _hang_up(self) -> None:
        with self._lock:
            for conn in self._connections:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)  # its handler thread closes it

    def _spawn(self, target, name: str, *args) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                listener = self._listener
            if listener is None:  # unplugged
                self._stop.wait(_POLL)
                continue
            try:
                conn, _peer = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                continue  # closed by unplug; the loop picks up the new listener
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._connections.add(conn)
                self._counters["connections"] += 1
            self._spawn(self._serve, "camera-emulator-client", conn)

    def _serve(self, conn: socket.socket) -> None:
        try:
            request = self._read_request(conn)
            if request is None:
                return
            if self._fault_is("no_answer"):
                while self._fault_is("no_answer") and not self._stop.wait(_POLL):
                    pass
                return
            if request.method != "GET":
                conn.sendall(mjpeg.error_response(405, "Method Not Allowed"))
            elif request.path == STREAM_PATH:
                self._stream(conn)
            elif request.path == SNAPSHOT_PATH:
                conn.sendall(mjpeg.single_image(self._next_jpeg(0, b"")))
            else:
                conn.sendall(mjpeg.error_response(404, "Not Found"))
        except OSError:
            pass  # the client went away, or we hung up on it
        except Exception:  # a bug here must not take the emulator down with it
            log.exception("camera emulator connection failed")
        finally:
            with self._lock:
                self._connections.discard(conn)
            conn.close()

    def _read_request(self, conn: socket.socket) -> mjpeg.Request | None:
        reader = mjpeg.RequestReader()
        conn.settimeout(_POLL)
        deadline = time.monotonic() + _REQUEST_TIMEOUT
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                data = conn.recv(4096)
            except TimeoutError:
                continue
            if not data:
                return None
            try:
                request = reader.feed(data)
            except ProtocolError:
                conn.sendall(mjpeg.error_response(400, "Bad Request"))
                return None
            if request is not None:
                return request
        return None

    def _stream(self, conn: socket.socket) -> None:
        conn.settimeout(_SEND_TIMEOUT)
        conn.sendall(mjpeg.stream_head())
        sent, last = 0, b""
        due = time.monotonic()
        while not self._stop.is_set():
            with self._lock:
                fault, after, fps = self._fault, self._after_frames, self._fps
            if fault == "unplugged" or (fault == "drop_connection" and sent >= after):
                return  # hang up mid-stream
            if fault == "no_answer":  # the connection stays, the frames stop
                self._stop.wait(_POLL)
                due = time.monotonic()
                continue
            if fault == "corrupt_frames" and sent % CORRUPT_EVERY == CORRUPT_EVERY - 1:
                jpeg = _broken(len(last) or 4096, sent)
                with self._lock:
                    self._counters["corrupt_sent"] += 1
            else:
                jpeg = last = self._next_jpeg(sent, last)
            conn.sendall(mjpeg.stream_part(jpeg))
            sent += 1
            with self._lock:
                self._counters["frames_sent"] += 1
            due = max(due + 1.0 / (SLOW_FPS if fault == "slow" else fps), time.monotonic() - 1.0)
            self._stop.wait(max(0.0, due - time.monotonic()))

    def _next_jpeg(self, sent: int, last: bytes) -> bytes:
        with self._lock:
            fault, jpegs = self._fault, self._jpegs
        if fault == "freeze" and last:
            return last
        if fault == "black":
            jpegs = self._dark
        elif fault == "no_face":
            jpegs = self._empty
        return jpegs[sent % len(jpegs)]

    def _fault_is(self, kind: str) -> bool:
        with self._lock:
            return self._fault == kind


def _encode(frames) -> list[bytes]:
    jpegs = []
    for frame in frames:
        ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not ok:
            raise ControlError("cannot encode a frame as JPEG")
        jpegs.append(data.tobytes())
    return jpegs


@functools.lru_cache(maxsize=4)
def _bundled_citizen(face: str, fps: float) -> tuple[bytes, ...]:
    """The bundled faces' scenes are public photos: made once per process, shared by emulators."""
    return tuple(_encode(face_video.citizen_frames(face, fps=fps)))


@functools.lru_cache(maxsize=1)
def _fault_scenes() -> tuple[list[bytes], list[bytes]]:
    """Dark frames and the empty scene, each with live noise so neither looks frozen."""
    dark = face_video.noisy_frames(np.zeros((480, 640, 3), np.uint8), 8, sigma=1.5)
    return _encode(dark), _encode(face_video.noisy_frames(face_video.empty_scene(), 8))


def _broken(length: int, seed: int) -> bytes:
    """Bytes where a JPEG should be: no decoder accepts them, the multipart framing is intact."""
    return np.random.default_rng(seed).integers(0, 256, length, dtype=np.uint8).tobytes().replace(b"\xff", b"\x00")
