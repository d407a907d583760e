"""GA 467 (GA/T 467-2019) SAM serial protocol, without I/O.

Frame, both directions: AA AA AA 96 69 · LEN (2 bytes, big-endian, body + checksum) · body ·
checksum (XOR of LEN and body). A request body is CMD PARA [data]; a response body is
SW1 SW2 SW3 [data]. Shared by the reader driver and the emulator.
"""

from __future__ import annotations

import datetime
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from drivers.base import (
    ChecksumError,
    DeviceError,
    DeviceUserError,
    HardwareFault,
    ProtocolError,
)
from drivers.idcard.model import LONG_TERM, IdCard

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
HEADER_SIZE = len(PREAMBLE) + 2  # preamble + LEN
MIN_LEN = 3  # a request CMD PARA + checksum; a response needs one more (SW1 SW2 SW3)
MAX_LEN = 0x090A  # the longest frame the protocol defines: text + photo + fingerprint


class Command(NamedTuple):
    name: str
    cmd: int
    para: int

    def frame(self, data: bytes = b"") -> bytes:
        return build_request(self.cmd, self.para, data)


RESET_SAM = Command("reset SAM", 0x10, 0xFF)
SAM_STATUS = Command("SAM status", 0x11, 0xFF)
READ_SAM_ID = Command("read SAM id", 0x12, 0xFF)
FIND_CARD = Command("find card", 0x20, 0x01)
SELECT_CARD = Command("select card", 0x20, 0x02)
READ_TEXT_PHOTO = Command("read text + photo", 0x30, 0x01)
READ_TEXT_PHOTO_FP = Command("read text + photo + fingerprint", 0x30, 0x10)
READ_NEW_ADDRESS = Command("read appended address", 0x30, 0x03)

COMMANDS: dict[tuple[int, int], Command] = {
    (c.cmd, c.para): c
    for c in (RESET_SAM, SAM_STATUS, READ_SAM_ID, FIND_CARD, SELECT_CARD,
              READ_TEXT_PHOTO, READ_TEXT_PHOTO_FP, READ_NEW_ADDRESS)
}

# --- status words -------------------------------------------------------------------------

SW3_OK = 0x90
SW3_FOUND = 0x9F  # find card succeeded
SW3_NO_CONTENT = 0x91  # the card holds nothing for this item (no appended address)
SW3_CHECKSUM = 0x10
SW3_LENGTH = 0x11
SW3_COMMAND = 0x21
SW3_READ_FAILED = 0x41
SW3_SAM_SELF_TEST = 0x60
SW3_NO_CARD = 0x80
SW3_SELECT_FAILED = 0x81


@dataclass(frozen=True)
class Status:
    code: int
    meaning: str
    error: type[DeviceError] | None  # None: not a failure by itself


STATUS_TABLE: dict[int, Status] = {
    s.code: s
    for s in (
        Status(0x90, "success", None),
        Status(0x9F, "card found", None),
        Status(0x91, "no content for this item", None),
        Status(0x10, "reader received a bad checksum", ChecksumError),
        Status(0x11, "reader received a bad length", ProtocolError),
        Status(0x21, "command not understood", ProtocolError),
        Status(0x23, "operation not authorised", HardwareFault),
        Status(0x24, "unknown reader error", HardwareFault),
        Status(0x31, "card failed to authenticate the reader; place the card again", DeviceUserError),
        Status(0x32, "reader failed to authenticate the card; place the card again", DeviceUserError),
        Status(0x33, "card data failed verification; place the card again", DeviceUserError),
        Status(0x40, "not a resident ID card", DeviceUserError),
        Status(0x41, "read failed (card lifted?); place the card again", DeviceUserError),
        Status(0x47, "card random number failed; place the card again", DeviceUserError),
        Status(0x60, "SAM self-test failed", HardwareFault),
        Status(0x66, "SAM not authorised", HardwareFault),
        Status(0x80, "no card (请放置身份证)", DeviceUserError),
        Status(0x81, "select card failed; place the card again", DeviceUserError),
    )
}


def status_error(sw3: int, what: str) -> DeviceError | None:
    """The typed error for a failing SW3 answered to command `what`, or None when it is not a
    failure. Unknown codes are protocol errors: the reader said something we cannot act on."""
    status = STATUS_TABLE.get(sw3)
    if status is None:
        return ProtocolError(f"{what}: unknown status 0x{sw3:02X}", device_code=sw3)
    if status.error is None:
        return None
    return status.error(f"{what}: {status.meaning} (SW3 0x{sw3:02X})", device_code=sw3)


# --- frames -------------------------------------------------------------------------------


def checksum(data: bytes) -> int:
    result = 0
    for byte in data:
        result ^= byte
    return result


def _frame(body: bytes) -> bytes:
    length = len(body) + 1
    if not MIN_LEN <= length <= MAX_LEN:
        raise ValueError(f"frame body of {len(body)} bytes does not fit LEN {MIN_LEN}..{MAX_LEN}")
    head = struct.pack(">H", length) + body
    return PREAMBLE + head + bytes([checksum(head)])


