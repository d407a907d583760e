"""An AS608 fingerprint module, as bytes in and bytes out.

Device state: the finger on the sensor (a demo finger's name, or none), the last image taken,
the two character buffers, the template library (pages), and whether the password was given.
Matching compares the template bytes the module holds (demo_fingers.similarity), never names.
A fault plan bends the answers for tests and demos. Transports (drivers/emulation/pty.py) call
`feed`; tests, the CLI and diagnostics call `handle_control`.
"""

from __future__ import annotations

import struct
import threading
from collections import Counter
from typing import Any

from drivers.base import ProtocolError
from drivers.emulation.control import ControlError
from drivers.emulation.faults import FaultPlan
from drivers.fingerprint import as608_codec as codec
from drivers.fingerprint import demo_fingers

FAULT_KINDS = {
    "no_finger": "the sensor sees no finger even when one is placed",
    "wet_finger": "feature extraction answers 'image too messy'",
    "dry_finger": "feature extraction answers 'too few features'",
    "mismatch": "the placed finger reads as someone else's (it never matches)",
    "bad_checksum": "answers carry a wrong checksum",
    "corrupt_packet": "answers carry an impossible packet id",
    "garbage_prefix": "stray bytes precede each answer",
    "truncated": "answers stop half way",
    "no_answer": "commands get no answer",
    "wrong_address": "answers come from another module address",
    "unplugged": "the module disappears from its port (sticky until cleared)",
}
# Stray bytes sent before an answer for `garbage_prefix`: a lone start byte and a near miss.
GARBAGE = b"\x00\xef\xff\xef\x02\x55"
OTHER_ADDRESS = 0x12345678


