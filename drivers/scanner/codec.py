"""What a barcode/QR scanner in serial mode sends, without I/O.

Honeywell, Newland, Zebra and Datalogic scanners in USB-CDC or RS-232 mode send each decoded
code as its characters, optionally wrapped in a configured prefix and suffix, then a terminator
(CR by default; LF or CR LF configurable). `CodeParser` is fed bytes as they arrive and returns
events: `Code` for a good code, `Rejected` for a frame that is not one (line noise, an over-long
line, a missing prefix). A rejected frame never takes the next good one with it: parsing starts
again after the next terminator.

Decisions:
- Text is UTF-8, else GB18030 (a superset of GBK, which Chinese QR generators and scanners set
  to "GBK output" emit). No latin-1 fallback: it decodes any bytes, so noise would pass as a
  code; a frame that is neither is rejected and the citizen scans again.
- Control bytes other than tab (and DEL) mean noise; the whole frame is rejected. GS1 codes'
  group separator (0x1D) is refused too: receipts carry plain text.
- A scanner set to CR LF while we expect CR (or the reverse) still works: in `cr` mode a LF right
  after the terminator is dropped, in `lf` mode a CR right before it. `crlf` is strict.
- Empty lines are ignored. A line longer than `max_length` bytes is rejected once, as soon as
  it is known to be too long, and dropped up to its terminator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from drivers.base import ProtocolError

TERMINATORS: dict[str, bytes] = {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n"}
MAX_LENGTH = 4096  # bytes between two terminators, prefix and suffix included
DEFAULT_ENCODINGS = ("utf-8", "gb18030")
_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")


@dataclass(frozen=True)
class Code:
    """One decoded code, prefix and suffix removed."""

    text: str

    def __repr__(self) -> str:  # a code may be a receipt number: its length only
        return f"Code(<{len(self.text)} characters>)"


@dataclass(frozen=True)
class Rejected:
    """A frame that is not a code; `reason` is one line without the frame's content."""

    reason: str

    def error(self) -> ProtocolError:
        return ProtocolError(f"unreadable scan: {self.reason}")


Event = Code | Rejected


def terminator_bytes(name: str) -> bytes:
    try:
        return TERMINATORS[name]
    except KeyError:
        raise ValueError(f"terminator must be one of {', '.join(TERMINATORS)}, not {name!r}") from None


def encode(code: str, terminator: str = "cr", *, prefix: bytes = b"", suffix: bytes = b"",
           encoding: str = "utf-8") -> bytes:
    """The bytes a scanner sends for `code` (what the emulator puts on the line)."""
    if not code:
        raise ValueError("a code cannot be empty")
    body = code.encode(encoding)
    if _CONTROL.search(body):
        raise ValueError("a code cannot hold control characters other than tab")
    return prefix + body + suffix + terminator_bytes(terminator)


class CodeParser:
    """Incremental: `feed(bytes) -> [Code | Rejected]`; the same events however bytes are split."""

    def __init__(self, terminator: str = "cr", *, prefix: bytes = b"", suffix: bytes = b"",
                 max_length: int = MAX_LENGTH, encodings: tuple[str, ...] = DEFAULT_ENCODINGS):
        if max_length < 1:
            raise ValueError("max_length must be positive")
        if not encodings:
            raise ValueError("at least one encoding is needed")
        for name in encodings:
            "".encode(name)  # LookupError for an unknown one, now rather than at the first scan
        self.terminator = terminator
        self._term = terminator_bytes(terminator)
        self.prefix = bytes(prefix)
        self.suffix = bytes(suffix)
        self.max_length = max_length
        self.encodings = tuple(encodings)
        self._buf = bytearray()
        self._skipping = False  # inside an over-long line: dropped up to its terminator
        self._after_cr = False  # `cr` mode: the last frame ended; a LF now is the scanner's CR LF

    def feed(self, data: bytes) -> list[Event]:
        events: list[Event] = []
        self._buf += data
        while True:
            if self._after_cr and self._buf:
                if self._buf[0] == 0x0A:
                    del self._buf[0]
                self._after_cr = False
            end = self._buf.find(self._term)
            if end < 0:
                break
            frame = bytes(self._buf[:end])
            del self._buf[:end + len(self._term)]
            self._after_cr = self.terminator == "cr"
            if self._skipping:
                self._skipping = False  # the end of the over-long line already rejected
                continue
            event = self._frame(frame)
            if event is not None:
                events.append(event)
        if not self._skipping and self._held() > self.max_length:
            events.append(Rejected(f"longer than {self.max_length} bytes without a terminator"))
            self._skipping = True
        if self._skipping:
            self._keep_terminator_start()
        return events

    def pending(self) -> int:
        """Bytes held of a line whose terminator has not come yet."""
        return len(self._buf)

    def clear(self) -> None:
        """Forget everything, as on a freshly opened port."""
        self._buf.clear()
        self._skipping = self._after_cr = False

    def drop_partial(self) -> bool:
        """Drop the line being received up to its terminator (it began before the caller wanted
        codes); True if there was one. Complete codes already returned are the caller's."""
        if not self._buf or self._skipping:
            return self._skipping
        self._skipping = True
        self._keep_terminator_start()
        return True

    # --- internals -------------------------------------------------------------------------

    def _held(self) -> int:
        """Length of the line so far, without a CR that may be the start of its terminator."""
        held = len(self._buf)
        if self.terminator in ("lf", "crlf") and self._buf.endswith(b"\r"):
            held -= 1
        return held

    def _keep_terminator_start(self) -> None:
        tail = self._buf[-1:] if len(self._term) == 2 and self._buf.endswith(b"\r") else b""
        self._buf = bytearray(tail)

    def _frame(self, frame: bytes) -> Event | None:
        if self.terminator == "lf" and frame.endswith(b"\r"):
            frame = frame[:-1]
        if not frame:
            return None
        if len(frame) > self.max_length:
            return Rejected(f"longer than {self.max_length} bytes without a terminator")
        if not frame.startswith(self.prefix):
            return Rejected("the configured prefix is missing")
        body = frame[len(self.prefix):]
        if not body.endswith(self.suffix):
            return Rejected("the configured suffix is missing")
        body = body[:len(body) - len(self.suffix)]
        if not body:
            return Rejected("nothing between prefix and suffix")
        if _CONTROL.search(body):
            return Rejected(f"{len(frame)} bytes with control characters (line noise?)")
        for name in self.encodings:
            try:
                text = body.decode(name)
            except UnicodeDecodeError:
                continue
            text = text.removeprefix("\ufeff")  # some scanners put a BOM before UTF-8 QR text
            return Code(text) if text else Rejected("nothing between prefix and suffix")
        return Rejected(f"{len(frame)} bytes that are not text in {' or '.join(self.encodings)}")
