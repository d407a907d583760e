"""The vpcd wire protocol (vsmartcard's virtual reader in pcscd), without I/O.

vpcd and a virtual card exchange messages with a 2-byte big-endian length prefix. One-byte
messages are control: power off, power on, reset, and "get ATR", the only one answered (with
the ATR). Longer messages are command APDUs, answered with a response APDU.
"""

from __future__ import annotations

from drivers.base import ProtocolError

POWER_OFF, POWER_ON, RESET, GET_ATR = 0, 1, 2, 4
CONTROLS = {POWER_OFF: "power off", POWER_ON: "power on", RESET: "reset", GET_ATR: "get ATR"}
MAX_MESSAGE = 0xFFFF


def frame(payload: bytes) -> bytes:
    if not payload or len(payload) > MAX_MESSAGE:
        raise ProtocolError(f"vpcd: cannot frame a message of {len(payload)} bytes")
    return len(payload).to_bytes(2, "big") + payload


class Parser:
    """Incremental: feed bytes as they arrive, get whole messages."""

    def __init__(self):
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        messages = []
        while len(self._buffer) >= 2:
            size = int.from_bytes(self._buffer[:2], "big")
            if size == 0:
                del self._buffer[:2]
                raise ProtocolError("vpcd: empty message")
            if len(self._buffer) < 2 + size:
                break
            messages.append(bytes(self._buffer[2:2 + size]))
            del self._buffer[:2 + size]
        return messages

    def clear(self) -> None:
        self._buffer.clear()