class As608Emulator:
    def __init__(self, finger: str | None = None, *, address: int = codec.DEFAULT_ADDRESS,
                 password: int = 0, capacity: int = 300, packet_size: int = 128):
        self._lock = threading.RLock()
        self.address = address
        self.password = password
        self.sys_para = codec.SysPara(capacity=capacity, address=address, packet_size=packet_size)
        self._parser = codec.PacketParser(address)
        self._finger: str | None = None
        self._image: bytes | None = None  # the template the last image would give
        self._buffers: dict[int, bytes | None] = {1: None, 2: None}
        self._library: dict[int, bytes] = {}
        self._download: tuple[int, codec.DataTransfer] | None = None  # DownChar in progress
        self._presses = 0
        self._verified = password == 0
        self._faults = FaultPlan(FAULT_KINDS)
        self.counters: Counter[str] = Counter()
        if finger is not None:
            self.place_finger(finger)

    # --- device state ----------------------------------------------------------------------

    def place_finger(self, name: str) -> None:
        _demo_finger(name)
        with self._lock:
            self._finger = name

    def lift_finger(self) -> None:
        with self._lock:
            self._finger = None

    def enroll(self, name: str, page: int) -> None:
        """Put a press of demo finger `name` straight into library `page`."""
        _demo_finger(name)
        if not 0 <= page < self.sys_para.capacity:
            raise ControlError(f"page must be 0..{self.sys_para.capacity - 1}")
        with self._lock:
            self._presses += 1
            self._library[page] = demo_fingers.press(name, self._presses)

    def set_fault(self, kind: str, times: int | None = None) -> None:
        with self._lock:
            self._faults.set(kind, times)
            if kind == "unplugged":
                self._verified = self.password == 0  # power is gone: the password must be given again

    def clear_fault(self, kind: str | None = None) -> None:
        with self._lock:
            self._faults.clear(kind)

    @property
    def unplugged(self) -> bool:
        """Transports poll this: while true the module is gone from its port."""
        return self._faults.active("unplugged")

    # --- bytes in, bytes out ---------------------------------------------------------------

    def feed(self, data: bytes) -> bytes:
        """Take bytes from the host as they arrive; return the bytes the module sends back."""
        with self._lock:
            if self.unplugged:
                return b""
            out = bytearray()
            while True:
                try:
                    packets = self._parser.feed(data)
                except codec.WrongAddress:
                    data = b""  # not for this module: a real one stays silent
                    continue
                except ProtocolError:
                    self._abort_download()
                    out += self._deliver(codec.build_ack(codec.PACKET_RECEIVE_ERROR, address=self.address))
                    data = b""
                    continue
                for packet in packets:
                    out += self._deliver(self._answer(packet))
                return bytes(out)

    def _answer(self, packet: codec.Packet) -> bytes:
        if packet.packet_id in (codec.DATA, codec.END):
            return self._receive_data(packet)
        self._abort_download()  # a command ends any download still in progress
        if packet.packet_id != codec.COMMAND:
            return self._ack(codec.PACKET_RECEIVE_ERROR)
        self.counters["commands"] += 1
        instruction = codec.INSTRUCTIONS.get(packet.instruction)
        if instruction is None:
            return self._ack(codec.PACKET_RECEIVE_ERROR)
        self.counters[instruction.name] += 1
        if instruction is codec.VERIFY_PASSWORD:
            return self._verify_password(packet.params)
        if not self._verified:
            return self._ack(codec.WRONG_PASSWORD)
        try:
            return getattr(self, "_do_" + instruction.name)(packet.params)
        except (struct.error, IndexError, KeyError):
            return self._ack(codec.PACKET_RECEIVE_ERROR)  # parameters of the wrong size

    def _ack(self, code: int, data: bytes = b"") -> bytes:
        return codec.build_ack(code, data, self.address)

    def _verify_password(self, params: bytes) -> bytes:
        (given,) = struct.unpack(">I", params) if len(params) == 4 else (None,)
        self._verified = given == self.password
        return self._ack(codec.OK if self._verified else codec.WRONG_PASSWORD)

    def _do_GenImg(self, params: bytes) -> bytes:
        if self._finger is None or self._take_fault("no_finger"):
            return self._ack(codec.NO_FINGER)
        self._presses += 1
        finger = self._finger
        if self._take_fault("mismatch"):
            finger = _impostor(finger)
        self._image = demo_fingers.press(finger, self._presses)
        return self._ack(codec.OK)

    def _do_Img2Tz(self, params: bytes) -> bytes:
        buffer = _buffer(params[0])
        if self._image is None:
            return self._ack(codec.NO_VALID_IMAGE)
        if self._take_fault("wet_finger"):
            return self._ack(codec.TOO_MESSY)
        if self._take_fault("dry_finger"):
            return self._ack(codec.TOO_FEW_FEATURES)
        self._buffers[buffer] = self._image
        return self._ack(codec.OK)

    def _do_Match(self, params: bytes) -> bytes:
        a, b = self._buffers[1], self._buffers[2]
        score = 0 if a is None or b is None else demo_fingers.similarity(a, b)
        if score < demo_fingers.MATCH_THRESHOLD:
            return self._ack(codec.NO_MATCH, struct.pack(">H", 0))
        return self._ack(codec.OK, struct.pack(">H", score))

    def _do_Search(self, params: bytes) -> bytes:
        buffer, start, count = struct.unpack(">BHH", params)
        template = self._buffers[_buffer(buffer)]
        scores = [(demo_fingers.similarity(template, stored), page) for page, stored in self._library.items()
                  if start <= page < start + count] if template is not None else []
        score, page = max(scores, default=(0, 0))
        if score < demo_fingers.MATCH_THRESHOLD:
            return self._ack(codec.NOT_FOUND, struct.pack(">HH", 0, 0))
        return self._ack(codec.OK, struct.pack(">HH", page, score))

    def _do_RegModel(self, params: bytes) -> bytes:
        a, b = self._buffers[1], self._buffers[2]
        if a is None or b is None or demo_fingers.similarity(a, b) < demo_fingers.MATCH_THRESHOLD:
            return self._ack(codec.ENROLL_MISMATCH)
        self._buffers[2] = a  # the model lands in both buffers
        return self._ack(codec.OK)

    def _do_Store(self, params: bytes) -> bytes:
        buffer, page = struct.unpack(">BH", params)
        template = self._buffers[_buffer(buffer)]
        if page >= self.sys_para.capacity:
            return self._ack(codec.BAD_LOCATION)
        if template is None:
            return self._ack(codec.TEMPLATE_READ_ERROR)
        self._library[page] = template
        return self._ack(codec.OK)

    def _do_LoadChar(self, params: bytes) -> bytes:
        buffer, page = struct.unpack(">BH", params)
        if page >= self.sys_para.capacity:
            return self._ack(codec.BAD_LOCATION)
        if page not in self._library:
            return self._ack(codec.TEMPLATE_READ_ERROR)
        self._buffers[_buffer(buffer)] = self._library[page]
        return self._ack(codec.OK)

    def _do_UpChar(self, params: bytes) -> bytes:
        template = self._buffers[_buffer(params[0])]
        if template is None:
            return self._ack(codec.UPLOAD_FEATURE_FAILED)
        return self._ack(codec.OK) + codec.build_data(template, self.sys_para.packet_size, self.address)

    def _do_DownChar(self, params: bytes) -> bytes:
        self._download = (_buffer(params[0]), codec.DataTransfer(codec.TEMPLATE_SIZE))
        return self._ack(codec.OK)

    def _receive_data(self, packet: codec.Packet) -> bytes:
        """Data packets after DownChar; the module answers none of them (AS608 behaviour)."""
        if self._download is None:
            return b""  # nobody asked for data: ignored
        buffer, transfer = self._download
        try:
            if transfer.add(packet):
                self._buffers[buffer] = transfer.take()
                self._download = None
                self.counters["templates received"] += 1
        except ProtocolError:
            self._abort_download()
            return self._ack(codec.CANNOT_RECEIVE)
        return b""

    def _abort_download(self) -> None:
        """A template that did not arrive whole leaves its buffer empty, so a Match that follows
        fails instead of comparing what the buffer held before."""
        if self._download is not None:
            self._buffers[self._download[0]] = None
            self._download = None

    def _do_Delete(self, params: bytes) -> bytes:
        page, count = struct.unpack(">HH", params)
        if count == 0 or page + count > self.sys_para.capacity:
            return self._ack(codec.DELETE_FAILED)
        for each in range(page, page + count):
            self._library.pop(each, None)
        return self._ack(codec.OK)

    def _do_Empty(self, params: bytes) -> bytes:
        self._library.clear()
        return self._ack(codec.OK)

    def _do_ReadSysPara(self, params: bytes) -> bytes:
        return self._ack(codec.OK, self.sys_para.encode())

    def _do_TemplateCount(self, params: bytes) -> bytes:
        return self._ack(codec.OK, struct.pack(">H", len(self._library)))

    def _deliver(self, answer: bytes) -> bytes:
        """Apply the transport-level faults to one answer (its first packet)."""
        if not answer or self._take_fault("no_answer"):
            return b""
        if self._take_fault("wrong_address"):
            answer = _readdress(answer)
        if self._take_fault("bad_checksum"):
            answer = _flip_checksum(answer)
        if self._take_fault("corrupt_packet"):
            answer = answer[:6] + b"\x0f" + answer[7:]
        if self._take_fault("truncated"):
            answer = answer[: max(codec.HEADER_SIZE, len(answer) // 2)]
        if self._take_fault("garbage_prefix"):
            answer = GARBAGE + answer
        self.counters["answers"] += 1
        return answer

    def _take_fault(self, kind: str) -> bool:
        return self._faults.take(kind)

    # --- control ---------------------------------------------------------------------------

    def handle_control(self, command: dict[str, Any]) -> dict[str, Any]:
        op = command.get("op")
        if op == "status":
            return self.describe()
        if op == "place_finger":
            self.place_finger(str(command.get("finger")))
            return self.describe()
        if op == "lift_finger":
            self.lift_finger()
            return self.describe()
        if op == "enroll":
            page = command.get("page")
            if not isinstance(page, int) or isinstance(page, bool):
                raise ControlError("enroll needs an integer page")
            self.enroll(str(command.get("finger")), page)
            return self.describe()
        if op == "list":
            return {"pages": self.pages(), "fingers": list(demo_fingers.DEMO_FINGERS)}
        if op == "fault":
            self.set_fault(str(command.get("kind")), command.get("times"))
            return self.describe()
        if op == "clear_fault":
            kind = command.get("kind")
            self.clear_fault(None if kind is None else str(kind))
            return self.describe()
        known = "status, place_finger, lift_finger, enroll, list, fault, clear_fault"
        raise ControlError(f"unknown op {op!r} (known: {known})")

    def pages(self) -> dict[str, str | None]:
        """Library pages and whose finger each holds (decided from the bytes stored)."""
        with self._lock:
            return {str(page): demo_fingers.identify(template) for page, template in sorted(self._library.items())}

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {
                "device_class": "fingerprint",
                "finger": self._finger,
                "templates": len(self._library),
                "capacity": self.sys_para.capacity,
                "faults": self._faults.describe(),
                "counters": dict(self.counters),
            }


def _buffer(number: int) -> int:
    if number not in (1, 2):
        raise KeyError(number)
    return number


def _demo_finger(name: str) -> str:
    try:
        return demo_fingers.check_finger(name)
    except ValueError as exc:
        raise ControlError(str(exc)) from None


def _impostor(finger: str) -> str:
    """Another demo finger: what the sensor reads under the `mismatch` fault."""
    names = demo_fingers.DEMO_FINGERS
    return names[(names.index(finger) + 1) % len(names)]


def _flip_checksum(answer: bytes) -> bytes:
    """Damage the first packet's checksum."""
    length = struct.unpack_from(">H", answer, codec.HEADER_SIZE - 2)[0]
    at = codec.HEADER_SIZE + length - 1
    return answer[:at] + bytes([answer[at] ^ 0xFF]) + answer[at + 1:]


def _readdress(answer: bytes) -> bytes:
    """Every packet of the answer as if sent by another module."""
    parser = codec.PacketParser(codec.DEFAULT_ADDRESS)
    parser.address = struct.unpack_from(">I", answer, 2)[0]
    return b"".join(codec.build_packet(p.packet_id, p.payload, OTHER_ADDRESS) for p in parser.feed(answer))