def build_request(cmd: int, para: int, data: bytes = b"") -> bytes:
    return _frame(bytes([cmd, para]) + data)


def build_response(sw3: int, data: bytes = b"", *, sw1: int = 0, sw2: int = 0) -> bytes:
    return _frame(bytes([sw1, sw2, sw3]) + data)


@dataclass(frozen=True)
class Frame:
    """One checked frame; `body` excludes preamble, LEN and checksum."""

    body: bytes

    # request view
    @property
    def cmd(self) -> int:
        return self.body[0]

    @property
    def para(self) -> int:
        return self.body[1]

    @property
    def request_data(self) -> bytes:
        return self.body[2:]

    # response view
    @property
    def sw3(self) -> int:
        if len(self.body) < 3:
            raise ProtocolError(f"response of {len(self.body)} bytes has no status word")
        return self.body[2]

    @property
    def response_data(self) -> bytes:
        return self.body[3:]

    @property
    def wire_size(self) -> int:
        return HEADER_SIZE + len(self.body) + 1


class FrameParser:
    """Incremental frame parser: feed it bytes as they arrive, get whole frames back.

    Bytes before a preamble are skipped (counted in `discarded`). A frame with a bad checksum
    raises ChecksumError, a LEN outside the protocol's range raises ProtocolError; either way
    the parser drops one byte and resynchronises on the next preamble, and any frames already
    complete in the same feed are handed out by the next call.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._ready: list[Frame] = []
        self.discarded = 0

    def feed(self, data: bytes) -> list[Frame]:
        self._buffer += data
        frames, self._ready = self._ready, []
        while True:
            try:
                frame = self._next_frame()
            except ProtocolError:
                self._ready = frames
                raise
            if frame is None:
                return frames
            frames.append(frame)

    def partial(self) -> tuple[int, int | None] | None:
        """(bytes held, bytes the frame needs or None if LEN not yet seen) for a frame that has
        started but not finished; None when nothing is pending."""
        start = self._buffer.find(PREAMBLE)
        if start < 0:
            return None
        held = len(self._buffer) - start
        if held < HEADER_SIZE:
            return held, None
        (length,) = struct.unpack_from(">H", self._buffer, start + len(PREAMBLE))
        return held, HEADER_SIZE + length

    def clear(self) -> None:
        self._buffer.clear()
        self._ready.clear()

    def _next_frame(self) -> Frame | None:
        start = self._buffer.find(PREAMBLE)
        if start < 0:
            # keep a tail that may be the start of a preamble split across reads
            keep = len(PREAMBLE) - 1
            drop = max(0, len(self._buffer) - keep)
            self._discard(drop)
            return None
        self._discard(start)
        if len(self._buffer) < HEADER_SIZE:
            return None
        (length,) = struct.unpack_from(">H", self._buffer, len(PREAMBLE))
        if not MIN_LEN <= length <= MAX_LEN:
            self._discard(1)
            raise ProtocolError(f"impossible frame length {length} (allowed {MIN_LEN}..{MAX_LEN})")
        end = HEADER_SIZE + length
        if len(self._buffer) < end:
            return None
        head = bytes(self._buffer[len(PREAMBLE):end - 1])
        expected, got = checksum(head), self._buffer[end - 1]
        if got != expected:
            self._discard(1)
            raise ChecksumError(f"frame checksum 0x{got:02X}, expected 0x{expected:02X}")
        body = head[2:]
        del self._buffer[:end]
        return Frame(body)

    def _discard(self, count: int) -> None:
        if count:
            del self._buffer[:count]
            self.discarded += count


# --- card data ----------------------------------------------------------------------------

TEXT_BLOCK_SIZE = 256
PHOTO_SIZE = 1024
FINGERPRINT_SIZE = 512  # per enrolled finger; a card holds 0, 1 or 2
NEW_ADDRESS_SIZE = 70
SAM_ID_SIZE = 16

# (field, size in bytes) in card order; UCS-2 little-endian, space padded
TEXT_LAYOUT: tuple[tuple[str, int], ...] = (
    ("name", 30),
    ("sex_code", 2),
    ("nation_code", 4),
    ("birth_date", 16),
    ("address", 70),
    ("id_number", 36),
    ("authority", 30),
    ("valid_from", 16),
    ("valid_to", 16),
    ("reserved", 36),
)


def decode_ucs2(block: bytes, what: str) -> str:
    try:
        text = block.decode("utf-16-le")
    except UnicodeDecodeError:
        raise ProtocolError(f"{what} is not valid UCS-2 text") from None
    return text.rstrip(" \x00")


def encode_ucs2(text: str, size: int, what: str) -> bytes:
    encoded = text.encode("utf-16-le", errors="surrogatepass")
    if len(encoded) != 2 * len(text):
        raise ValueError(f"{what} holds characters outside UCS-2")
    if len(encoded) > size:
        raise ValueError(f"{what} is {len(text)} characters; at most {size // 2} fit")
    return encoded + " ".encode("utf-16-le") * ((size - len(encoded)) // 2)


def decode_text_block(block: bytes) -> dict[str, str]:
    """The 256-byte text block as strings keyed by TEXT_LAYOUT's field names."""
    if len(block) != TEXT_BLOCK_SIZE:
        raise ProtocolError(f"text block is {len(block)} bytes, expected {TEXT_BLOCK_SIZE}")
    fields: dict[str, str] = {}
    offset = 0
    for name, size in TEXT_LAYOUT:
        fields[name] = decode_ucs2(block[offset:offset + size], f"text field {name}")
        offset += size
    return fields


