"""A CRT-591-style card dispenser, as bytes in and out, with a real model of every card.

Each card has an id ("card-1", …) and one place: a slot, the read position, the mouth, taken
by the citizen, or the reject bin. Motion commands move it; `{"op": "take"}` is the citizen
taking the card at the mouth. A card never leaves twice: tests assert `describe()["taken"]`.
Commands are done when they arrive (answered ACK); ENQ hands over the answer, again on each
ENQ, never doing the command twice. Faults come from a FaultPlan.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any, Callable

from drivers.dispenser import crt591_codec as codec
from drivers.emulation.control import ControlError
from drivers.emulation.faults import FaultPlan

FAULT_KINDS = {
    "jam": "the next motion jams the card in the channel (until cleared)",
    "empty": "every slot reads as empty",
    "not_taken": "the citizen never takes the card at the mouth",
    "bin_full": "the reject bin reports full",
    "no_answer": "the dispenser answers nothing (no ACK, no answer)",
    "garbage": "answers arrive as line noise",
    "unplugged": "the dispenser disappears from its port (sticky until cleared)",
}
GARBAGE = b"\xf2\x00\x00\x07\x50\x31\x30\x30\x9c\xff\x03\x11\x8e"  # a frame with a broken body
LOW_MARK = 3  # a slot with this many cards or fewer reads "low"
BIN_CAPACITY = 50


class DispenserEmulator:
    def __init__(self, *, slots: int = 1, cards: int = 10, address: int = 0, bin_capacity: int = BIN_CAPACITY):
        if slots < 1 or cards < 0:
            raise ValueError("a dispenser has at least one slot, and no negative cards")
        self.address = address
        self.bin_capacity = bin_capacity
        self._lock = threading.RLock()
        self._parser = codec.FrameParser()
        self._faults = FaultPlan(FAULT_KINDS)
        self._next_id = 1
        self.slots: list[list[str]] = [[] for _ in range(slots)]
        self.channel: tuple[str, str] | None = None  # (card id, "read" | "mouth")
        self.taken: list[str] = []
        self.bin: list[str] = []
        self.jammed = False
        self._answer = b""  # what ENQ hands over
        self.counters: Counter[str] = Counter()
        # Called with the channel ((card id, "read" | "mouth") or None) whenever a card moves in
        # it: the demo puts the card under the ID-card reader emulator at the read position.
        self.on_channel: Callable[[tuple[str, str] | None], None] | None = None
        for _ in range(cards):
            self.load(0)

    # --- the card model --------------------------------------------------------------------

    def load(self, slot: int, count: int = 1) -> list[str]:
        with self._lock:
            self._check_slot(slot)
            ids = [f"card-{self._next_id + i}" for i in range(count)]
            self._next_id += count
            self.slots[slot].extend(ids)
            return ids

    def take(self) -> bool:
        """The citizen takes the card at the mouth; False if there is none or they do not."""
        with self._lock:
            if self.channel is None or self.channel[1] != "mouth" or self._faults.active("not_taken"):
                return False
            card, _ = self.channel
            if card in self.taken:  # cannot happen; the model guarding itself
                raise AssertionError(f"{card} taken twice")
            self.taken.append(card)
            self.channel = None
        self._moved()
        return True

    def _check_slot(self, slot: int) -> None:
        if not isinstance(slot, int) or not 0 <= slot < len(self.slots):
            raise ControlError(f"no slot {slot!r} (slots 0..{len(self.slots) - 1})")

    # --- faults ----------------------------------------------------------------------------

    def set_fault(self, kind: str, times: int | None = None) -> None:
        with self._lock:
            self._faults.set(kind, times)

    def clear_fault(self, kind: str | None = None) -> None:
        with self._lock:
            self._faults.clear(kind)
            if kind in (None, "jam"):
                self.jammed = False  # the technician cleared the channel

    @property
    def unplugged(self) -> bool:
        return self._faults.active("unplugged")

    # --- the line --------------------------------------------------------------------------

    def _moved(self) -> None:
        if self.on_channel is not None:
            self.on_channel(self.channel)

    def feed(self, data: bytes) -> bytes:
        before = self.channel
        try:
            return self._feed(data)
        finally:
            if self.channel != before:
                self._moved()

    def _feed(self, data: bytes) -> bytes:
        with self._lock:
            if self.unplugged or self._faults.active("no_answer"):
                self._parser.clear()
                self.counters["ignored bytes"] += len(data)
                return b""
            out = bytearray()
            for event in self._parser.feed(data):
                if isinstance(event, codec.Control) and event.byte == codec.ENQ:
                    out += self._answer if not self._faults.take("garbage") else GARBAGE
                elif isinstance(event, codec.Rejected) and event.checksum:
                    out.append(codec.NAK)
                elif isinstance(event, codec.Frame) and event.type == codec.COMMAND:
                    if event.address != self.address:
                        continue  # another unit on the bus
                    self._answer = self._execute(event)
                    out.append(codec.ACK)
            return bytes(out)

    def _execute(self, frame: codec.Frame) -> bytes:
        which = frame.command
        self.counters[codec.COMMAND_NAMES.get(which, "unknown")] += 1
        if which == codec.STATUS:
            if self.jammed:
                return self._fail(which, b"10")
            encoded = self._status().encode()
            return codec.positive(self.address, which, encoded[:3], encoded[3:])
        if which not in (codec.TO_READ, codec.TO_MOUTH, codec.TO_BIN):
            return self._fail(which, b"00")
        if self.jammed:
            return self._fail(which, b"10")
        if which == codec.TO_READ:
            slot = frame.payload[0] if frame.payload else 0
            if slot >= len(self.slots):
                return self._fail(which, b"01")
            if self.channel is not None:
                return self._fail(which, b"02")
            if not self.slots[slot] or self._faults.active("empty"):
                return self._fail(which, b"A0")
            if self._faults.take("jam"):
                self.jammed = True
                self.channel = (self.slots[slot].pop(0), "read")  # stuck on the way
                return self._fail(which, b"10")
            self.channel = (self.slots[slot].pop(0), "read")
        elif which == codec.TO_MOUTH:
            if self.channel is None:
                return self._fail(which, b"02")
            if self._faults.take("jam"):
                self.jammed = True
                return self._fail(which, b"10")
            self.channel = (self.channel[0], "mouth")
        else:
            if self.channel is None:
                return self._fail(which, b"02")
            if len(self.bin) >= self.bin_capacity or self._faults.active("bin_full"):
                return self._fail(which, b"A1")
            if self._faults.take("jam"):
                self.jammed = True
                return self._fail(which, b"10")
            self.bin.append(self.channel[0])
            self.channel = None
        return codec.positive(self.address, which, self._status().encode()[:3])

    def _fail(self, which, code: bytes) -> bytes:
        self.counters[f"E{code.decode()}"] += 1
        return codec.negative(self.address, which, code)

    def _status(self) -> codec.Status:
        empty = self._faults.active("empty")
        levels = tuple("empty" if empty or not cards else "low" if len(cards) <= LOW_MARK else "ok"
                       for cards in self.slots)
        stacker = "ok" if "ok" in levels else "low" if "low" in levels else "empty"
        full = len(self.bin) >= self.bin_capacity or self._faults.active("bin_full")
        return codec.Status("none" if self.channel is None else self.channel[1], stacker,
                            "full" if full else "ok", levels)

    # --- control ---------------------------------------------------------------------------

    def handle_control(self, command: dict[str, Any]) -> dict[str, Any]:
        op = command.get("op")
        if op == "status":
            return self.describe()
        if op == "load":
            slot, count = command.get("slot", 0), command.get("count", 1)
            if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 1000:
                raise ControlError("count must be an integer from 1 to 1000")
            loaded = self.load(slot, count)
            return {**self.describe(), "loaded": loaded}
        if op == "take":
            took = self.take()
            return {**self.describe(), "took": took}
        if op == "fault":
            self.set_fault(str(command.get("kind")), command.get("times"))
            return self.describe()
        if op == "clear_fault":
            kind = command.get("kind")
            self.clear_fault(None if kind is None else str(kind))
            return self.describe()
        raise ControlError(f"unknown op {op!r} (known: status, load, take, fault, clear_fault)")

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {
                "device_class": "dispenser",
                "address": self.address,
                "slots": [list(cards) for cards in self.slots],
                "channel": None if self.channel is None else {"card": self.channel[0], "at": self.channel[1]},
                "taken": list(self.taken),
                "bin": list(self.bin),
                "jammed": self.jammed,
                "faults": self._faults.describe(),
                "counters": dict(self.counters),
            }
