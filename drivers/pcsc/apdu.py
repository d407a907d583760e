"""ISO 7816-4 APDUs, BER-TLV and status words, without I/O.

Shared by the PC/SC driver and the virtual card. Short APDUs only (Lc and Le up to 255/256):
eMRTD reads fit in them, and every reader and card speaks them. Anything that does not parse is
a ProtocolError with one line saying why; nothing here raises anything else.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.base import ChecksumError, DeviceError, DeviceUserError, ProtocolError

INS_SELECT = 0xA4
INS_READ_BINARY = 0xB0
INS_GET_CHALLENGE = 0x84
INS_MUTUAL_AUTHENTICATE = 0x82
INS_GET_RESPONSE = 0xC0

SW_OK = 0x9000


@dataclass(frozen=True)
class CommandApdu:
    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None  # expected answer length; 256 is encoded as 00

    def __post_init__(self):
        for name in ("cla", "ins", "p1", "p2"):
            if not 0 <= getattr(self, name) <= 0xFF:
                raise ProtocolError(f"APDU {name} out of range: {getattr(self, name)}")
        if len(self.data) > 255:
            raise ProtocolError(f"APDU data too long for a short APDU: {len(self.data)} bytes")
        if self.le is not None and not 1 <= self.le <= 256:
            raise ProtocolError(f"APDU Le out of range: {self.le}")

    @property
    def header(self) -> bytes:
        return bytes((self.cla, self.ins, self.p1, self.p2))

    def to_bytes(self) -> bytes:
        out = self.header
        if self.data:
            out += bytes((len(self.data),)) + self.data
        if self.le is not None:
            out += bytes((self.le & 0xFF,))
        return out


def parse_command(raw: bytes) -> CommandApdu:
    """A short command APDU, cases 1 to 4."""
    if len(raw) < 4:
        raise ProtocolError(f"command APDU too short: {len(raw)} bytes")
    cla, ins, p1, p2 = raw[:4]
    body = raw[4:]
    if not body:
        return CommandApdu(cla, ins, p1, p2)
    if len(body) == 1:
        return CommandApdu(cla, ins, p1, p2, le=body[0] or 256)
    lc = body[0]
    if lc == 0:
        raise ProtocolError("command APDU: extended length is not supported")
    if len(body) == 1 + lc:
        return CommandApdu(cla, ins, p1, p2, body[1:])
    if len(body) == 2 + lc:
        return CommandApdu(cla, ins, p1, p2, body[1:-1], le=body[-1] or 256)
    raise ProtocolError(f"command APDU: Lc {lc} does not match {len(body) - 1} bytes of body")


@dataclass(frozen=True)
class ResponseApdu:
    data: bytes
    sw: int

    def to_bytes(self) -> bytes:
        return self.data + self.sw.to_bytes(2, "big")


def parse_response(raw: bytes) -> ResponseApdu:
    if len(raw) < 2:
        raise ProtocolError(f"response APDU too short: {len(raw)} bytes")
    return ResponseApdu(bytes(raw[:-2]), int.from_bytes(raw[-2:], "big"))


# --- BER-TLV ------------------------------------------------------------------------------


def encode_length(length: int) -> bytes:
    if length < 0x80:
        return bytes((length,))
    size = (length.bit_length() + 7) // 8
    if size > 3:
        raise ProtocolError(f"TLV length too large: {length}")
    return bytes((0x80 | size,)) + length.to_bytes(size, "big")


def encode_tag(tag: int) -> bytes:
    return tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")


def tlv(tag: int, value: bytes) -> bytes:
    return encode_tag(tag) + encode_length(len(value)) + value


def read_tlv(data: bytes, offset: int = 0) -> tuple[int, bytes, int]:
    """One TLV at `offset`: (tag, value, offset after it)."""
    tag, offset = _read_tag(data, offset)
    length, offset = read_length(data, offset)
    end = offset + length
    if end > len(data):
        raise ProtocolError(f"TLV {tag:X}: value of {length} bytes, {len(data) - offset} left")
    return tag, bytes(data[offset:end]), end


def read_header(data: bytes) -> tuple[int, int, int]:
    """The tag, value length and header size of the TLV at the start of `data` (value may be
    missing: this is for learning how much more to read)."""
    tag, offset = _read_tag(data, 0)
    length, offset = read_length(data, offset)
    return tag, length, offset


def parse_tlvs(data: bytes) -> list[tuple[int, bytes]]:
    """All TLVs in `data`, in order, with nothing left over."""
    out, offset = [], 0
    while offset < len(data):
        tag, value, offset = read_tlv(data, offset)
        out.append((tag, value))
    return out


def _read_tag(data: bytes, offset: int) -> tuple[int, int]:
    if offset >= len(data):
        raise ProtocolError("TLV: missing tag")
    tag = data[offset]
    offset += 1
    if tag & 0x1F == 0x1F:  # multi-byte tag: continues while bit 8 is set
        for _ in range(3):
            if offset >= len(data):
                raise ProtocolError("TLV: tag cut short")
            tag = (tag << 8) | data[offset]
            offset += 1
            if not data[offset - 1] & 0x80:
                break
        else:
            raise ProtocolError("TLV: tag longer than 4 bytes")
    return tag, offset


def read_length(data: bytes, offset: int) -> tuple[int, int]:
    if offset >= len(data):
        raise ProtocolError("TLV: missing length")
    first = data[offset]
    offset += 1
    if first < 0x80:
        return first, offset
    size = first & 0x7F
    if size == 0 or size > 3:
        raise ProtocolError(f"TLV: unsupported length form 0x{first:02X}")
    if offset + size > len(data):
        raise ProtocolError("TLV: length cut short")
    return int.from_bytes(data[offset:offset + size], "big"), offset + size


# --- status words -------------------------------------------------------------------------

# What the card's status word means, and which typed error it is. A status about the document
# itself (blocked, memory failure) needs the citizen at a counter: DeviceUserError.
STATUS_TABLE: dict[int, tuple[str, type[DeviceError]]] = {
    0x6281: ("returned data may be corrupted", ProtocolError),
    0x6581: ("the chip reports a memory failure", DeviceUserError),
    0x6700: ("wrong length", ProtocolError),
    0x6882: ("secure messaging not supported", ProtocolError),
    0x6982: ("security status not satisfied", ProtocolError),
    0x6983: ("authentication method blocked", DeviceUserError),
    0x6985: ("conditions of use not satisfied", ProtocolError),
    0x6986: ("command not allowed", ProtocolError),
    0x6987: ("secure messaging data objects missing", ProtocolError),
    0x6988: ("secure messaging data objects incorrect", ChecksumError),
    0x6A80: ("incorrect data", ProtocolError),
    0x6A82: ("file or application not found", ProtocolError),
    0x6A86: ("incorrect P1/P2", ProtocolError),
    0x6B00: ("offset outside the file", ProtocolError),
    0x6D00: ("instruction not supported", ProtocolError),
    0x6E00: ("class not supported", ProtocolError),
    0x6F00: ("no precise diagnosis", ProtocolError),
}


def status_error(sw: int, what: str) -> DeviceError | None:
    """The typed error for status word `sw` answered to `what`; None for success (9000, and
    6282 'end of file reached', which a read of the last bytes may answer)."""
    if sw in (SW_OK, 0x6282):
        return None
    meaning, error = STATUS_TABLE.get(sw, ("unexpected status", ProtocolError))
    return error(f"{what}: {meaning} (SW {sw:04X})", device_code=sw)


def check(response: ResponseApdu, what: str) -> bytes:
    """The data of a successful response; the typed error otherwise."""
    error = status_error(response.sw, what)
    if error is not None:
        raise error
    return response.data
