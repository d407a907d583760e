"""The framed serial protocol of a CRT-591-style card dispenser, as bytes in and out (no I/O).

    command   STX ADDR LENH LENL 'C' CM PM [data] ETX BCC
    positive  STX ADDR LENH LENL 'P' CM PM ST0 ST1 ST2 [data] ETX BCC
    negative  STX ADDR LENH LENL 'N' CM PM E1 E0 [data] ETX BCC

LEN counts the bytes from the 'C'/'P'/'N' byte to the end of the data; BCC is the XOR of every
byte from STX to ETX. The link is half duplex: the host sends a command, the dispenser answers
ACK (taken, being done) or NAK (damaged, send it again); the host then sends ENQ and gets the
answer frame, and may send ENQ again to have the same answer repeated without the command
being done twice. docs/drivers.md says which parts follow the public description and which are
assumed (the slot byte, the per-slot levels in a status answer, STX's value).
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.base import ChecksumError, DeviceError, HardwareFault, NoMedia, ProtocolError

STX = 0xF2
ETX = 0x03
ACK = 0x06
NAK = 0x15
ENQ = 0x05
EOT = 0x04
CONTROL_BYTES = {ACK: "ACK", NAK: "NAK", ENQ: "ENQ", EOT: "EOT"}

COMMAND, POSITIVE, NEGATIVE = ord("C"), ord("P"), ord("N")
MAX_BODY = 512  # longest LEN accepted; the real answers are a few bytes, noise claims thousands

# (CM, PM) of the commands this driver uses
STATUS = (0x31, 0x30)  # general status: ST0 ST1 ST2 (+ one level byte per slot, assumed)
TO_READ = (0x32, 0x31)  # card from a slot to the read (IC/RF) position; data: slot number (assumed)
TO_MOUTH = (0x32, 0x30)  # card to the mouth (gate), held there for the citizen
TO_BIN = (0x32, 0x33)  # card into the reject (error card) bin
COMMAND_NAMES = {STATUS: "status", TO_READ: "to read position", TO_MOUTH: "present", TO_BIN: "retract"}

# ST0: where the card in the channel is
CARD_POSITIONS = {ord("0"): "none", ord("1"): "mouth", ord("2"): "read"}
# ST1 and each slot's level byte: what is left in the stacker
LEVELS = {ord("0"): "empty", ord("1"): "low", ord("2"): "ok"}
# ST2: the reject bin
BIN_STATES = {ord("0"): "ok", ord("1"): "full"}


class DispenserError(HardwareFault):
    kind = "dispenser_fault"


class CardJam(DispenserError):
    kind = "jam"


class BinFull(DispenserError):
    kind = "bin_full"


class SlotEmpty(NoMedia):
    """The slot holds no card. A user-side condition: the device works, there is just no card
    to give (for a pickup: the citizen's card is not in this kiosk)."""

    kind = "slot_empty"


class SequenceError(ProtocolError):
    """The dispenser refused a command that does not fit where the card is (no card to move)."""

    kind = "sequence_error"


# Negative answers' E1 E0, two ASCII digits: (meaning, error class)
ERRORS: dict[bytes, tuple[str, type[DeviceError]]] = {
    b"00": ("undefined command", ProtocolError),
    b"01": ("command parameter error", ProtocolError),
    b"02": ("command out of sequence (no card where the command needs one)", SequenceError),
    b"03": ("command not supported", ProtocolError),
    b"04": ("command data error", ProtocolError),
    b"10": ("card jammed in the channel", CardJam),
    b"12": ("sensor failure", DispenserError),
    b"13": ("card too long", DispenserError),
    b"14": ("card too short", DispenserError),
    b"40": ("card pulled out during the move", DispenserError),
    b"A0": ("card slot empty", SlotEmpty),
    b"A1": ("reject bin full", BinFull),
}


def bcc(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value


@dataclass(frozen=True)
class Frame:
    address: int
    type: int  # COMMAND, POSITIVE or NEGATIVE
    cm: int
    pm: int
    payload: bytes = b""  # ST0-ST2 + data, E1 E0 + data, or a command's data

    @property
    def command(self) -> tuple[int, int]:
        return self.cm, self.pm

    def encode(self) -> bytes:
        return encode_frame(self.address, self.type, self.cm, self.pm, self.payload)


@dataclass(frozen=True)
class Control:
    """One handshake byte outside a frame: ACK, NAK, ENQ or EOT."""

    byte: int

    @property
    def name(self) -> str:
        return CONTROL_BYTES[self.byte]


@dataclass(frozen=True)
class Rejected:
    """Bytes that were not a frame: noise before an STX, a damaged or impossible frame."""

    reason: str
    size: int
    checksum: bool = False

    def error(self) -> ProtocolError:
        return (ChecksumError if self.checksum else ProtocolError)(self.reason)


Event = Frame | Control | Rejected


def encode_frame(address: int, kind: int, cm: int, pm: int, payload: bytes = b"") -> bytes:
    for name, value in (("address", address), ("CM", cm), ("PM", pm)):
        if not 0 <= value <= 0xFF:
            raise ValueError(f"{name} must be a byte, got {value}")
    if kind not in (COMMAND, POSITIVE, NEGATIVE):
        raise ValueError(f"frame type must be 'C', 'P' or 'N', got {kind!r}")
    body = bytes([kind, cm, pm]) + payload
    if len(body) > MAX_BODY:
        raise ValueError(f"frame body of {len(body)} bytes is over {MAX_BODY}")
    head = bytes([STX, address, len(body) >> 8, len(body) & 0xFF]) + body + bytes([ETX])
    return head + bytes([bcc(head)])


def command(address: int, which: tuple[int, int], data: bytes = b"") -> bytes:
    return encode_frame(address, COMMAND, which[0], which[1], data)


def positive(address: int, which: tuple[int, int], status: bytes, data: bytes = b"") -> bytes:
    if len(status) != 3:
        raise ValueError("a positive answer has three status bytes")
    return encode_frame(address, POSITIVE, which[0], which[1], status + data)


def negative(address: int, which: tuple[int, int], error: bytes, data: bytes = b"") -> bytes:
    if len(error) != 2:
        raise ValueError("a negative answer has a two-byte error code")
    return encode_frame(address, NEGATIVE, which[0], which[1], error + data)


# --- answers -----------------------------------------------------------------------------------

_POSITION_BYTES = {name: byte for byte, name in CARD_POSITIONS.items()}
_LEVEL_BYTES = {name: byte for byte, name in LEVELS.items()}
_BIN_BYTES = {name: byte for byte, name in BIN_STATES.items()}


@dataclass(frozen=True)
class Status:
    card: str  # none | read | mouth
    stacker: str  # empty | low | ok (all slots together)
    bin: str  # ok | full
    slots: tuple[str, ...] = ()  # each slot's level, when the dispenser reports them

    def encode(self) -> bytes:
        """ST0 ST1 ST2 + one level byte per slot."""
        try:
            head = bytes([_POSITION_BYTES[self.card], _LEVEL_BYTES[self.stacker], _BIN_BYTES[self.bin]])
            return head + bytes(_LEVEL_BYTES[level] for level in self.slots)
        except KeyError as exc:
            raise ValueError(f"not a status value: {exc}") from None

    @classmethod
    def decode(cls, payload: bytes) -> "Status":
        if len(payload) < 3:
            raise ProtocolError(f"status answer of {len(payload)} bytes, expected at least 3")
        try:
            return cls(CARD_POSITIONS[payload[0]], LEVELS[payload[1]], BIN_STATES[payload[2]],
                       tuple(LEVELS[b] for b in payload[3:]))
        except KeyError as exc:
            raise ProtocolError(f"status byte 0x{exc.args[0]:02X} means nothing") from None


def answer_error(frame: Frame) -> DeviceError:
    """The typed error of a negative answer."""
    code = frame.payload[:2]
    what = COMMAND_NAMES.get(frame.command, f"command {frame.cm:02X} {frame.pm:02X}")
    meaning, error = ERRORS.get(code, ("unknown error", DispenserError))
    shown = code.decode("ascii", "replace") if code.isascii() and code.isalnum() else code.hex()
    try:
        number = int(code, 16)
    except ValueError:
        number = None
    return error(f"{what}: {meaning} (E{shown})", device_code=number)


# --- parsing -----------------------------------------------------------------------------------


class FrameParser:
    """Incremental: feed any chunks, get the frames, handshake bytes and rejects in order.

    Bytes outside a frame that are not handshake bytes are noise; a frame that turns out
    damaged (wrong ETX, wrong BCC, LEN over MAX_BODY) is rejected and scanning resumes just
    after its STX, so a good frame that started inside it is still found. While a frame is
    incomplete, a complete good frame starting later in the buffer wins: the earlier STX was
    noise claiming more bytes than will ever come."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def clear(self) -> None:
        self._buf.clear()

    def partial(self) -> bool:
        return bool(self._buf)

    def feed(self, data: bytes) -> list[Event]:
        self._buf += data
        events: list[Event] = []
        noise = 0
        while self._buf:
            first = self._buf[0]
            if first != STX:
                if first in CONTROL_BYTES:
                    noise = self._flush_noise(events, noise)
                    events.append(Control(first))
                else:
                    noise += 1
                del self._buf[0]
                continue
            result = _try_frame(self._buf, 0)
            if result is None:  # incomplete: a later complete frame means this STX was noise
                later = self._later_frame()
                if later is None:
                    break
                noise += later
                del self._buf[:later]
                continue
            frame, size, problem = result
            if frame is not None:
                noise = self._flush_noise(events, noise)
                events.append(frame)
                del self._buf[:size]
                continue
            noise = self._flush_noise(events, noise)
            events.append(Rejected(problem, size, checksum=problem.startswith("BCC")))
            del self._buf[0]  # resync just after this STX
        self._flush_noise(events, noise)
        return events

    def _later_frame(self) -> int | None:
        start = 1
        while (at := self._buf.find(STX, start)) != -1:
            result = _try_frame(self._buf, at)
            if result is not None and result[0] is not None:
                return at
            start = at + 1
        return None

    @staticmethod
    def _flush_noise(events: list[Event], noise: int) -> int:
        if noise:
            events.append(Rejected(f"{noise} byte(s) of line noise", noise))
        return 0


def _try_frame(buf: bytearray, at: int) -> tuple[Frame | None, int, str] | None:
    """Parse a frame starting at `at` (an STX): None if incomplete, else (frame or None, size,
    why it was rejected)."""
    if len(buf) - at < 4:
        return None
    length = (buf[at + 2] << 8) | buf[at + 3]
    if length > MAX_BODY or length < 3:
        return None, 4, f"impossible frame length {length}"
    size = 4 + length + 2
    if len(buf) - at < size:
        return None
    raw = bytes(buf[at:at + size])
    if raw[-2] != ETX:
        return None, size, "frame without ETX where its length says"
    if bcc(raw[:-1]) != raw[-1]:
        return None, size, f"BCC mismatch (got 0x{raw[-1]:02X}, computed 0x{bcc(raw[:-1]):02X})"
    kind = raw[4]
    if kind not in (COMMAND, POSITIVE, NEGATIVE):
        return None, size, f"unknown frame type 0x{kind:02X}"
    if kind == POSITIVE and length < 6 or kind == NEGATIVE and length < 5:
        return None, size, "answer too short for its status or error bytes"
    return Frame(raw[1], kind, raw[5], raw[6], raw[7:-2]), size, ""
