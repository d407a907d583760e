"""Motion JPEG over HTTP, the way IP cameras stream it: one `multipart/x-mixed-replace` response
whose parts are JPEG images. Pure: bytes in, bytes or events out, no sockets.

The emulator builds its answers here; tests (and tools) read a stream back with
`MultipartReader`, which resynchronises on the next boundary after anything broken. The OpenCV
backend does not use this reader: FFmpeg's own `mpjpeg` demuxer reads the stream.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from drivers.base import ProtocolError

BOUNDARY = "kioskframe"
MAX_HEAD = 8192  # request head or part headers longer than this are not HTTP we speak
MAX_PART = 16 * 1024 * 1024
_LENGTH = re.compile(rb"^content-length:\s*(\d{1,9})\s*$", re.IGNORECASE | re.MULTILINE)


# --- server side ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    path: str


class RequestReader:
    """Collects an HTTP request head; `feed` returns the Request once the head is complete."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> Request | None:
        self._buffer += data
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEAD:
                raise ProtocolError("HTTP request head too long")
            return None
        line = bytes(self._buffer[:self._buffer.find(b"\r\n")])
        parts = line.split(b" ")
        if len(parts) != 3 or not parts[2].startswith(b"HTTP/1.") or not parts[1].startswith(b"/"):
            raise ProtocolError(f"not an HTTP request line: {line[:80]!r}")
        try:
            method, target = parts[0].decode("ascii"), parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise ProtocolError("HTTP request line is not ASCII") from None
        return Request(method, target.split("?", 1)[0])


def stream_head(boundary: str = BOUNDARY) -> bytes:
    return (
        "HTTP/1.0 200 OK\r\n"
        "Server: kiosk-camera-emulator\r\n"
        "Cache-Control: no-cache, no-store\r\n"
        "Connection: close\r\n"
        f"Content-Type: multipart/x-mixed-replace; boundary={boundary}\r\n\r\n"
    ).encode("ascii")


def stream_part(jpeg: bytes, boundary: str = BOUNDARY) -> bytes:
    head = f"--{boundary}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
    return head.encode("ascii") + jpeg + b"\r\n"


def single_image(jpeg: bytes) -> bytes:
    """A whole response holding one JPEG (IP cameras' `snapshot.jpg`)."""
    head = f"HTTP/1.0 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\nConnection: close\r\n\r\n"
    return head.encode("ascii") + jpeg


def error_response(code: int, reason: str) -> bytes:
    body = f"{code} {reason}\n".encode("ascii")
    head = f"HTTP/1.0 {code} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode("ascii") + body


# --- client side ------------------------------------------------------------------------------


class MultipartReader:
    """Incremental reader of a multipart stream's parts (the HTTP response head, if fed, is
    skipped like any other bytes before the first boundary). Never raises: a part with broken
    headers is dropped and reading resumes at the next boundary; `skipped` counts such parts."""

    def __init__(self, boundary: str = BOUNDARY) -> None:
        self._marker = b"--" + boundary.encode("ascii")
        self._buffer = bytearray()
        self.skipped = 0

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        parts: list[bytes] = []
        while True:
            start = self._buffer.find(self._marker)
            if start < 0:
                # keep a tail that may be the start of a marker cut in two
                del self._buffer[:max(0, len(self._buffer) - len(self._marker))]
                return parts
            del self._buffer[:start]
            head_end = self._buffer.find(b"\r\n\r\n")
            if head_end < 0:
                if len(self._buffer) > MAX_HEAD:
                    self._resync()
                    continue
                return parts
            head = bytes(self._buffer[:head_end])
            found = _LENGTH.search(head)
            if found is None or self._marker in head[len(self._marker):]:
                self._resync()
                continue
            length = int(found.group(1))
            if length > MAX_PART:
                self._resync()
                continue
            body_start = head_end + 4
            if len(self._buffer) < body_start + length:
                return parts
            parts.append(bytes(self._buffer[body_start:body_start + length]))
            del self._buffer[:body_start + length]

    def _resync(self) -> None:
        """Drop the broken part's marker; reading goes on at the next one."""
        self.skipped += 1
        del self._buffer[:len(self._marker)]
