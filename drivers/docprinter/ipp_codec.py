"""IPP/1.1 messages (RFC 8010) without I/O: requests to bytes, response bytes to attributes.

Only what reading a CUPS queue needs: Get-Printer-Attributes and Get-Job-Attributes, the value
types CUPS sends for the attributes asked for, and the tables that turn printer and job states
into words. Collections and other structured values are kept as raw bytes. A response that
stops half way or is malformed raises ProtocolError.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from drivers.base import ProtocolError

VERSION = (2, 0)

GET_JOB_ATTRIBUTES = 0x0009
GET_PRINTER_ATTRIBUTES = 0x000B

# delimiter tags
OPERATION_GROUP, JOB_GROUP, END, PRINTER_GROUP, UNSUPPORTED_GROUP = 0x01, 0x02, 0x03, 0x04, 0x05
# value tags
INTEGER, BOOLEAN, ENUM = 0x21, 0x22, 0x23
TEXT_WITH_LANGUAGE, NAME_WITH_LANGUAGE = 0x35, 0x36
TEXT, NAME, KEYWORD, URI, CHARSET, LANGUAGE, MIME = 0x41, 0x42, 0x44, 0x45, 0x47, 0x48, 0x49
STRING_TAGS = {TEXT, NAME, KEYWORD, URI, 0x46, CHARSET, LANGUAGE, MIME, 0x4A}

STATUS_OK_MAX = 0x00FF  # successful-ok and its variants
STATUS_NOT_FOUND = 0x0406

PRINTER_STATES = {3: "idle", 4: "processing", 5: "stopped"}
JOB_STATES = {3: "pending", 4: "pending-held", 5: "processing", 6: "processing-stopped",
              7: "canceled", 8: "aborted", 9: "completed"}
JOB_FINISHED = {"canceled", "aborted", "completed"}


def encode_request(operation: int, request_id: int, uri: str, *, requested: tuple[str, ...] = (),
                   job_id: int | None = None, user: str = "kiosk") -> bytes:
    """One request with only an operation group: charset, language, printer-uri, and so on."""
    out = bytearray(struct.pack(">BBHI", *VERSION, operation, request_id))
    out.append(OPERATION_GROUP)
    _attribute(out, CHARSET, "attributes-charset", b"utf-8")
    _attribute(out, LANGUAGE, "attributes-natural-language", b"en")
    _attribute(out, URI, "printer-uri", uri.encode())
    if job_id is not None:
        _attribute(out, INTEGER, "job-id", struct.pack(">i", job_id))
    _attribute(out, NAME, "requesting-user-name", user.encode())
    for number, name in enumerate(requested):
        _attribute(out, KEYWORD, "requested-attributes" if number == 0 else "", name.encode())
    out.append(END)
    return bytes(out)


def _attribute(out: bytearray, tag: int, name: str, value: bytes) -> None:
    encoded = name.encode()
    out += struct.pack(">BH", tag, len(encoded)) + encoded + struct.pack(">H", len(value)) + value


@dataclass
class IppResponse:
    status: int
    request_id: int
    groups: list[tuple[int, dict[str, list[Any]]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status <= STATUS_OK_MAX

    def group(self, tag: int) -> dict[str, list[Any]]:
        merged: dict[str, list[Any]] = {}
        for group_tag, attributes in self.groups:
            if group_tag == tag:
                merged.update(attributes)
        return merged

    def first(self, tag: int, name: str, default=None):
        values = self.group(tag).get(name)
        return values[0] if values else default

    @property
    def message(self) -> str:
        return str(self.first(OPERATION_GROUP, "status-message", "") or "")


def decode_response(data: bytes) -> IppResponse:
    if len(data) < 9:
        raise ProtocolError(f"IPP response truncated: {len(data)} bytes")
    _major, _minor, status, request_id = struct.unpack_from(">BBHI", data, 0)
    response = IppResponse(status, request_id)
    pos = 8
    current: dict[str, list[Any]] | None = None
    last_name: str | None = None
    while True:
        if pos >= len(data):
            raise ProtocolError("IPP response ends before end-of-attributes")
        tag = data[pos]
        pos += 1
        if tag == END:
            return response
        if tag < 0x10:  # a new attribute group
            current = {}
            response.groups.append((tag, current))
            last_name = None
            continue
        if current is None:
            raise ProtocolError(f"IPP value tag 0x{tag:02x} outside any attribute group")
        name, pos = _chunk(data, pos)
        value, pos = _chunk(data, pos)
        if name:
            last_name = name.decode("utf-8", "replace")
            current[last_name] = []
        elif last_name is None:
            raise ProtocolError("IPP additional value without an attribute")
        current[last_name].append(_value(tag, value))


def _chunk(data: bytes, pos: int) -> tuple[bytes, int]:
    if pos + 2 > len(data):
        raise ProtocolError("IPP attribute truncated")
    (length,) = struct.unpack_from(">H", data, pos)
    pos += 2
    if pos + length > len(data):
        raise ProtocolError("IPP attribute truncated")
    return data[pos:pos + length], pos + length


def _value(tag: int, raw: bytes) -> Any:
    if tag in (INTEGER, ENUM):
        if len(raw) != 4:
            raise ProtocolError(f"IPP integer of {len(raw)} bytes")
        return struct.unpack(">i", raw)[0]
    if tag == BOOLEAN:
        if len(raw) != 1:
            raise ProtocolError(f"IPP boolean of {len(raw)} bytes")
        return raw != b"\x00"
    if tag in STRING_TAGS:
        return raw.decode("utf-8", "replace")
    if tag in (TEXT_WITH_LANGUAGE, NAME_WITH_LANGUAGE):
        language, rest = _chunk(raw, 0)
        text, _ = _chunk(raw, rest)
        return text.decode("utf-8", "replace")
    if 0x10 <= tag <= 0x1F:  # out of band: unsupported, unknown, no-value
        return None
    return raw
