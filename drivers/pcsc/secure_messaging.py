"""Secure messaging after BAC (ICAO 9303 part 11, section 9.8), without I/O.

A protected command carries its data encrypted in DO'87', its Le in DO'97' and a retail MAC in
DO'8E' over the send-sequence counter, the masked header and those objects; a protected answer
carries DO'87', its status word in DO'99' and DO'8E'. Each command and each answer advance the
counter, so a replayed or dropped message fails the next MAC. The same object serves the
terminal (protect commands, unprotect answers) and the card (the other way round).
"""

from __future__ import annotations

from drivers.base import ChecksumError, ProtocolError
from drivers.pcsc import apdu
from drivers.pcsc.bac import BLOCK, Session, decrypt, encrypt, mac_matches, pad, retail_mac, unpad

SM_CLA = 0x0C  # bits saying "secure messaging, header authenticated"
DO_DATA, DO_LE, DO_STATUS, DO_MAC = 0x87, 0x97, 0x99, 0x8E
_SSC_MODULUS = 1 << 64


class SecureMessaging:
    def __init__(self, session: Session):
        self._enc = session.keys.enc
        self._mac = session.keys.mac
        self.ssc = session.ssc

    def __repr__(self) -> str:
        return "SecureMessaging(<hidden>)"

    def _next_ssc(self) -> bytes:
        self.ssc = (self.ssc + 1) % _SSC_MODULUS
        return self.ssc.to_bytes(BLOCK, "big")

    def _data_object(self, data: bytes) -> bytes:
        return apdu.tlv(DO_DATA, b"\x01" + encrypt(self._enc, pad(data))) if data else b""

    def _open_data(self, value: bytes) -> bytes:
        if not value or value[0] != 0x01:
            raise ProtocolError("secure messaging: DO'87' lacks its padding indicator")
        return unpad(decrypt(self._enc, value[1:]))

    # --- terminal side ---------------------------------------------------------------------

    def protect_command(self, command: apdu.CommandApdu) -> apdu.CommandApdu:
        header = bytes((command.cla | SM_CLA, command.ins, command.p1, command.p2))
        body = self._data_object(command.data)
        if command.le is not None:
            body += apdu.tlv(DO_LE, bytes((command.le & 0xFF,)))
        mac = retail_mac(self._mac, pad(self._next_ssc() + pad(header) + body))
        return apdu.CommandApdu(*header, body + apdu.tlv(DO_MAC, mac), le=256)

    def unprotect_response(self, response: apdu.ResponseApdu) -> apdu.ResponseApdu:
        """The plain answer. A card that refuses a command outright may answer a bare status
        word; that comes back as it is, for the caller to map."""
        ssc = self._next_ssc()
        if not response.data:
            if response.sw == apdu.SW_OK:
                raise ProtocolError("secure messaging: the answer carries no protected data")
            return response
        objects = _split(response.data, (DO_DATA, DO_STATUS, DO_MAC))
        if DO_MAC not in objects or DO_STATUS not in objects:
            raise ProtocolError("secure messaging: the answer lacks its status or MAC object")
        covered = objects.get(DO_DATA, (b"", b""))[0] + objects[DO_STATUS][0]
        if not mac_matches(self._mac, pad(ssc + covered), objects[DO_MAC][1]):
            raise ChecksumError("secure messaging: the card's MAC does not verify")
        status = objects[DO_STATUS][1]
        if len(status) != 2:
            raise ProtocolError(f"secure messaging: status object of {len(status)} bytes")
        data = self._open_data(objects[DO_DATA][1]) if DO_DATA in objects else b""
        return apdu.ResponseApdu(data, int.from_bytes(status, "big"))

    # --- card side -------------------------------------------------------------------------

    def unprotect_command(self, command: apdu.CommandApdu) -> apdu.CommandApdu:
        ssc = self._next_ssc()
        if command.cla & SM_CLA != SM_CLA:
            raise ProtocolError("secure messaging: a plain command inside the session")
        objects = _split(command.data, (DO_DATA, DO_LE, DO_MAC))
        if DO_MAC not in objects:
            raise ProtocolError("secure messaging: the command lacks its MAC object")
        covered = b"".join(objects[tag][0] for tag in (DO_DATA, DO_LE) if tag in objects)
        if not mac_matches(self._mac, pad(ssc + pad(command.header) + covered), objects[DO_MAC][1]):
            raise ChecksumError("secure messaging: the terminal's MAC does not verify")
        le = None
        if DO_LE in objects:
            if len(objects[DO_LE][1]) != 1:
                raise ProtocolError("secure messaging: Le object is not one byte")
            le = objects[DO_LE][1][0] or 256
        data = self._open_data(objects[DO_DATA][1]) if DO_DATA in objects else b""
        return apdu.CommandApdu(command.cla & ~SM_CLA & 0xFF, command.ins, command.p1, command.p2, data, le)

    def protect_response(self, response: apdu.ResponseApdu) -> apdu.ResponseApdu:
        body = self._data_object(response.data) + apdu.tlv(DO_STATUS, response.sw.to_bytes(2, "big"))
        mac = retail_mac(self._mac, pad(self._next_ssc() + body))
        return apdu.ResponseApdu(body + apdu.tlv(DO_MAC, mac), response.sw)


def _split(data: bytes, allowed: tuple[int, ...]) -> dict[int, tuple[bytes, bytes]]:
    """The data objects of a protected message: tag -> (the object as sent, its value). The raw
    bytes go into the MAC, so a length encoded unusually is covered as the peer sent it."""
    objects: dict[int, tuple[bytes, bytes]] = {}
    offset = 0
    while offset < len(data):
        tag, value, end = apdu.read_tlv(data, offset)
        if tag not in allowed:
            raise ProtocolError(f"secure messaging: unexpected data object {tag:02X}")
        if tag in objects:
            raise ProtocolError(f"secure messaging: data object {tag:02X} twice")
        objects[tag] = (bytes(data[offset:end]), value)
        offset = end
    return objects