def encode_text_block(fields: Mapping[str, str]) -> bytes:
    """Inverse of decode_text_block; a missing field is blank. Raises ValueError if one is too long."""
    return b"".join(encode_ucs2(fields.get(name, ""), size, f"field {name}") for name, size in TEXT_LAYOUT)


def card_text_block(card: IdCard) -> bytes:
    """The text block a card with these details carries."""
    return encode_text_block({
        "name": card.name,
        "sex_code": card.sex_code,
        "nation_code": card.nation_code,
        "birth_date": card.birth_date.strftime("%Y%m%d"),
        "address": card.address,
        "id_number": card.id_number,
        "authority": card.authority,
        "valid_from": card.valid_from.strftime("%Y%m%d"),
        "valid_to": LONG_TERM if card.valid_to is None else card.valid_to.strftime("%Y%m%d"),
    })


def card_from_blocks(text: bytes, photo: bytes = b"", fingerprint: bytes = b"") -> IdCard:
    """Build an IdCard from the blocks a read returned. Malformed dates are protocol errors.
    The ID number is not validated here; the driver decides what a bad one means."""
    fields = decode_text_block(text)
    valid_to = None if fields["valid_to"] == LONG_TERM else _card_date(fields, "valid_to")
    return IdCard(
        name=fields["name"],
        sex_code=fields["sex_code"],
        nation_code=fields["nation_code"],
        birth_date=_card_date(fields, "birth_date"),
        address=fields["address"],
        id_number=fields["id_number"],
        authority=fields["authority"],
        valid_from=_card_date(fields, "valid_from"),
        valid_to=valid_to,
        photo=photo,
        fingerprint=fingerprint,
    )


def _card_date(fields: dict[str, str], name: str) -> datetime.date:
    value = fields[name]
    try:
        if len(value) != 8 or not value.isascii() or not value.isdigit():
            raise ValueError
        return datetime.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise ProtocolError(f"text field {name} is not a YYYYMMDD date") from None


def build_read_data(text: bytes, photo: bytes, fingerprint: bytes | None = None) -> bytes:
    """Response data of a read: lengths (big-endian) then blocks. `fingerprint` None means the
    text + photo command, which carries no fingerprint length."""
    if fingerprint is None:
        return struct.pack(">HH", len(text), len(photo)) + text + photo
    return struct.pack(">HHH", len(text), len(photo), len(fingerprint)) + text + photo + fingerprint


def parse_read_response(data: bytes) -> tuple[bytes, bytes, bytes]:
    """Split a read answer's data into (text, photo, fingerprint); fingerprint is b"" when the
    answer carries none. Lengths that do not add up are protocol errors."""
    if len(data) >= 4:
        text_len, photo_len = struct.unpack_from(">HH", data)
        if 4 + text_len + photo_len == len(data):
            text = data[4:4 + text_len]
            return text, data[4 + text_len:], b""
    if len(data) >= 6:
        text_len, photo_len, fp_len = struct.unpack_from(">HHH", data)
        if 6 + text_len + photo_len + fp_len == len(data):
            photo_start = 6 + text_len
            fp_start = photo_start + photo_len
            return data[6:photo_start], data[photo_start:fp_start], data[fp_start:]
    raise ProtocolError(f"read answer of {len(data)} bytes does not match its block lengths")


def decode_sam_id(data: bytes) -> str:
    """The SAM's id as readers print it: 05.01-20101010-0012345678-1234567890."""
    if len(data) < SAM_ID_SIZE:
        raise ProtocolError(f"SAM id answer is {len(data)} bytes, expected {SAM_ID_SIZE}")
    a, b, c, d, e = struct.unpack_from("<HHIII", data)
    return f"{a:02d}.{b:02d}-{c:08d}-{d:010d}-{e:010d}"


def encode_sam_id(sam_id: str) -> bytes:
    try:
        head, c, d, e = sam_id.split("-")
        a, b = head.split(".")
        return struct.pack("<HHIII", int(a), int(b), int(c), int(d), int(e))
    except (ValueError, struct.error):
        raise ValueError(f"SAM id must look like 05.01-20101010-0012345678-1234567890, got {sam_id!r}") from None
