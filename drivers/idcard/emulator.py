"""A GA 467 reader with its SAM, as bytes in and bytes out.

Device state: the card on the reader (or none), whether that card is still "fresh" (a read card
reports find-failure until it is lifted and placed again), whether it has been selected, and the
SAM's id. A fault plan bends the answers for tests and demos. Transports (see
drivers/emulation/pty.py) call `feed`; tests, the CLI and diagnostics call `handle_control`.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from typing import Any

from drivers.base import ProtocolError
from drivers.emulation.control import ControlError
from drivers.emulation.faults import FaultPlan
from drivers.idcard import ga467_codec as codec
from drivers.idcard.model import IdCard

DEFAULT_SAM_ID = "05.01-20230915-0000012345-1234567890"

FAULT_KINDS = {
    "no_card": "find/select/read answer 'no card'",
    "bad_checksum": "answers carry a wrong checksum",
    "truncated": "answers stop half way",
    "garbage_prefix": "stray bytes precede each answer",
    "no_answer": "requests get no answer",
    "sam_failure": "every command answers SAM self-test failed",
    "read_failed": "reads fail as if the card were lifted mid-read",
    "unplugged": "the reader disappears from its port (sticky until cleared)",
}
# Stray bytes sent before an answer for `garbage_prefix`: no preamble inside, one near miss.
GARBAGE = b"\x00\xff\xaa\xaa\x96\x13\x37"


def demo_photo(card: IdCard) -> bytes:
    """A stand-in photo block: 1024 bytes derived from the card, so a test can check it arrives
    intact. Real cards carry vendor WLT that only a licensed decoder renders; this is not WLT."""
    seed = hashlib.sha256(card.id_number.encode()).digest()
    return (seed * (codec.PHOTO_SIZE // len(seed) + 1))[: codec.PHOTO_SIZE]


def photo_block(card: IdCard) -> bytes:
    """What the emulated card answers as its photo: the card's own block (a stand-in portrait
    for demo cards with a face) or bytes derived from it."""
    return card.photo or demo_photo(card)


def demo_fingerprint(card: IdCard, fingers: int) -> bytes:
    seed = hashlib.sha256(b"fp:" + card.id_number.encode()).digest()
    size = codec.FINGERPRINT_SIZE * fingers
    return (seed * (size // len(seed) + 1))[:size]


class Ga467Emulator:
    def __init__(self, card: IdCard | None = None, *, sam_id: str = DEFAULT_SAM_ID, fingers: int = 2):
        self._lock = threading.RLock()
        self._parser = codec.FrameParser()
        self._sam_id = codec.encode_sam_id(sam_id)
        self._card: IdCard | None = None
        self._fingers = 0
        self._fresh = False  # placed and not yet read: find-card succeeds
        self._selected = False
        self._new_address: str | None = None
        self._faults = FaultPlan(FAULT_KINDS)
        self.counters: Counter[str] = Counter()
        if card is not None:
            self.place_card(card, fingers=fingers)

    # --- device state ----------------------------------------------------------------------

    def place_card(self, card: IdCard, *, fingers: int = 2, new_address: str | None = None) -> None:
        if fingers not in (0, 1, 2):
            raise ValueError("a card holds 0, 1 or 2 fingerprints")
        if new_address is not None:
            codec.encode_ucs2(new_address, codec.NEW_ADDRESS_SIZE, "appended address")
        codec.card_text_block(card)  # refuse now what could not be put on a card
        with self._lock:
            self._card, self._fingers, self._new_address = card, fingers, new_address
            self._fresh, self._selected = True, False

    def remove_card(self) -> None:
        with self._lock:
            self._card, self._fresh, self._selected = None, False, False

    def present_card(self) -> None:
        """The citizen lifts the card and places it again: it can be found once more."""
        with self._lock:
            if self._card is None:
                raise ControlError("no card loaded to present")
            self._fresh, self._selected = True, False

    def set_fault(self, kind: str, times: int | None = None) -> None:
        with self._lock:
            self._faults.set(kind, times)

    def clear_fault(self, kind: str | None = None) -> None:
        with self._lock:
            self._faults.clear(kind)

    @property
    def unplugged(self) -> bool:
        """Transports poll this: while true the reader is gone from its port."""
        return self._faults.active("unplugged")

    # --- bytes in, bytes out ---------------------------------------------------------------

    def feed(self, data: bytes) -> bytes:
        """Take request bytes as they arrive; return the bytes the reader sends back."""
        with self._lock:
            if self.unplugged:
                return b""
            out = bytearray()
            while True:
                try:
                    frames = self._parser.feed(data)
                except ProtocolError as exc:
                    # the reader answers a frame it cannot take with the matching status
                    sw3 = codec.SW3_CHECKSUM if exc.kind == "checksum_error" else codec.SW3_LENGTH
                    out += self._deliver(codec.build_response(sw3))
                    data = b""
                    continue
                for frame in frames:
                    out += self._deliver(self._answer(frame))
                return bytes(out)

    def _answer(self, frame: codec.Frame) -> bytes:
        command = codec.COMMANDS.get((frame.cmd, frame.para))
        self.counters["requests"] += 1
        if command is None:
            return codec.build_response(codec.SW3_COMMAND)
        self.counters[command.name] += 1
        if self._take_fault("sam_failure"):
            return codec.build_response(codec.SW3_SAM_SELF_TEST)
        if command in (codec.RESET_SAM, codec.SAM_STATUS):
            return codec.build_response(codec.SW3_OK)
        if command is codec.READ_SAM_ID:
            return codec.build_response(codec.SW3_OK, self._sam_id)
        if self._card is None or self._take_fault("no_card"):
            return codec.build_response({codec.FIND_CARD: codec.SW3_NO_CARD,
                                         codec.SELECT_CARD: codec.SW3_SELECT_FAILED}
                                        .get(command, codec.SW3_READ_FAILED))
        if command is codec.FIND_CARD:
            return codec.build_response(codec.SW3_FOUND, bytes(4)) if self._fresh \
                else codec.build_response(codec.SW3_NO_CARD)
        if command is codec.SELECT_CARD:
            self._selected = True
            return codec.build_response(codec.SW3_OK, bytes(8))
        if not self._selected:
            return codec.build_response(codec.SW3_READ_FAILED)
        if self._take_fault("read_failed"):
            self._selected = False  # the card left the field: find and select again
            return codec.build_response(codec.SW3_READ_FAILED)
        if command is codec.READ_NEW_ADDRESS:
            if not self._new_address:
                return codec.build_response(codec.SW3_NO_CONTENT)
            return codec.build_response(
                codec.SW3_OK, codec.encode_ucs2(self._new_address, codec.NEW_ADDRESS_SIZE, "appended address"))
        card = self._card
        text, photo = codec.card_text_block(card), photo_block(card)
        fingerprint = None
        if command is codec.READ_TEXT_PHOTO_FP:
            fingerprint = card.fingerprint or demo_fingerprint(card, self._fingers)
        self._fresh = False  # read: the reader reports find-failure until it is placed again
        self.counters["cards read"] += 1
        return codec.build_response(codec.SW3_OK, codec.build_read_data(text, photo, fingerprint))

    def _deliver(self, response: bytes) -> bytes:
        """Apply the transport-level faults to one answer."""
        if self._take_fault("no_answer"):
            return b""
        if self._take_fault("bad_checksum"):
            response = response[:-1] + bytes([response[-1] ^ 0xFF])
        if self._take_fault("truncated"):
            response = response[: max(len(codec.PREAMBLE) + 1, len(response) // 2)]
        if self._take_fault("garbage_prefix"):
            response = GARBAGE + response
        self.counters["responses"] += 1
        return response

    def _take_fault(self, kind: str) -> bool:
        return self._faults.take(kind)

    # --- control ---------------------------------------------------------------------------

    def handle_control(self, command: dict[str, Any]) -> dict[str, Any]:
        op = command.get("op")
        if op == "status":
            return self.describe()
        if op == "load_card":
            try:
                card = IdCard.from_json(command.get("card"))
                self.place_card(card, fingers=command.get("fingers", 2), new_address=command.get("new_address"))
            except ValueError as exc:
                raise ControlError(f"bad card: {exc}") from None
            return self.describe()
        if op == "remove_card":
            self.remove_card()
            return self.describe()
        if op == "present_card":
            self.present_card()
            return self.describe()
        if op == "fault":
            self.set_fault(str(command.get("kind")), command.get("times"))
            return self.describe()
        if op == "clear_fault":
            kind = command.get("kind")
            self.clear_fault(None if kind is None else str(kind))
            return self.describe()
        known = "status, load_card, remove_card, present_card, fault, clear_fault"
        raise ControlError(f"unknown op {op!r} (known: {known})")

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {
                "device_class": "idcard",
                "card": None if self._card is None else self._card.masked_id,
                "card_fresh": self._fresh,
                "card_selected": self._selected,
                "sam_id": codec.decode_sam_id(self._sam_id),
                "faults": self._faults.describe(),
                "counters": dict(self.counters),
            }
