"""GA 467 resident ID card reader on a serial line (pyserial underneath).

URL: `ga467:///dev/ttyUSB0?baudrate=115200&timeout=5&retries=2`, or `ga467+socket://host:port`
for a reader behind a serial-to-TCP bridge (pyserial's socket:// transport).

Every command holds the reader's lock, flushes stale input, writes one request and reads until
one whole answer frame arrives or `timeout` seconds pass. Answers with a bad checksum (ours or,
SW3 0x10, the reader's view of ours) are retried `retries` times. A card whose ID number fails
its check character is a read error (ProtocolError): the SAM guarantees what the card holds,
so a bad number means the data was damaged on the way.
"""

from __future__ import annotations

import logging
import time

from drivers.base import (
    ChecksumError,
    Device,
    DeviceError,
    DeviceState,
    DeviceStatus,
    DeviceTimeout,
    HardwareFault,
    NoMedia,
    NotPresent,
    ProtocolError,
)
from drivers.idcard import ga467_codec as codec
from drivers.idcard.model import IdCard, validate_id_number
from drivers.registry import DeviceUrl
from drivers.serial_link import PORT_ERRORS as _PORT_ERRORS
from drivers.serial_link import READ_SLICE, SerialLine, check_options, serial_port

log = logging.getLogger(__name__)

_OPTIONS = {"baudrate", "timeout", "retries"}


class Ga467Reader(SerialLine, Device):
    device_class = "idcard"
    what = "ID card reader"

    def __init__(self, port: str, *, baudrate: int = 115200, timeout: float = 5.0, retries: int = 2):
        self._init_line(port, baudrate=baudrate, timeout=timeout, retries=retries)
        self._parser = codec.FrameParser()
        self._sam_id: str | None = None

    @classmethod
    def from_url(cls, url: DeviceUrl) -> "Ga467Reader":
        check_options(url, _OPTIONS)
        port = serial_port(url, "ga467", "ga467:///dev/ttyUSB0")
        return cls(
            port,
            baudrate=url.option("baudrate", 115200, int),
            timeout=url.option("timeout", 5.0, float),
            retries=url.option("retries", 2, int),
        )

    # --- port ------------------------------------------------------------------------------

    def _on_close(self) -> None:
        self._sam_id = None

    # --- operations ------------------------------------------------------------------------

    def status(self) -> DeviceStatus:
        """SAM status; never raises. BUSY while another thread is using the reader."""
        if not self._lock.acquire(blocking=False):
            return DeviceStatus(self.device_class, DeviceState.BUSY, "reader in use")
        try:
            self._exchange(codec.SAM_STATUS)
            if self._sam_id is None:
                self._sam_id = self.sam_id()
            detail = {"port": self.port, "sam_id": self._sam_id}
            return DeviceStatus(self.device_class, DeviceState.ONLINE, "ready", detail)
        except NotPresent as exc:
            return self._status(DeviceState.NO_DEVICE, exc)
        except HardwareFault as exc:
            return self._status(DeviceState.HARDWARE_ERROR, exc)
        except DeviceError as exc:  # timeout or garbled answers: there, but not talking sense
            return self._status(DeviceState.OFFLINE, exc)
        finally:
            self._lock.release()

    def reset_sam(self) -> None:
        self._exchange(codec.RESET_SAM)

    def sam_id(self) -> str:
        return codec.decode_sam_id(self._exchange(codec.READ_SAM_ID).response_data)

    def find_card(self) -> bool:
        """True when a card that has not been read yet lies on the reader."""
        frame = self._exchange(codec.FIND_CARD, accept=(codec.SW3_FOUND, codec.SW3_NO_CARD))
        return frame.sw3 == codec.SW3_FOUND

    def select_card(self) -> None:
        self._exchange(codec.SELECT_CARD)

    def read_base(self, with_fingerprint: bool = False) -> IdCard:
        """Read the text, photo (and fingerprint) of a found and selected card."""
        command = codec.READ_TEXT_PHOTO_FP if with_fingerprint else codec.READ_TEXT_PHOTO
        frame = self._exchange(command)
        text, photo, fingerprint = codec.parse_read_response(frame.response_data)
        card = codec.card_from_blocks(text, photo, fingerprint)
        try:
            validate_id_number(card.id_number)
        except ValueError as exc:
            raise ProtocolError(f"card data invalid: {exc}") from None
        log.info("read ID card %s", card.masked_id)
        return card

    def read_card(self, with_fingerprint: bool = False) -> IdCard:
        """Find, select and read, holding the reader throughout."""
        with self._lock:
            if not self.find_card():
                raise NoMedia("请放置身份证 / no card", device_code=codec.SW3_NO_CARD)
            self.select_card()
            return self.read_base(with_fingerprint)

    def read_new_address(self) -> str | None:
        """The appended address (住址变更) of the selected card, or None if it has none."""
        frame = self._exchange(codec.READ_NEW_ADDRESS, accept=(codec.SW3_OK, codec.SW3_NO_CONTENT))
        if frame.sw3 == codec.SW3_NO_CONTENT:
            return None
        return codec.decode_ucs2(frame.response_data[: codec.NEW_ADDRESS_SIZE], "appended address") or None

    # --- one command -----------------------------------------------------------------------

    def _exchange(self, command: codec.Command, *, accept: tuple[int, ...] = (codec.SW3_OK,)) -> codec.Frame:
        retried = 0
        with self._lock:
            while True:
                try:
                    frame = self._transact(command)
                    if frame.sw3 in accept:
                        return frame
                    error = codec.status_error(frame.sw3, command.name)
                    raise error or ProtocolError(
                        f"{command.name}: unexpected status 0x{frame.sw3:02X}", device_code=frame.sw3)
                except ChecksumError as exc:
                    if retried == self.retries:
                        raise
                    retried += 1
                    log.warning("%s: %s; retry %d of %d", command.name, exc.message, retried, self.retries)

    def _transact(self, command: codec.Command) -> codec.Frame:
        port = self._port()
        self._parser.clear()
        try:
            port.reset_input_buffer()  # an answer we gave up on must not pass for this one
            port.write(command.frame())
        except _PORT_ERRORS as exc:
            self._lost(exc)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            try:
                chunk = port.read(port.in_waiting or 1)
            except _PORT_ERRORS as exc:
                self._lost(exc)
            if chunk:
                frames = self._parser.feed(chunk)
                if frames:
                    return frames[0]
        partial = self._parser.partial()
        if partial is not None:
            held, needed = partial
            of = f" of {needed}" if needed else ""
            raise ProtocolError(f"{command.name}: truncated answer, {held}{of} bytes in {self.timeout:g} s")
        raise DeviceTimeout(f"{command.name}: no answer within {self.timeout:g} s")
