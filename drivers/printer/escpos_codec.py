"""ESC/POS without I/O: status bytes, Chinese text encoding, and a stream decoder.

Shared by the driver (status requests, text encoding) and the emulator (status answers,
decoding what a host sends). Nothing here touches a socket.

Status: `DLE EOT n` asks for one status byte. Every valid byte matches `0xx1xx10` (bits 1 and 4
set, bits 0 and 7 clear); n=1 printer, n=2 offline cause, n=3 error cause, n=4 paper sensor.

Chinese: printers take GB18030 in Chinese mode, entered with `FS &` and left with `FS .`.
python-escpos writes hanzi without entering that mode, so text is encoded here instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from drivers.base import ProtocolError

DLE, EOT, ESC, FS, GS = 0x10, 0x04, 0x1B, 0x1C, 0x1D
CHINESE_ON = b"\x1c&"
CHINESE_OFF = b"\x1c."

STATUS_REQUESTS: dict[int, bytes] = {n: bytes((DLE, EOT, n)) for n in (1, 2, 4)}
# GS I n, "transmit printer ID": n 65-68 ask the printer's own texts, each answered as
# "_" + text + NUL (Epson's ESC/POS reference; many compatible printers answer it, some not).
PRINTER_INFO: dict[str, int] = {"firmware": 65, "maker": 66, "model": 67, "serial": 68}
INFO_HEADER, INFO_END = 0x5F, 0x00
MAX_INFO_BYTES = 80


def printer_info_request(n: int) -> bytes:
    return bytes((GS, ord("I"), n))


def parse_printer_info(answer: bytes) -> str | None:
    """The text of a GS I 65-68 answer, or None for anything else (no answer, a status byte)."""
    if len(answer) < 2 or answer[0] != INFO_HEADER or answer[-1] != INFO_END:
        return None
    text = answer[1:-1].decode("ascii", errors="replace").strip()
    return text or None

_FIXED_MASK, _FIXED_VALUE = 0x93, 0x12  # the 0xx1xx10 pattern
_STATUS_BITS: dict[int, dict[str, int]] = {
    1: {"drawer_pin3_high": 0x04, "offline": 0x08, "waiting_online_recovery": 0x20, "feed_button_pressed": 0x40},
    2: {"cover_open": 0x04, "feeding_by_button": 0x08, "stopped_by_paper_end": 0x20, "error": 0x40},
    3: {"autocutter_error": 0x08, "unrecoverable_error": 0x20, "auto_recoverable_error": 0x40},
    4: {"paper_near_end": 0x0C, "paper_end": 0x60},
}

PaperState = Literal["ok", "near_end", "out"]


def parse_status(n: int, byte: int) -> dict[str, bool]:
    """Decode the answer to `DLE EOT n` into named flags; a byte off the fixed pattern is garbage."""
    bits = _STATUS_BITS.get(n)
    if bits is None:
        raise ValueError(f"DLE EOT {n} is not a status request this codec knows (1-4)")
    if not 0 <= byte <= 0xFF or byte & _FIXED_MASK != _FIXED_VALUE:
        raise ProtocolError(f"invalid status byte 0x{byte:02X} for DLE EOT {n} (expected pattern 0xx1xx10)")
    return {name: bool(byte & mask) for name, mask in bits.items()}


@dataclass(frozen=True)
class PrinterCondition:
    """What the answers to DLE EOT 1, 2 and 4 say together."""

    online: bool = True
    cover_open: bool = False
    paper: PaperState = "ok"
    error: bool = False

    @classmethod
    def from_status(cls, printer: int, offline_cause: int, paper_sensor: int) -> PrinterCondition:
        s1, s2, s4 = parse_status(1, printer), parse_status(2, offline_cause), parse_status(4, paper_sensor)
        if s4["paper_end"] or s2["stopped_by_paper_end"]:
            paper: PaperState = "out"
        elif s4["paper_near_end"]:
            paper = "near_end"
        else:
            paper = "ok"
        return cls(online=not s1["offline"], cover_open=s2["cover_open"], paper=paper, error=s2["error"])

    def status_bytes(self) -> dict[int, int]:
        """The answers a printer in this condition gives to DLE EOT 1..4."""
        paper_bits = {"ok": 0x00, "near_end": 0x0C, "out": 0x6C}[self.paper]
        return {
            1: _FIXED_VALUE | (0x00 if self.online else 0x08),
            2: _FIXED_VALUE | (0x04 if self.cover_open else 0) | (0x20 if self.paper == "out" else 0)
            | (0x40 if self.error else 0),
            3: _FIXED_VALUE,
            4: _FIXED_VALUE | paper_bits,
        }

    @property
    def ready(self) -> bool:
        return self.problem is None

    @property
    def problem(self) -> str | None:
        """One line naming what stops printing, or None when the printer can print."""
        if self.paper == "out":
            return "缺纸 / paper out"
        if self.cover_open:
            return "纸仓盖打开 / cover open"
        if self.error:
            return "打印机故障 / printer error"
        if not self.online:
            return "打印机离线 / printer offline"
        return None


# --- text -----------------------------------------------------------------------------------

def _printable(char: str) -> str:
    # Control characters in data (a name from the backend, say) must never reach the printer
    # as commands; a line feed and a tab are the only ones a receipt line may carry.
    return char if char in "\n\t" or not (char < " " or "\x7f" <= char < "\xa0") else " "


def encode_text(text: str) -> bytes:
    """ASCII as is; anything else as GB18030 inside `FS &` … `FS .`."""
    clean = "".join(_printable(c) for c in text)
    if clean.isascii():
        return clean.encode("ascii")
    return CHINESE_ON + clean.encode("gb18030", errors="replace") + CHINESE_OFF


# --- decoder events -------------------------------------------------------------------------

@dataclass(frozen=True)
class Event:
    raw: bytes = field(default=b"", compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Text(Event):
    text: str


@dataclass(frozen=True)
class Qr(Event):
    data: str


@dataclass(frozen=True)
class Cut(Event):
    partial: bool = False


@dataclass(frozen=True)
class Feed(Event):
    lines: int


@dataclass(frozen=True)
class StatusRequest(Event):
    n: int


@dataclass(frozen=True)
class PrinterInfoRequest(Event):
    n: int


@dataclass(frozen=True)
class Command(Event):
    """A command understood and consumed, with no effect on the decoded content."""

    name: str


@dataclass(frozen=True)
class Unknown(Event):
    """Bytes the decoder does not understand: skipped one at a time until it resyncs."""


# --- decoder tables -------------------------------------------------------------------------

MAX_COMMAND_BYTES = 1 << 20  # a declared length beyond this is garbage, not a raster image

# total command length (prefix included) for fixed-length commands
_ESC_FIXED = {
    "@": 2, "!": 3, "$": 4, "%": 3, "-": 3, "2": 2, "3": 3, "=": 3, "?": 3, "E": 3, "G": 3,
    "J": 3, "L": 2, "M": 3, "R": 3, "S": 2, "T": 3, "U": 3, "V": 3, "W": 10, "\\": 4, "a": 3,
    "c": 4, "d": 3, "e": 3, "i": 2, "m": 2, "p": 5, "r": 3, "t": 3, "{": 3, " ": 3, "u": 3,
    "v": 2,
}
_GS_FIXED = {
    "!": 3, "$": 4, "/": 3, ":": 2, "B": 3, "H": 3, "L": 4, "P": 4, "T": 3, "W": 4,
    "\\": 4, "^": 5, "a": 3, "b": 3, "f": 3, "h": 3, "r": 3, "w": 3,
}
_FS_FIXED = {"!": 3, "&": 2, "-": 3, ".": 2, "C": 3, "S": 4, "W": 3, "p": 4, "2": 76}
_DLE_DC4_FIXED = {1: 5, 2: 5, 7: 4, 8: 10}
_CUT_FULL, _CUT_PARTIAL = {0, 48, 65, 97, 103}, {1, 49, 66, 98, 104}
_QR, _QR_STORE = 0x31, 0x50  # GS ( k cn=49 fn=80: store QR data (python-escpos's "function 180")

_Incomplete = None  # a parse step returns this when the command is not all here yet
_Step = tuple[Event, int]  # an event and how many bytes it consumed


class EscposDecoder:
    """Turn an ESC/POS byte stream into events, incrementally, never raising.

    Feed chunks as they arrive; a command split across chunks waits for the rest. Every byte fed
    ends up in exactly one event's `raw` (or in `close()`'s leftovers), so a caller can rebuild
    or account for the stream. Unknown bytes become `Unknown` events one byte at a time.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.chinese = False

    def feed(self, data: bytes) -> list[Event]:
        self._buffer += data
        events: list[Event] = []
        pos = 0
        while pos < len(self._buffer):
            step = self._step(pos)
            if step is _Incomplete:
                break
            event, size = step
            events.append(event)
            pos += size
        del self._buffer[:pos]
        return events

    def close(self) -> list[Event]:
        """End of stream: whatever is still waiting for its missing bytes is reported as Unknown."""
        leftover, self._buffer = bytes(self._buffer), bytearray()
        return [Unknown(raw=leftover)] if leftover else []

    # one event starting at `pos`, or _Incomplete
    def _step(self, pos: int) -> _Step | None:
        first = self._buffer[pos]
        if first == ESC:
            return self._escape(pos)
        if first == GS:
            return self._group_separator(pos)
        if first == FS:
            return self._file_separator(pos)
        if first == DLE:
            return self._data_link_escape(pos)
        if first >= 0x20 or first in (0x0A, 0x09):
            return self._text(pos)
        name = {0x0D: "CR", 0x0C: "FF", 0x18: "CAN"}.get(first)
        if name:
            return Command(name, raw=bytes((first,))), 1
        return self._unknown(pos)

    def _byte(self, pos: int) -> int | None:
        return self._buffer[pos] if pos < len(self._buffer) else None

    def _take(self, pos: int, size: int, make) -> _Step | None:
        if size > MAX_COMMAND_BYTES:
            return self._unknown(pos)
        if pos + size > len(self._buffer):
            return _Incomplete
        raw = bytes(self._buffer[pos:pos + size])
        return make(raw), size

    def _unknown(self, pos: int) -> _Step:
        return Unknown(raw=bytes(self._buffer[pos:pos + 1])), 1

    def _fixed(self, pos: int, size: int, name: str) -> _Step | None:
        return self._take(pos, size, lambda raw: Command(name, raw=raw))

    def _le(self, pos: int, count: int) -> int | None:
        """A little-endian number of `count` bytes at pos, or None when not all here."""
        if pos + count > len(self._buffer):
            return None
        return int.from_bytes(self._buffer[pos:pos + count], "little")

    # --- text ---

    def _text(self, pos: int) -> _Step | None:
        out: list[str] = []
        end = pos
        while end < len(self._buffer):
            byte = self._buffer[end]
            if byte < 0x80:
                if byte < 0x20 and byte not in (0x0A, 0x09) or byte == 0x7F:
                    break
                out.append(chr(byte))
                end += 1
            elif not self.chinese:
                out.append(bytes((byte,)).decode("cp437"))  # the printers' default code page
                end += 1
            else:
                size = self._gb18030_length(end)
                if size is None:
                    break
                out.append(bytes(self._buffer[end:end + size]).decode("gb18030", errors="replace"))
                end += size
        if end == pos:
            if self._buffer[pos] == 0x7F:
                return self._unknown(pos)
            return _Incomplete
        return Text("".join(out), raw=bytes(self._buffer[pos:end])), end - pos

    def _gb18030_length(self, pos: int) -> int | None:
        """Bytes in the GB18030 character at pos (1 for an invalid lead), None if cut short."""
        lead = self._buffer[pos]
        if not 0x81 <= lead <= 0xFE:
            return 1
        second = self._byte(pos + 1)
        if second is None:
            return None
        if 0x40 <= second <= 0x7E or 0x80 <= second <= 0xFE:
            return 2
        if not 0x30 <= second <= 0x39:
            return 1
        third, fourth = self._byte(pos + 2), self._byte(pos + 3)
        if third is None or (0x81 <= third <= 0xFE and fourth is None):
            return None
        if 0x81 <= third <= 0xFE and 0x30 <= fourth <= 0x39:
            return 4
        return 1

    # --- ESC ---

    def _escape(self, pos: int) -> _Step | None:
        code = self._byte(pos + 1)
        if code is None:
            return _Incomplete
        letter = chr(code)
        if letter == "@":  # initialise: leaves Chinese mode too
            self.chinese = False
            return Command("ESC @", raw=bytes(self._buffer[pos:pos + 2])), 2
        if letter == "d":
            return self._take(pos, 3, lambda raw: Feed(raw[2], raw=raw))
        if letter in _ESC_FIXED:
            return self._fixed(pos, _ESC_FIXED[letter], f"ESC {letter}")
        if letter == "*":  # bit image: ESC * m nL nH d1..dk
            mode, columns = self._byte(pos + 2), self._le(pos + 3, 2)
            if mode is None or columns is None:
                return _Incomplete
            per_column = {0: 1, 1: 1, 32: 3, 33: 3}.get(mode)
            if per_column is None:
                return self._unknown(pos)
            return self._fixed(pos, 5 + columns * per_column, "ESC *")
        if letter == "D":  # tab positions: up to 32 bytes, NUL-terminated
            for end in range(pos + 2, min(pos + 35, len(self._buffer))):
                if self._buffer[end] == 0:
                    return self._fixed(pos, end - pos + 1, "ESC D")
            return _Incomplete if len(self._buffer) < pos + 35 else self._unknown(pos)
        if letter == "&":
            return self._user_characters(pos)
        return self._unknown(pos)

    def _user_characters(self, pos: int) -> _Step | None:
        """ESC & y c1 c2 [x d1..d(y*x)]...: one block of width x per character c1..c2."""
        height, first, last = self._byte(pos + 2), self._byte(pos + 3), self._byte(pos + 4)
        if last is None:
            return _Incomplete
        if height not in (2, 3) or not 0x20 <= first <= last <= 0x7E:
            return self._unknown(pos)
        end = pos + 5
        for _ in range(last - first + 1):
            width = self._byte(end)
            if width is None:
                return _Incomplete
            end += 1 + height * width
        return self._fixed(pos, end - pos, "ESC &")

    # --- GS ---

    def _group_separator(self, pos: int) -> _Step | None:
        code = self._byte(pos + 1)
        if code is None:
            return _Incomplete
        letter = chr(code)
        if letter == "I":  # GS I n: the printer's ID or texts, answered, nothing printed
            if self._byte(pos + 2) is None:
                return _Incomplete
            return self._take(pos, 3, lambda raw: PrinterInfoRequest(raw[2], raw=raw))
        if letter in _GS_FIXED:
            return self._fixed(pos, _GS_FIXED[letter], f"GS {letter}")
        if letter == "V":
            mode = self._byte(pos + 2)
            if mode is None:
                return _Incomplete
            if mode in _CUT_FULL | _CUT_PARTIAL:
                size = 3 if mode in (0, 1, 48, 49) else 4
                return self._take(pos, size, lambda raw: Cut(partial=mode in _CUT_PARTIAL, raw=raw))
            return self._unknown(pos)
        if letter == "(":  # GS ( fn pL pH p1..pk
            length = self._le(pos + 3, 2)
            if length is None:
                return _Incomplete
            return self._take(pos, 5 + length, self._extended)
        if letter == "8":  # GS 8 L p1..p4 …: large graphics, 32-bit length
            subcommand, length = self._byte(pos + 2), self._le(pos + 3, 4)
            if subcommand is not None and subcommand != ord("L"):
                return self._unknown(pos)
            if length is None:
                return _Incomplete
            return self._fixed(pos, 7 + length, "GS 8 L")
        if letter == "v":  # GS v 0 m xL xH yL yH d1..dk: raster image
            subcommand = self._byte(pos + 2)
            width, height = self._le(pos + 4, 2), self._le(pos + 6, 2)
            if subcommand is not None and subcommand != ord("0"):
                return self._unknown(pos)
            if height is None:
                return _Incomplete
            return self._fixed(pos, 8 + width * height, "GS v 0")
        if letter == "*":  # GS * x y d1..d(x*y*8): downloaded bit image
            width, height = self._byte(pos + 2), self._byte(pos + 3)
            if height is None:
                return _Incomplete
            return self._fixed(pos, 4 + width * height * 8, "GS *")
        if letter == "k":
            return self._barcode(pos)
        return self._unknown(pos)

    def _extended(self, raw: bytes) -> Event:
        function, payload = chr(raw[2]), raw[5:]
        if function == "k" and len(payload) >= 3 and payload[0] == _QR and payload[1] == _QR_STORE:
            return Qr(payload[3:].decode("utf-8", errors="replace"), raw=raw)
        return Command(f"GS ( {function}", raw=raw)

    def _barcode(self, pos: int) -> _Step | None:
        system = self._byte(pos + 2)
        if system is None:
            return _Incomplete
        if system <= 6:  # data ends at NUL
            end = self._buffer.find(0, pos + 3, pos + 3 + 256)
            if end < 0:
                return _Incomplete if len(self._buffer) < pos + 3 + 256 else self._unknown(pos)
            return self._fixed(pos, end - pos + 1, "GS k")
        if 65 <= system <= 79:
            length = self._byte(pos + 3)
            if length is None:
                return _Incomplete
            return self._fixed(pos, 4 + length, "GS k")
        return self._unknown(pos)

    # --- FS and DLE ---

    def _file_separator(self, pos: int) -> _Step | None:
        code = self._byte(pos + 1)
        if code is None:
            return _Incomplete
        letter = chr(code)
        if letter not in _FS_FIXED:
            return self._unknown(pos)
        step = self._fixed(pos, _FS_FIXED[letter], f"FS {letter}")
        if step is not _Incomplete and letter in "&.":
            self.chinese = letter == "&"
        return step

    def _data_link_escape(self, pos: int) -> _Step | None:
        code, n = self._byte(pos + 1), self._byte(pos + 2)
        if code is None or (code in (EOT, 0x05, 0x14) and n is None):
            return _Incomplete
        if code == EOT and 1 <= n <= 4:
            return self._take(pos, 3, lambda raw: StatusRequest(raw[2], raw=raw))
        if code == 0x05 and 1 <= n <= 4:
            return self._fixed(pos, 3, "DLE ENQ")
        if code == 0x14 and n in _DLE_DC4_FIXED:
            return self._fixed(pos, _DLE_DC4_FIXED[n], "DLE DC4")
        return self._unknown(pos)

