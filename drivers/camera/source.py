"""What an `opencv…://` URL asks for: which source, and how to capture it. Pure, no I/O.

    opencv://0                                   camera by index
    opencv:///dev/video0                         V4L2 device path
    opencv:///srv/cam/citizen.avi?loop=1&pace=1  video file (rewound at the end, played at its fps)
    opencv:///srv/cam/seq/frame_%03d.png         image sequence (printf pattern)
    opencv+rtsp://10.0.0.9:554/stream            network stream (RTSP, HTTP MJPEG, HTTPS)
    opencv+http://127.0.0.1:8081/stream.mjpg

Options: width, height, fps (asked of the camera; for files, the pace), loop=1, pace=1,
timeout (seconds to open, and without a frame before the source counts as lost).

The path is taken literally, not percent-decoded: image sequences are printf patterns
(`frame_%03d.png`) and `%03` must not turn into a byte. For network streams, query parameters
that are not ours stay in the stream URL (cameras use them: `?channel=1`); for local sources an
unknown option is an error, so a typo does not go unnoticed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

STREAM_SCHEMES = {"opencv+rtsp": "rtsp", "opencv+http": "http", "opencv+https": "https"}
SCHEMES = ("opencv", *STREAM_SCHEMES)
OPTIONS = ("width", "height", "fps", "loop", "pace", "timeout")
DEFAULT_TIMEOUT = 3.0
_SEQUENCE = re.compile(r"%0?\d*d")
_FLAGS = {"0": False, "1": True, "false": False, "true": True, "no": False, "yes": True}


@dataclass(frozen=True)
class CameraSource:
    kind: str  # "index", "v4l2", "file", "sequence", "stream"
    target: str  # what cv2.VideoCapture opens: "0", "/dev/video0", a path, "rtsp://…"
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    loop: bool = False
    pace: bool = False
    timeout: float = DEFAULT_TIMEOUT
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def live(self) -> bool:
        """A real camera or stream, as opposed to media played back."""
        return self.kind in ("index", "v4l2", "stream")

    @property
    def index(self) -> int:
        return int(self.target)

    def describe(self) -> str:
        """Where frames come from, without credentials a stream URL may carry."""
        if self.kind == "stream":
            return re.sub(r"//[^/@]*@", "//", self.target)
        return self.target if self.kind != "index" else f"camera {self.target}"


def parse_camera_url(url: str) -> CameraSource:
    """Parse an `opencv…://` URL; ValueError with a one-line reason if it is not one."""
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in SCHEMES:
        raise ValueError(f"not a camera URL (want {', '.join(s + '://' for s in SCHEMES)}): {url!r}")
    location, _, query = rest.partition("?")
    pairs = parse_qsl(query, keep_blank_values=True)
    ours = {k: v for k, v in pairs if k in OPTIONS}
    theirs = [(k, v) for k, v in pairs if k not in OPTIONS]
    options = _options(ours, url)
    if scheme in STREAM_SCHEMES:
        host = location.split("/", 1)[0].rsplit("@", 1)[-1]
        if not host or host.startswith(":"):
            raise ValueError(f"no host in camera URL {url!r}")
        target = f"{STREAM_SCHEMES[scheme]}://{location}"
        if theirs:
            target += "?" + urlencode(theirs)
        return CameraSource("stream", target, extra=dict(theirs), **options)
    if theirs:
        names = ", ".join(sorted({k for k, _ in theirs}))
        raise ValueError(f"unknown camera option {names} in {url!r} (known: {', '.join(OPTIONS)})")
    if location and not location.startswith("/"):
        if not location.isdigit() or len(location) > 3:
            raise ValueError(f"camera index must be a number, or give a path (opencv:///…): {url!r}")
        return CameraSource("index", str(int(location)), **options)
    if not location or location == "/":
        raise ValueError(f"no camera in URL {url!r}")
    if location.startswith("/dev/"):
        return CameraSource("v4l2", location, **options)
    if _SEQUENCE.search(location.rsplit("/", 1)[-1]):
        return CameraSource("sequence", location, **options)
    return CameraSource("file", location, **options)


def _options(raw: dict[str, str], url: str) -> dict:
    def number(name: str, cast, low: float, high: float):
        if name not in raw:
            return None
        try:
            value = cast(raw[name])
        except ValueError:
            raise ValueError(f"bad value for camera option {name!r} in {url!r}: {raw[name]!r}") from None
        if not low <= value <= high:  # also refuses nan
            raise ValueError(f"camera option {name!r} must be {low:g}–{high:g} in {url!r}")
        return value

    def flag(name: str) -> bool:
        value = raw.get(name, "0").lower()
        if value not in _FLAGS:
            raise ValueError(f"camera option {name!r} must be 0 or 1 in {url!r}")
        return _FLAGS[value]

    timeout = number("timeout", float, 0.1, 60.0)
    return {
        "width": number("width", int, 1, 16384),
        "height": number("height", int, 1, 16384),
        "fps": number("fps", float, 0.1, 1000.0),
        "loop": flag("loop"),
        "pace": flag("pace"),
        "timeout": DEFAULT_TIMEOUT if timeout is None else timeout,
    }
