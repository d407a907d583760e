"""AS608 / R30x fingerprint module UART protocol (ZhianTech, Synochip), without I/O.

Packet, both directions: EF 01 · address (4 bytes) · packet id (01 command, 02 data,
07 acknowledge, 08 end of data) · LEN (2 bytes big-endian, payload + 2) · payload · checksum
(packet id + both LEN bytes + every payload byte, mod 65536, big-endian). A command payload is
the instruction code and its parameters; an acknowledgement's is the confirmation code and its
data. Templates travel as data packets (02 …, the last one 08) of the module's packet size.
Shared by the driver and the emulator.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import NamedTuple

from drivers.base import (
    ChecksumError,
    DeviceError,
    DeviceUserError,
    HardwareFault,
    NoMedia,
    ProtocolError,
)

START = b"\xef\x01"
DEFAULT_ADDRESS = 0xFFFFFFFF
HEADER_SIZE = len(START) + 4 + 1 + 2  # start, address, packet id, LEN
MAX_PAYLOAD = 256  # the largest data packet size a module can be set to
MIN_LEN, MAX_LEN = 1 + 2, MAX_PAYLOAD + 2  # every packet carries at least one payload byte
TEMPLATE_SIZE = 512  # one character file (feature template)
MAX_TRANSFER = 4 * TEMPLATE_SIZE  # more data than this in one transfer is not a template

COMMAND, DATA, ACK, END = 0x01, 0x02, 0x07, 0x08
PACKET_IDS = (COMMAND, DATA, ACK, END)
PACKET_SIZES = (32, 64, 128, 256)  # ReadSysPara's packet size code 0..3


class MalformedPacket(ProtocolError):
    """Bytes that start like a packet but cannot be one (unknown packet id, impossible LEN)."""


class WrongAddress(ProtocolError):
    """A well-formed packet for or from another module address."""


# --- instructions -------------------------------------------------------------------------


class Instruction(NamedTuple):
    name: str
    code: int


GEN_IMG = Instruction("GenImg", 0x01)
IMG2TZ = Instruction("Img2Tz", 0x02)
MATCH = Instruction("Match", 0x03)
SEARCH = Instruction("Search", 0x04)
REG_MODEL = Instruction("RegModel", 0x05)
STORE = Instruction("Store", 0x06)
LOAD_CHAR = Instruction("LoadChar", 0x07)
UP_CHAR = Instruction("UpChar", 0x08)
DOWN_CHAR = Instruction("DownChar", 0x09)
DELETE = Instruction("Delete", 0x0C)
EMPTY = Instruction("Empty", 0x0D)
READ_SYS_PARA = Instruction("ReadSysPara", 0x0F)
VERIFY_PASSWORD = Instruction("VerifyPassword", 0x13)
TEMPLATE_COUNT = Instruction("TemplateCount", 0x1D)

INSTRUCTIONS: dict[int, Instruction] = {
    i.code: i
    for i in (GEN_IMG, IMG2TZ, MATCH, SEARCH, REG_MODEL, STORE, LOAD_CHAR, UP_CHAR, DOWN_CHAR,
              DELETE, EMPTY, READ_SYS_PARA, VERIFY_PASSWORD, TEMPLATE_COUNT)
}

# --- confirmation codes -------------------------------------------------------------------

OK = 0x00
PACKET_RECEIVE_ERROR = 0x01
NO_FINGER = 0x02
CAPTURE_FAILED = 0x03
TOO_MESSY = 0x06
TOO_FEW_FEATURES = 0x07
NO_MATCH = 0x08
NOT_FOUND = 0x09
ENROLL_MISMATCH = 0x0A
BAD_LOCATION = 0x0B
TEMPLATE_READ_ERROR = 0x0C
UPLOAD_FEATURE_FAILED = 0x0D
CANNOT_RECEIVE = 0x0E
DELETE_FAILED = 0x10
WRONG_PASSWORD = 0x13
NO_VALID_IMAGE = 0x15


@dataclass(frozen=True)
class Confirmation:
    code: int
    meaning: str  # for a citizen-facing error: what the screen can tell them to do
    error: type[DeviceError] | None  # None: a result, not a failure (no match, not found)


CONFIRMATIONS: dict[int, Confirmation] = {
    c.code: c
    for c in (
        Confirmation(0x00, "ok", None),
        Confirmation(0x01, "module received a damaged packet", ChecksumError),
        Confirmation(0x02, "请按手指 / no finger on the sensor", NoMedia),
        Confirmation(0x03, "image capture failed: press the finger flat and hold still", DeviceUserError),
        Confirmation(0x06, "image too messy: finger too wet, dry it and press again", DeviceUserError),
        Confirmation(0x07, "too few features: finger too dry, press the finger flat and firmly", DeviceUserError),
        Confirmation(0x08, "no match", None),
        Confirmation(0x09, "not found in the library", None),
        Confirmation(0x0A, "the two presses differ: press the same finger again", DeviceUserError),
        Confirmation(0x0B, "page outside the template library", ProtocolError),
        Confirmation(0x0C, "template read error (empty page or damaged template)", HardwareFault),
        Confirmation(0x0D, "upload feature failed", HardwareFault),
        Confirmation(0x0E, "module cannot receive the following packets", MalformedPacket),
        Confirmation(0x0F, "upload image failed", HardwareFault),
        Confirmation(0x10, "delete failed", HardwareFault),
        Confirmation(0x11, "clearing the library failed", HardwareFault),
        Confirmation(0x13, "wrong module password (check ?password=)", HardwareFault),
        Confirmation(0x15, "no valid image: press the finger again", DeviceUserError),
        Confirmation(0x18, "flash write error", HardwareFault),
        Confirmation(0x1A, "invalid register number", HardwareFault),
    )
}


def confirmation_error(code: int, what: str) -> DeviceError | None:
    """The typed error for confirmation `code` answered to `what`, or None when the code is a
    result rather than a failure. Unknown codes are protocol errors."""
    confirmation = CONFIRMATIONS.get(code)
    if confirmation is None:
        return ProtocolError(f"{what}: unknown confirmation code 0x{code:02X}", device_code=code)
    if confirmation.error is None:
        return None
    return confirmation.error(f"{what}: {confirmation.meaning} (code 0x{code:02X})", device_code=code)


# --- packets ------------------------------------------------------------------------------


def checksum(packet_id: int, payload: bytes) -> int:
    length = len(payload) + 2
    return (packet_id + (length >> 8) + (length & 0xFF) + sum(payload)) & 0xFFFF


def build_packet(packet_id: int, payload: bytes, address: int = DEFAULT_ADDRESS) -> bytes:
    if packet_id not in PACKET_IDS:
        raise ValueError(f"unknown packet id 0x{packet_id:02X}")
    if not 1 <= len(payload) <= MAX_PAYLOAD:
        raise ValueError(f"payload of {len(payload)} bytes does not fit 1..{MAX_PAYLOAD}")
    head = START + struct.pack(">IBH", address, packet_id, len(payload) + 2)
    return head + payload + struct.pack(">H", checksum(packet_id, payload))


def build_command(instruction: Instruction, params: bytes = b"", address: int = DEFAULT_ADDRESS) -> bytes:
    return build_packet(COMMAND, bytes([instruction.code]) + params, address)


def build_ack(code: int, data: bytes = b"", address: int = DEFAULT_ADDRESS) -> bytes:
    return build_packet(ACK, bytes([code]) + data, address)


def build_data(data: bytes, packet_size: int, address: int = DEFAULT_ADDRESS) -> bytes:
    """`data` as data packets of `packet_size`, the last one an end-of-data packet."""
    if packet_size not in PACKET_SIZES:
        raise ValueError(f"packet size must be one of {PACKET_SIZES}, got {packet_size}")
    if not data:
        raise ValueError("nothing to send")
    chunks = [data[i:i + packet_size] for i in range(0, len(data), packet_size)]
    return b"".join(build_packet(END if n == len(chunks) - 1 else DATA, chunk, address)
                    for n, chunk in enumerate(chunks))


# Command packets, one function per instruction the driver sends.

def gen_img(address: int = DEFAULT_ADDRESS) -> bytes:
    return build_command(GEN_IMG, b"", address)


def img2tz(buffer: int, address: int = DEFAULT_ADDRESS) -> bytes:
    return build_command(IMG2TZ, bytes([_buffer(buffer)]), address)


def match(address: int = DEFAULT_ADDRESS) -> bytes:
    return build_command(MATCH, b"", address)


def search(buffer: int, start: int, count: int, address: int = DEFAULT_ADDRESS) -> bytes:
    return build_command(SEARCH, struct.pack(">BHH", _buffer(buffer), start, count), address)


def reg_model(address: int = DEFAULT_ADDRESS) -> bytes:
    return build_command(REG_MODEL, b"", address)


def store(buffer: int, page: int, address: int = DEFAULT_ADDRESS) -> bytes:
    return build_command(STORE, struct.pack(">BH", _buffer(buffer), page), address)


def load_char(buffer: int, page: int, address: int = DEFAULT_ADDRESS) -> bytes:
    return build_command(LOAD_CHAR, struct.pack(">BH", _buffer(buffer), page), address)


def up_char(buffer: int, address: int = DEFAULT_ADDRESS) -> bytes:
    return build_command(UP_CHAR, bytes([_buffer(buffer)]), address)


def down_char(buffer: int, address: int = DEFAULT_ADDRESS) -> bytes:
    return build_command(DOWN_CHAR, bytes([_buffer(buffer)]), address)


def delete(page: int, count: int = 1, address: int = DEFAULT_ADDRESS) -> bytes:
    return build_command(DELETE, struct.pack(">HH", page, count), address)


def empty(address: int = DEFAULT_ADDRESS) -> bytes:
    return build_command(EMPTY, b"", address)


def read_sys_para(address: int = DEFAULT_ADDRESS) -> bytes:
    return build_command(READ_SYS_PARA, b"", address)


def verify_password(password: int, address: int = DEFAULT_ADDRESS) -> bytes:
    return build_command(VERIFY_PASSWORD, struct.pack(">I", password), address)


def template_count(address: int = DEFAULT_ADDRESS) -> bytes:
    return build_command(TEMPLATE_COUNT, b"", address)


def _buffer(buffer: int) -> int:
    if buffer not in (1, 2):
        raise ValueError(f"character buffer must be 1 or 2, got {buffer}")
    return buffer


@dataclass(frozen=True)
class Packet:
    """One checked packet."""

    address: int
    packet_id: int
    payload: bytes

    # command view
    @property
    def instruction(self) -> int:
        return self.payload[0]

    @property
    def params(self) -> bytes:
        return self.payload[1:]

    # acknowledgement view
    @property
    def code(self) -> int:
        return self.payload[0]

    @property
    def data(self) -> bytes:
        return self.payload[1:]

    @property
    def wire_size(self) -> int:
        return HEADER_SIZE + len(self.payload) + 2


class PacketParser:
    """Incremental packet parser: feed bytes as they arrive, get whole packets back.

    Bytes before `EF 01` are skipped (counted in `discarded`). An unknown packet id or an
    impossible LEN raises MalformedPacket, a bad checksum ChecksumError; the parser then drops
    one byte and resynchronises on the next start. A well-formed packet for another address
    raises WrongAddress and is dropped whole. Packets already complete in the same feed are
    handed out by the next call.
    """

    def __init__(self, address: int = DEFAULT_ADDRESS) -> None:
        self.address = address
        self._buffer = bytearray()
        self._ready: list[Packet] = []
        self.discarded = 0

    def feed(self, data: bytes) -> list[Packet]:
        self._buffer += data
        packets, self._ready = self._ready, []
        while True:
            try:
                packet = self._next_packet()
            except ProtocolError:
                self._ready = packets
                raise
            if packet is None:
                return packets
            packets.append(packet)

    def partial(self) -> tuple[int, int | None] | None:
        """(bytes held, bytes the packet needs or None before LEN) for a packet that has
        started but not finished; None when nothing is pending."""
        start = self._buffer.find(START)
        if start < 0:
            return None
        held = len(self._buffer) - start
        if held < HEADER_SIZE:
            return held, None
        (length,) = struct.unpack_from(">H", self._buffer, start + HEADER_SIZE - 2)
        return held, HEADER_SIZE + length

    def clear(self) -> None:
        """Forget everything held, overwriting it first: it may be a fingerprint template."""
        self._buffer[:] = bytes(len(self._buffer))
        self._buffer.clear()
        self._ready.clear()

    def _next_packet(self) -> Packet | None:
        start = self._buffer.find(START)
        if start < 0:
            # keep a last EF that may be the start of a start code split across reads
            self._discard(len(self._buffer) - (1 if self._buffer.endswith(START[:1]) else 0))
            return None
        self._discard(start)
        if len(self._buffer) < HEADER_SIZE:
            return None
        address, packet_id, length = struct.unpack_from(">IBH", self._buffer, len(START))
        if packet_id not in PACKET_IDS:
            self._discard(1)
            raise MalformedPacket(f"unknown packet id 0x{packet_id:02X}")
        if not MIN_LEN <= length <= MAX_LEN:
            self._discard(1)
            raise MalformedPacket(f"impossible packet length {length} (allowed {MIN_LEN}..{MAX_LEN})")
        end = HEADER_SIZE + length
        if len(self._buffer) < end:
            return None
        payload = bytes(self._buffer[HEADER_SIZE:end - 2])
        (got,) = struct.unpack_from(">H", self._buffer, end - 2)
        expected = checksum(packet_id, payload)
        if got != expected:
            self._discard(1)
            raise ChecksumError(f"packet checksum 0x{got:04X}, expected 0x{expected:04X}")
        if address != self.address:
            self._discard(end)
            raise WrongAddress(f"packet for module address {address:08X}, expected {self.address:08X}")
        self._buffer[:end] = bytes(end)  # zeroed before it is let go: it may hold a template
        del self._buffer[:end]
        return Packet(address, packet_id, payload)

    def _discard(self, count: int) -> None:
        if count:
            del self._buffer[:count]
            self.discarded += count


class DataTransfer:
    """Assembles the data packets of one transfer (02 … 08) into the bytes they carry."""

    def __init__(self, limit: int = MAX_TRANSFER) -> None:
        self.limit = limit
        self._data = bytearray()
        self.done = False

    def add(self, packet: Packet) -> bool:
        """Take the next packet; True once the end-of-data packet has arrived."""
        if self.done:
            raise ProtocolError("data packet after the end of the transfer")
        if packet.packet_id not in (DATA, END):
            raise ProtocolError(f"packet id 0x{packet.packet_id:02X} in the middle of a data transfer")
        self._data += packet.payload
        if len(self._data) > self.limit:
            raise ProtocolError(f"data transfer longer than {self.limit} bytes")
        self.done = packet.packet_id == END
        return self.done

    def take(self) -> bytes:
        """The assembled bytes; the working buffer is overwritten, it held a template."""
        data = bytes(self._data)
        self._data[:] = bytes(len(self._data))
        self._data.clear()
        return data


# --- answer data --------------------------------------------------------------------------


def _unpack(fmt: str, data: bytes, what: str) -> tuple:
    if len(data) != struct.calcsize(fmt):
        raise ProtocolError(f"{what} answer carries {len(data)} data bytes, expected {struct.calcsize(fmt)}")
    return struct.unpack(fmt, data)


def decode_score(data: bytes) -> int:
    return _unpack(">H", data, "Match")[0]


def decode_search(data: bytes) -> tuple[int, int]:
    """(page, score) of a Search answer."""
    page, score = _unpack(">HH", data, "Search")
    return page, score


def decode_count(data: bytes) -> int:
    return _unpack(">H", data, "TemplateCount")[0]


@dataclass(frozen=True)
class SysPara:
    """The 16 bytes ReadSysPara answers."""

    status_register: int = 0
    system_id: int = 0x0009
    capacity: int = 300
    security_level: int = 3
    address: int = DEFAULT_ADDRESS
    packet_size: int = 128
    baudrate: int = 57600

    def encode(self) -> bytes:
        return struct.pack(">HHHHIHH", self.status_register, self.system_id, self.capacity,
                           self.security_level, self.address, PACKET_SIZES.index(self.packet_size),
                           self.baudrate // 9600)

    @classmethod
    def decode(cls, data: bytes) -> "SysPara":
        status, system_id, capacity, level, address, size_code, baud_n = _unpack(">HHHHIHH", data, "ReadSysPara")
        if size_code >= len(PACKET_SIZES):
            raise ProtocolError(f"ReadSysPara: packet size code {size_code} is not 0..3")
        return cls(status, system_id, capacity, level, address, PACKET_SIZES[size_code], baud_n * 9600)
