"""The OpenCV camera backend: a device index, a V4L2 path, a network stream, a video file or an
image sequence (URL forms and options in drivers/camera/source.py).

One worker thread per open camera owns the `cv2.VideoCapture`: it reads at the source's rate,
keeps only the newest frame, wakes `read_frame` callers and calls subscribers. Nobody else
touches the capture, so closing while a read is blocked cannot crash: `close` sets a stop flag
and the worker releases the capture when its read returns (bounded by the read timeout).

A frame that fails to decode is counted and skipped. A live source that sends no frame for
`timeout` seconds is lost: the worker stops and `status()` says NO_DEVICE with the reason, so
the device monitor closes and reopens it when the source is back. A file that ends (without
`loop=1`) ends the same way.
"""

from __future__ import annotations

import collections
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

# OpenCV and FFmpeg write warnings to stderr (stream timeouts, refused connections); the camera
# reports those itself, once, in its status. Setting OPENCV_LOG_LEVEL yourself keeps yours.
_QUIET_OPENCV = "OPENCV_LOG_LEVEL" not in os.environ
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET, read when FFmpeg starts

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from drivers.base import DeviceError, DeviceState, DeviceStatus, DeviceTimeout, NotPresent  # noqa: E402
from drivers.camera.base import Camera, Frame  # noqa: E402
from drivers.camera.health import ImageWatch  # noqa: E402
from drivers.camera.source import CameraSource, parse_camera_url  # noqa: E402
from drivers.registry import DeviceUrl  # noqa: E402

log = logging.getLogger(__name__)
if _QUIET_OPENCV:
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)  # cv2 may be loaded already

PLAYBACK_FPS = 15.0  # pace for media that does not say its own rate (image sequences)
_RETRY_S = 0.02  # pause after a failed read, so a dead stream does not spin a core
_FPS_WINDOW = 30  # frames over which the delivered rate is measured …
_FPS_SPAN_S = 2.0  # … as long as they are this recent

_API = {"index": cv2.CAP_V4L2, "v4l2": cv2.CAP_V4L2, "file": cv2.CAP_FFMPEG,
        "sequence": cv2.CAP_IMAGES, "stream": cv2.CAP_FFMPEG}


