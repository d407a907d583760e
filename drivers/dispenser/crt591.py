"""CRT-591-style card dispenser on a serial line (pyserial underneath).

URL: `crt591:///dev/ttyUSB2?baudrate=9600&address=0&timeout=3&retries=2`, or
`crt591+socket://host:port?…` for a dispenser behind a serial-to-TCP bridge.

Each operation holds the lock, writes one command, waits for ACK (a NAK means the frame was
damaged on the way: it is sent again, it was not done), then sends ENQ for the answer. A
garbled answer is asked for again with ENQ only, never by resending the command: a motion
command must not run twice, or a second card could come out. Negative answers become typed
errors (crt591_codec.ERRORS): a jam is HardwareFault kind "jam", an empty slot SlotEmpty (a
NoMedia: the device works, the card is not there), a full reject bin BinFull.
"""

from __future__ import annotations

import logging
import time

from drivers.base import (
    Device,
    DeviceError,
    DeviceState,
    DeviceStatus,
    DeviceTimeout,
    NoMedia,
    NotPresent,
    ProtocolError,
)
from drivers.dispenser import crt591_codec as codec
from drivers.registry import DeviceUrl
from drivers.serial_link import PORT_ERRORS as _PORT_ERRORS
from drivers.serial_link import SerialLine, check_options, serial_port

log = logging.getLogger(__name__)

_OPTIONS = {"baudrate", "address", "timeout", "retries"}
TAKEN_POLL = 0.1  # pause between status polls while the card waits at the mouth


