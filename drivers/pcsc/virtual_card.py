"""An eMRTD chip that answers APDUs: the eMRTD application with EF.COM and EF.DG1, guarded by
BAC and secure messaging, with a fault plan for tests and demos.

Card state: the document in the field (or none), whether the eMRTD application is selected, the
last challenge, the secure-messaging session and the selected file. Before BAC the files are
refused (6982); after it every command must be protected, and a plain or badly authenticated one
ends the session (6987/6988), as ICAO 9303 part 11 requires. No EF.SOD: passive authentication
cannot be exercised against this card. The transport (drivers/pcsc/vpcd_link.py) calls
`answer`; tests, the CLI and diagnostics call `handle_control`.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from typing import Any

from drivers.base import ChecksumError, ProtocolError
from drivers.emulation.control import ControlError
from drivers.pcsc import apdu, bac, lds, mrz
from drivers.pcsc.demo_documents import DEFAULT_DOCUMENT, demo_mrz
from drivers.pcsc.model import ChipDocument
from drivers.pcsc.secure_messaging import SecureMessaging


def _atr(historical: bytes) -> bytes:
    """TS, T0 (TD1 follows, K historical bytes), TD1 (T=0, TD2 follows), TD2 (T=1), history, TCK."""
    body = bytes((0x80 | len(historical), 0x80, 0x01)) + historical
    tck = 0
    for byte in body:
        tck ^= byte
    return b"\x3b" + body + bytes((tck,))


ATR = _atr(b"\x80KIOSKMR")

FAULT_KINDS = {
    "card_removed_mid_read": "the document leaves the field at the first protected READ BINARY",
    "bad_mac": "protected answers carry a wrong MAC",
    "wrong_keys": "the chip holds keys of another MRZ: BAC fails",
    "no_answer": "APDUs get no answer (a mute chip; the ATR still comes)",
    "corrupt_response": "protected READ BINARY answers are cut short (malformed TLV)",
    "sw_error": "protected SELECT of a file answers an error status word (default 6A82)",
    "unplugged": "the link to vpcd drops and stays down",
}
SW_AUTH_FAILED = 0x6300


class VirtualCard:
    def __init__(self, zone: str | None = None, *, atr: bytes = ATR):
        self.atr = atr
        self._lock = threading.RLock()
        self._zone: str | None = None
        self._faults: dict[str, Any] = {}  # kind -> its parameter (True when it has none)
        self.counters: Counter[str] = Counter()
        self._reset_session()
        if zone is not None:
            self.insert(zone)

    # --- device state ----------------------------------------------------------------------

    def insert(self, zone: str) -> None:
        document = mrz.parse(zone)  # refuse now what a terminal could not read
        with self._lock:
            self._zone = document.mrz
            self._reset_session()

    def remove(self) -> None:
        with self._lock:
            self._zone = None
            self._reset_session()

    @property
    def present(self) -> bool:
        """The link polls this: a card in the field and the link not pulled."""
        with self._lock:
            return self._zone is not None and "unplugged" not in self._faults

    @property
    def mute(self) -> bool:
        return "no_answer" in self._faults

    def set_fault(self, kind: str, sw: str | None = None) -> None:
        if kind not in FAULT_KINDS:
            raise ControlError(f"unknown fault {kind!r} (known: {', '.join(sorted(FAULT_KINDS))})")
        value: Any = True
        if kind == "sw_error":
            try:
                value = int(sw or "6A82", 16)
            except ValueError:
                raise ControlError(f"sw must be 4 hex digits, got {sw!r}") from None
            if not 0x6000 <= value <= 0x6FFF:
                raise ControlError("sw must be an error status word, 6000 to 6FFF")
        with self._lock:
            self._faults[kind] = value

    def clear_fault(self, kind: str | None = None) -> None:
        with self._lock:
            if kind is None:
                self._faults.clear()
            else:
                self._faults.pop(kind, None)

    def power_cycle(self) -> None:
        """Power off, on or reset: the chip forgets its session."""
        with self._lock:
            self._reset_session()

    def _reset_session(self) -> None:
        self._app_selected = False
        self._challenge: bytes | None = None
        self._sm: SecureMessaging | None = None
        self._file: bytes | None = None

    def _files(self) -> dict[int, bytes]:
        assert self._zone is not None
        return {lds.EF_COM: lds.encode_com(), lds.EF_DG1: lds.encode_dg1(self._zone)}

    def _keys(self) -> bac.Keys:
        assert self._zone is not None
        key = mrz.AccessKey.of(mrz.parse(self._zone))
        if "wrong_keys" in self._faults:  # another document's number: every derived key differs
            key = mrz.AccessKey(key.document_number[::-1] + "X", key.birth, key.expiry)
        return bac.document_keys(key.mrz_information)

    # --- APDUs -----------------------------------------------------------------------------

    def answer(self, raw: bytes) -> bytes | None:
        """The response APDU to `raw`; None when the chip stays silent (mute, or just removed)."""
        with self._lock:
            self.counters["commands"] += 1
            if self._zone is None or self.mute:
                return None
            try:
                command = apdu.parse_command(raw)
            except ProtocolError:
                return self._status(0x6700)
            if self._sm is not None:
                return self._protected(command)
            return self._plain(command).to_bytes()

    def _status(self, sw: int) -> bytes:
        return sw.to_bytes(2, "big")

    def _plain(self, command: apdu.CommandApdu) -> apdu.ResponseApdu:
        if command.cla != 0x00:
            return apdu.ResponseApdu(b"", 0x6E00)
        if command.ins == apdu.INS_SELECT and command.p1 == 0x04:
            if command.data != lds.EMRTD_AID:
                return apdu.ResponseApdu(b"", 0x6A82)
            self._reset_session()
            self._app_selected = True
            return apdu.ResponseApdu(b"", apdu.SW_OK)
        if not self._app_selected:
            return apdu.ResponseApdu(b"", 0x6985)
        if command.ins == apdu.INS_GET_CHALLENGE:
            if command.le != bac.NONCE_SIZE:
                return apdu.ResponseApdu(b"", 0x6700)
            self._challenge = os.urandom(bac.NONCE_SIZE)
            return apdu.ResponseApdu(self._challenge, apdu.SW_OK)
        if command.ins == apdu.INS_MUTUAL_AUTHENTICATE:
            return self._mutual_authenticate(command)
        if command.ins in (apdu.INS_SELECT, apdu.INS_READ_BINARY):
            return apdu.ResponseApdu(b"", 0x6982)  # the files need BAC first
        return apdu.ResponseApdu(b"", 0x6D00)

    def _mutual_authenticate(self, command: apdu.CommandApdu) -> apdu.ResponseApdu:
        challenge, self._challenge = self._challenge, None  # one try per challenge
        if challenge is None:
            return apdu.ResponseApdu(b"", 0x6985)
        try:
            answer, session = bac.card_answer(self._keys(), command.data, challenge, os.urandom(16))
        except ChecksumError:
            self.counters["BAC refused"] += 1
            return apdu.ResponseApdu(b"", SW_AUTH_FAILED)
        except ProtocolError:
            return apdu.ResponseApdu(b"", 0x6A80)
        self._sm = SecureMessaging(session)
        self.counters["BAC done"] += 1
        return apdu.ResponseApdu(answer, apdu.SW_OK)

    def _protected(self, protected: apdu.CommandApdu) -> bytes | None:
        sm = self._sm
        assert sm is not None
        if protected.cla & 0x0C != 0x0C:
            self._reset_session()  # a plain command ends the session (9303-11, 9.8.6)
            return self._status(0x6987)
        try:
            command = sm.unprotect_command(protected)
        except ProtocolError:
            self._reset_session()
            return self._status(0x6988)
        if command.ins == apdu.INS_READ_BINARY and "card_removed_mid_read" in self._faults:
            self._faults.pop("card_removed_mid_read")
            self._zone = None
            self._reset_session()
            return None
        response = self._file_command(command)
        wrapped = sm.protect_response(response).to_bytes()
        if "bad_mac" in self._faults:
            wrapped = wrapped[:-3] + bytes((wrapped[-3] ^ 0x01,)) + wrapped[-2:]
        if "corrupt_response" in self._faults and command.ins == apdu.INS_READ_BINARY:
            wrapped = wrapped[:-2][:-5] + wrapped[-2:]
        return wrapped

    def _file_command(self, command: apdu.CommandApdu) -> apdu.ResponseApdu:
        if command.ins == apdu.INS_SELECT and command.p1 == 0x02:
            if "sw_error" in self._faults:
                return apdu.ResponseApdu(b"", self._faults["sw_error"])
            content = self._files().get(int.from_bytes(command.data, "big")) if len(command.data) == 2 else None
            if content is None:
                return apdu.ResponseApdu(b"", 0x6A82)
            self._file = content
            return apdu.ResponseApdu(b"", apdu.SW_OK)
        if command.ins == apdu.INS_READ_BINARY:
            if command.p1 & 0x80:
                return apdu.ResponseApdu(b"", 0x6A86)  # short file identifiers: not offered
            if self._file is None:
                return apdu.ResponseApdu(b"", 0x6986)
            offset = (command.p1 << 8) | command.p2
            if offset > len(self._file):
                return apdu.ResponseApdu(b"", 0x6B00)
            data = self._file[offset:offset + (command.le or 256)]
            self.counters["bytes read"] += len(data)
            return apdu.ResponseApdu(data, apdu.SW_OK if len(data) == (command.le or 256) else 0x6282)
        return apdu.ResponseApdu(b"", 0x6D00)

    # --- control ---------------------------------------------------------------------------

    def handle_control(self, command: dict[str, Any]) -> dict[str, Any]:
        op = command.get("op")
        if op == "status":
            return self.describe()
        if op == "insert_card":
            self.insert(_zone_from(command))
            return self.describe()
        if op == "remove_card":
            self.remove()
            return self.describe()
        if op == "fault":
            self.set_fault(str(command.get("kind")), command.get("sw"))
            return self.describe()
        if op == "clear_fault":
            kind = command.get("kind")
            self.clear_fault(None if kind is None else str(kind))
            return self.describe()
        raise ControlError(f"unknown op {op!r} (known: status, insert_card, remove_card, fault, clear_fault)")

    def describe(self) -> dict[str, Any]:
        with self._lock:
            document = None if self._zone is None else mrz.parse(self._zone).masked()
            return {
                "device_class": "chipdoc",
                "document": document,
                "present": self.present,
                "bac_session": self._sm is not None,
                "faults": {kind: (f"{value:04X}" if kind == "sw_error" else True)
                           for kind, value in self._faults.items()},
                "counters": dict(self.counters),
            }


def _zone_from(command: dict[str, Any]) -> str:
    """insert_card takes {"document": {fields}}, {"mrz": "..."} or {"demo": "name"}."""
    try:
        if "document" in command:
            return mrz.build_td1(ChipDocument.from_json(command["document"]))
        if "mrz" in command:
            if not isinstance(command["mrz"], str):
                raise ValueError("mrz must be a string")
            mrz.parse(command["mrz"])
            return command["mrz"]
        return demo_mrz(str(command.get("demo", DEFAULT_DOCUMENT)))
    except (ValueError, ProtocolError) as exc:
        raise ControlError(f"bad document: {exc}") from None