class OpenCvCamera(Camera):
    def __init__(self, source: CameraSource):
        self.source = source
        self._open_lock = threading.Lock()  # one open/close at a time
        self._lock = threading.Lock()  # guards everything below; _new_frame waits on it
        self._new_frame = threading.Condition(self._lock)
        self._state = "closed"  # closed → running → lost (or closed again)
        self._reason = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._subscribers: list[Callable[[Frame], None]] = []
        self._reset_counters()

    @classmethod
    def from_url(cls, url: DeviceUrl) -> OpenCvCamera:
        return cls(parse_camera_url(url.raw))

    def _reset_counters(self) -> None:
        self._latest: Frame | None = None
        self._returned = -1  # index of the last frame read_frame handed out
        self._delivered = 0
        self._failed_reads = 0
        self._times: collections.deque[float] = collections.deque(maxlen=_FPS_WINDOW)
        self._watch = ImageWatch()
        self._nominal_fps = 0.0
        self._size = (0, 0)

    # --- Device ---------------------------------------------------------------------------------

    def open(self) -> None:
        """Open the source and start capturing; a no-op while running. NotPresent if it cannot
        be opened within `timeout`."""
        with self._open_lock:
            with self._lock:
                if self._state == "running":
                    return
            capture = self._open_capture()
            stop = threading.Event()
            with self._lock:
                self._reset_counters()
                self._nominal_fps = _sane_fps(capture.get(cv2.CAP_PROP_FPS))
                self._size = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
                self._state, self._reason, self._stop = "running", "", stop
                self._thread = threading.Thread(target=self._capture_loop, args=(capture, stop),
                                                name="camera-capture", daemon=True)
                self._thread.start()
            log.info("camera open: %s", self.source.describe())

    def close(self) -> None:
        with self._open_lock:
            with self._lock:
                thread, self._thread = self._thread, None
                self._stop.set()
                self._state, self._reason = "closed", ""
                self._latest = None  # the last picture of a citizen goes with the camera
                self._new_frame.notify_all()
            if thread is not None and thread is not threading.current_thread():
                # A blocked read returns within the read timeout; if it does not, the worker
                # releases the capture itself when it does, so close never hangs the kiosk.
                thread.join(timeout=self.source.timeout + 1.0)

    def status(self) -> DeviceStatus:
        try:
            with self._lock:
                never_opened = self._state == "closed"
            if never_opened:
                self.open()
            with self._new_frame:
                # Right after opening, give the first frame its chance to arrive.
                self._new_frame.wait_for(lambda: self._latest is not None or self._state != "running",
                                         self.source.timeout)
                return self._status_locked()
        except DeviceError as exc:
            return self._status_of(DeviceState.NO_DEVICE, exc.message, with_stats=False)
        except Exception as exc:  # status() never raises, whatever OpenCV does
            log.exception("camera status failed")
            return self._status_of(DeviceState.NO_DEVICE, f"{type(exc).__name__}: {exc}", with_stats=False)

    # --- Camera ---------------------------------------------------------------------------------

    def read_frame(self, timeout_s: float = 2.0) -> Frame:
        with self._lock:
            never_opened = self._state == "closed"
        if never_opened:
            self.open()
        with self._new_frame:
            self._new_frame.wait_for(lambda: self._fresh() or self._state != "running", timeout_s)
            if self._fresh():
                self._returned = self._latest.index
                return self._latest
            if self._state == "lost":
                raise NotPresent(self._reason)
            if self._state == "closed":
                raise NotPresent("camera closed")
        raise DeviceTimeout(f"no frame from {self.source.describe()} within {timeout_s:g} s")

    def subscribe(self, on_frame: Callable[[Frame], None]) -> Callable[[], None]:
        with self._lock:
            self._subscribers = [*self._subscribers, on_frame]

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = [s for s in self._subscribers if s is not on_frame]

        return unsubscribe

    # --- capture ---------------------------------------------------------------------------------

    def _open_capture(self) -> cv2.VideoCapture:
        source = self.source
        if source.kind == "file" and not Path(source.target).is_file():
            raise NotPresent(f"no video file {source.target}")
        if source.kind == "v4l2" and not os.path.exists(source.target):
            raise NotPresent(f"no camera at {source.target}")
        timeout_ms = int(source.timeout * 1000)
        params = []
        if _API[source.kind] == cv2.CAP_FFMPEG:
            params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, timeout_ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, timeout_ms]
        target = source.index if source.kind == "index" else source.target
        capture = cv2.VideoCapture(target, _API[source.kind], params)
        if not capture.isOpened():
            capture.release()
            raise NotPresent(f"cannot open {source.describe()}")
        if source.live:
            for prop, value in ((cv2.CAP_PROP_FRAME_WIDTH, source.width),
                                (cv2.CAP_PROP_FRAME_HEIGHT, source.height), (cv2.CAP_PROP_FPS, source.fps)):
                if value:
                    capture.set(prop, value)
        return capture

    def _capture_loop(self, capture: cv2.VideoCapture, stop: threading.Event) -> None:
        source = self.source
        period = 1.0 / (source.fps or self._nominal_fps or PLAYBACK_FPS) if source.pace else 0.0
        last_good = time.monotonic()
        due = last_good - period  # the first frame at once
        rewound = False
        try:
            while not stop.is_set():
                ok, image = capture.read()
                if stop.is_set():
                    break
                now = time.monotonic()
                if ok and image is not None and image.size:
                    last_good, rewound = now, False
                    if period:
                        due = max(due + period, now - period)  # a late frame does not cause a burst
                        if stop.wait(max(0.0, due - now)):
                            break
                    self._deliver(image, stop)
                    continue
                if not source.live:
                    if source.loop and not rewound and capture.set(cv2.CAP_PROP_POS_FRAMES, 0):
                        rewound = True  # a second failure right after rewinding ends it
                        continue
                    self._lose(stop, "end of video" if self._delivered else f"no frame in {source.describe()}")
                    break
                with self._lock:
                    self._failed_reads += 1
                if now - last_good >= source.timeout:
                    self._lose(stop, f"no frame from {source.describe()} for {source.timeout:g} s")
                    break
                stop.wait(_RETRY_S)
        except Exception as exc:  # an OpenCV error must not leave the camera "running"
            log.exception("camera capture failed")
            self._lose(stop, f"capture failed: {exc}")
        finally:
            capture.release()

    def _deliver(self, image: np.ndarray, stop: threading.Event) -> None:
        source = self.source
        if source.width and source.height and image.shape[1::-1] != (source.width, source.height):
            image = cv2.resize(image, (source.width, source.height), interpolation=cv2.INTER_AREA)
        now = time.monotonic()
        with self._lock:
            if stop.is_set():
                return
            frame = Frame(image, self._delivered, now)
            self._latest = frame
            self._delivered += 1
            self._times.append(now)
            self._watch.update(image, now)
            subscribers = self._subscribers
            self._new_frame.notify_all()
        for on_frame in subscribers:
            try:
                on_frame(frame)
            except Exception:  # a broken consumer must not stop the camera for the others
                log.exception("camera subscriber failed")

    def _lose(self, stop: threading.Event, reason: str) -> None:
        with self._lock:
            if stop.is_set():
                return  # closed meanwhile: nothing was lost
            stop.set()
            self._state, self._reason = "lost", reason
            self._latest = None
            self._new_frame.notify_all()
        log.info("camera lost: %s", reason)  # status() reports it; the CLI must stay one line

    # --- status ----------------------------------------------------------------------------------

    def _fresh(self) -> bool:
        return self._latest is not None and self._latest.index > self._returned

    def _status_locked(self) -> DeviceStatus:
        if self._state == "lost":
            return self._status_of(DeviceState.NO_DEVICE, self._reason)
        if self._state == "closed":
            return self._status_of(DeviceState.NO_DEVICE, "camera closed")
        if not self._times:
            return self._status_of(DeviceState.OFFLINE, f"no frame from {self.source.describe()} yet")
        age = time.monotonic() - self._times[-1]
        if age >= self.source.timeout:
            return self._status_of(DeviceState.OFFLINE, f"no frame for {age:.1f} s")
        image = self._watch.verdict(live=self.source.live)
        if image == "frozen":
            return self._status_of(DeviceState.HARDWARE_ERROR, "图像冻结 / image frozen")
        if image == "dark":
            return self._status_of(DeviceState.HARDWARE_ERROR, "图像全黑 / image dark (lens covered?)")
        return self._status_of(DeviceState.ONLINE, "")

    def _status_of(self, state: DeviceState, message: str, *, with_stats: bool = True) -> DeviceStatus:
        """Call with the lock held, unless `with_stats` is false."""
        detail = {"source": self.source.describe(), "kind": self.source.kind}
        if with_stats and (self._delivered or self._size[0]):
            height, width = self._latest.image.shape[:2] if self._latest is not None else self._size[::-1]
            detail.update({
                "width": width,
                "height": height,
                "fps": round(self._measured_fps(), 1),
                "frames": self._delivered,
                "failed_reads": self._failed_reads,
                "image": self._watch.verdict(live=self.source.live),
                "mean_level": round(self._watch.mean_level, 1),
            })
            if self.source.kind != "stream":  # FFmpeg says 25 for any MJPEG stream
                detail["nominal_fps"] = round(self._nominal_fps, 1)
        return DeviceStatus(self.device_class, state, message, detail)

    def _measured_fps(self) -> float:
        """Frames a second over the last few seconds (at most the last _FPS_WINDOW frames)."""
        recent = [t for t in self._times if t >= self._times[-1] - _FPS_SPAN_S] if self._times else []
        if len(recent) < 2:
            return 0.0
        return (len(recent) - 1) / (recent[-1] - recent[0]) if recent[-1] > recent[0] else 0.0


def _sane_fps(value: float) -> float:
    """CAP_PROP_FPS is 0, nan or nonsense for some sources; such a value means unknown."""
    return value if 0.1 <= value <= 1000 else 0.0