class Crt591Dispenser(SerialLine, Device):
    device_class = "dispenser"
    what = "card dispenser"

    def __init__(self, port: str, *, baudrate: int = 9600, address: int = 0, timeout: float = 3.0,
                 retries: int = 2):
        if not 0 <= address <= 0xFF:
            raise ValueError("address is a byte (0..255)")
        self._init_line(port, baudrate=baudrate, timeout=timeout, retries=retries)
        self.address = address
        self._parser = codec.FrameParser()
        self.presented = 0  # cards moved to the mouth (drivers/events.py: card_presented)
        self.retracted = 0  # cards moved into the reject bin (card_retracted)

    @classmethod
    def from_url(cls, url: DeviceUrl) -> "Crt591Dispenser":
        check_options(url, _OPTIONS)
        port = serial_port(url, "crt591", "crt591:///dev/ttyUSB2")
        return cls(port, baudrate=url.option("baudrate", 9600, int), address=url.option("address", 0, int),
                   timeout=url.option("timeout", 3.0, float), retries=url.option("retries", 2, int))

    def _on_close(self) -> None:
        self._parser.clear()

    # --- operations ------------------------------------------------------------------------

    def status(self) -> DeviceStatus:
        """Where the card is, slot levels, the bin; never raises. BUSY while another thread works."""
        if not self._lock.acquire(blocking=False):
            return DeviceStatus(self.device_class, DeviceState.BUSY, "card dispenser in use")
        try:
            state = self.read_status()
            detail = {"port": self.port, "address": self.address, "card": state.card, "stacker": state.stacker,
                      "slots": list(state.slots), "bin": state.bin, "jam": False,
                      "presented": self.presented, "retracted": self.retracted}
            if state.bin == "full":
                return DeviceStatus(self.device_class, DeviceState.HARDWARE_ERROR, "reject bin full", detail)
            return DeviceStatus(self.device_class, DeviceState.ONLINE, "ready", detail)
        except codec.CardJam as exc:  # the counters stay, so events after the jam still add up
            detail = {**self._status(DeviceState.HARDWARE_ERROR, exc).detail, "jam": True,
                      "presented": self.presented, "retracted": self.retracted}
            return DeviceStatus(self.device_class, DeviceState.HARDWARE_ERROR, exc.message, detail)
        except (NotPresent, DeviceTimeout) as exc:
            return self._status(DeviceState.NO_DEVICE, exc)
        except codec.DispenserError as exc:
            return self._status(DeviceState.HARDWARE_ERROR, exc)
        except DeviceError as exc:
            return self._status(DeviceState.OFFLINE, exc)
        finally:
            self._lock.release()

    def read_status(self) -> codec.Status:
        """The status answer itself; raises the typed error when there is none."""
        return codec.Status.decode(self._command(codec.STATUS).payload)

    def card_position(self) -> str:
        """"none", "read" or "mouth"."""
        return self.read_status().card

    def to_read_position(self, slot: int = 0) -> None:
        """Move one card from `slot` to the read position (for the ID card reader)."""
        if not 0 <= slot <= 0xFF:
            raise ValueError("slot is a byte (0..255)")
        self._command(codec.TO_READ, bytes([slot]))
        log.info("dispenser: card from slot %d at the read position", slot)

    def present(self) -> None:
        """Move the card in the channel to the mouth, held there for the citizen."""
        with self._lock:
            self._command(codec.TO_MOUTH)
            self.presented += 1
            log.info("dispenser: card presented at the mouth")

    def wait_taken(self, timeout_s: float = 30.0) -> bool:
        """True once the card at the mouth is gone; False if it is still there after `timeout_s`.
        NoMedia if the card is not at the mouth (nothing was presented)."""
        with self._lock:
            deadline = time.monotonic() + timeout_s
            first = True
            while True:
                where = self.card_position()
                if where == "none":
                    return True
                if where != "mouth" and first:
                    raise NoMedia(f"no card at the mouth (it is at the {where} position)")
                first = False
                if time.monotonic() >= deadline:
                    return False
                time.sleep(TAKEN_POLL)

    def retract(self) -> bool:
        """Move the card in the channel into the reject bin. False if there was none (taken
        just before): nothing to retract is not a failure."""
        with self._lock:
            try:
                self._command(codec.TO_BIN)
            except codec.SequenceError:
                return False
            self.retracted += 1
            log.info("dispenser: card retracted into the reject bin")
            return True

    # --- one command -----------------------------------------------------------------------

    def _command(self, which: tuple[int, int], data: bytes = b"") -> codec.Frame:
        name = codec.COMMAND_NAMES.get(which, "command")
        with self._lock:
            port = self._port()
            self._parser.clear()
            try:
                port.reset_input_buffer()  # an answer we gave up on must not pass for this one
            except _PORT_ERRORS as exc:
                self._lost(exc)
            self._send_command(port, name, codec.command(self.address, which, data))
            for attempt in range(self.retries + 1):
                self._write(port, bytes([codec.ENQ]))
                answer = self._wait(port, name, want_frame=True)
                if isinstance(answer, codec.Frame) and answer.command == which:
                    if answer.type == codec.NEGATIVE:
                        raise codec.answer_error(answer)
                    if answer.type == codec.POSITIVE:
                        return answer
                if attempt < self.retries:
                    log.info("dispenser %s: garbled answer; asking again (%d of %d)", name, attempt + 1,
                                self.retries)
            raise ProtocolError(f"{name}: garbled answer {self.retries + 1} time(s)")

    def _send_command(self, port, name: str, frame: bytes) -> None:
        for attempt in range(self.retries + 1):
            self._write(port, frame)
            reply = self._wait(port, name, want_frame=False)
            if isinstance(reply, codec.Control) and reply.byte == codec.ACK:
                return
            log.info("dispenser %s: not acknowledged; sending again (%d of %d)", name, attempt + 1,
                        self.retries)
        raise ProtocolError(f"{name}: not acknowledged after {self.retries + 1} tries")

    def _write(self, port, data: bytes) -> None:
        try:
            port.write(data)
        except _PORT_ERRORS as exc:
            self._lost(exc)

    def _wait(self, port, name: str, *, want_frame: bool) -> codec.Event:
        """The first ACK/NAK (or answer frame); the garbage seen when only that came. A silent
        line is DeviceTimeout."""
        deadline = time.monotonic() + self.timeout
        garbage: codec.Rejected | None = None
        while time.monotonic() < deadline:
            try:
                chunk = port.read(port.in_waiting or 1)
            except _PORT_ERRORS as exc:
                self._lost(exc)
            events = self._parser.feed(chunk) if chunk else []
            for event in events:
                if want_frame and isinstance(event, codec.Frame) and event.type != codec.COMMAND:
                    return event
                if not want_frame and isinstance(event, codec.Control) and event.byte in (codec.ACK, codec.NAK):
                    return event
                if isinstance(event, codec.Rejected):
                    garbage = event
            if want_frame and garbage is not None and not self._parser.partial():
                return garbage  # a damaged answer: ask for it again at once
        if garbage is not None or self._parser.partial():
            self._parser.clear()
            reason = garbage.reason if garbage is not None else "truncated frame"
            if want_frame:
                return codec.Rejected(reason, 0)
            raise ProtocolError(f"{name}: garbled answer ({reason}) and no ACK within {self.timeout:g} s")
        raise DeviceTimeout(f"{name}: no answer from the card dispenser within {self.timeout:g} s")
