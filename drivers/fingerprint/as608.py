"""AS608 / R30x fingerprint module on a serial line (pyserial underneath).

URL: `as608:///dev/ttyS1?baudrate=57600&timeout=2&retries=2&address=FFFFFFFF&password=0`, or
`as608+socket://host:port?…` for a module behind a serial-to-TCP bridge (pyserial's socket://).

Opening the port verifies the password and reads the system parameters (library capacity,
packet size). Each command holds the module's lock, flushes stale input, writes one command
packet and reads its acknowledgement (plus the data packets of an upload) within `timeout`
seconds. Damaged answers (bad checksum, impossible packet) and the module's own "packet receive
error" are retried `retries` times. Waiting for a finger polls GenImg while holding the lock:
the buffers belong to one operation at a time, and status() says BUSY meanwhile.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Callable

from drivers.base import (
    ChecksumError,
    DeviceError,
    DeviceState,
    DeviceStatus,
    DeviceTimeout,
    DeviceUserError,
    HardwareFault,
    NoMedia,
    NotPresent,
    ProtocolError,
)
from drivers.fingerprint import as608_codec as codec
from drivers.fingerprint.base import FingerprintReader, MatchResult, SearchResult
from drivers.registry import DeviceUrl
from drivers.serial_link import PORT_ERRORS as _PORT_ERRORS
from drivers.serial_link import READ_SLICE, SerialLine, check_options, serial_port

log = logging.getLogger(__name__)

FINGER_POLL = 0.05  # pause between GenImg polls while waiting for a finger
_RETRYABLE = (ChecksumError, codec.MalformedPacket)
_OPTIONS = {"baudrate", "timeout", "retries", "address", "password"}


def template_digest(template: bytes) -> str:
    """A short fingerprint of a template for logs and the CLI; never the template itself."""
    return hashlib.sha256(template).hexdigest()[:12]


class As608Reader(SerialLine, FingerprintReader):
    what = "fingerprint module"

    def __init__(self, port: str, *, baudrate: int = 57600, timeout: float = 2.0, retries: int = 2,
                 address: int = codec.DEFAULT_ADDRESS, password: int = 0):
        if not 0 <= address <= 0xFFFFFFFF or not 0 <= password <= 0xFFFFFFFF:
            raise ValueError("address and password are 32-bit numbers")
        self._init_line(port, baudrate=baudrate, timeout=timeout, retries=retries)
        self.address = address
        self.password = password
        self._parser = codec.PacketParser(address)
        self.sys_para: codec.SysPara | None = None

    @classmethod
    def from_url(cls, url: DeviceUrl) -> "As608Reader":
        check_options(url, _OPTIONS)
        port = serial_port(url, "as608", "as608:///dev/ttyS1")
        return cls(
            port,
            baudrate=url.option("baudrate", 57600, int),
            timeout=url.option("timeout", 2.0, float),
            retries=url.option("retries", 2, int),
            address=url.option("address", codec.DEFAULT_ADDRESS, lambda v: int(v, 16)),
            password=url.option("password", 0, lambda v: int(v, 0)),
        )

    # --- port ------------------------------------------------------------------------------

    def _on_open(self) -> None:
        """Give the password and read the module's parameters."""
        self._command(codec.VERIFY_PASSWORD, codec.verify_password(self.password, self.address))
        ack = self._command(codec.READ_SYS_PARA, codec.read_sys_para(self.address))
        self.sys_para = codec.SysPara.decode(ack.data)

    def _on_close(self) -> None:
        self.sys_para = None
        self._parser.clear()

    # --- operations ------------------------------------------------------------------------

    def status(self) -> DeviceStatus:
        """Parameters and template count; never raises. BUSY while another thread works."""
        if not self._lock.acquire(blocking=False):
            return DeviceStatus(self.device_class, DeviceState.BUSY, "fingerprint module in use")
        try:
            self._port()
            count = self.template_count()
            para = self.sys_para
            assert para is not None
            detail = {"port": self.port, "address": f"{self.address:08X}", "templates": count,
                      "capacity": para.capacity, "packet_size": para.packet_size,
                      "security_level": para.security_level}
            return DeviceStatus(self.device_class, DeviceState.ONLINE, "ready", detail)
        except (NotPresent, DeviceTimeout) as exc:  # cannot be opened, or nothing answers
            return self._status(DeviceState.NO_DEVICE, exc)
        except HardwareFault as exc:
            return self._status(DeviceState.HARDWARE_ERROR, exc)
        except DeviceError as exc:  # garbled answers: there, but not talking sense
            return self._status(DeviceState.OFFLINE, exc)
        finally:
            self._lock.release()

    def capture(self, timeout_s: float = 10.0) -> bytes:
        with self._lock:
            self._live_finger(1, timeout_s)
            return self.upload(1)

    def verify(self, template: bytes, timeout_s: float = 10.0) -> MatchResult:
        _check_template(template)
        with self._lock:
            self._live_finger(1, timeout_s)
            self.download(2, template)
            return self._match()

    def verify_any(self, templates, timeout_s: float = 10.0) -> MatchResult:
        """One press: its features stay in buffer 1 while each template goes into buffer 2
        (DownChar) and is matched; the first that matches wins."""
        if not templates:
            raise ValueError("no template to compare the finger with")
        for template in templates:
            _check_template(template)
        with self._lock:
            self._live_finger(1, timeout_s)
            for index, template in enumerate(templates):
                self.download(2, template)
                result = self._match()
                if result.matched:
                    return MatchResult(True, result.score, index)
            return MatchResult(False, 0)

    def match(self, template_a: bytes, template_b: bytes) -> MatchResult:
        _check_template(template_a)
        _check_template(template_b)
        with self._lock:
            self.download(1, template_a)
            self.download(2, template_b)
            return self._match()

    def search(self, timeout_s: float = 10.0) -> SearchResult:
        with self._lock:
            self._live_finger(1, timeout_s)
            capacity = self._para().capacity
            ack = self._command(codec.SEARCH, codec.search(1, 0, capacity, self.address),
                                accept=(codec.OK, codec.NOT_FOUND))
            page, score = codec.decode_search(ack.data)
            if ack.code == codec.NOT_FOUND:
                return SearchResult(False, None, 0)
            return SearchResult(True, page, score)

    def enroll(self, page: int, timeout_s: float = 10.0, on_lift: Callable[[], None] | None = None) -> None:
        with self._lock:
            self._check_page(page)
            self._live_finger(1, timeout_s)
            if on_lift is not None:
                on_lift()
            self._wait_lifted(timeout_s)
            self._live_finger(2, timeout_s)
            self._command(codec.REG_MODEL, codec.reg_model(self.address))
            self._command(codec.STORE, codec.store(1, page, self.address))
            log.info("fingerprint enrolled in page %d", page)

    def store_template(self, page: int, template: bytes) -> None:
        """Put a template (e.g. one captured earlier) into library `page`."""
        _check_template(template)
        with self._lock:
            self._check_page(page)
            self.download(1, template)
            self._command(codec.STORE, codec.store(1, page, self.address))

    def load_template(self, page: int) -> bytes:
        """The template stored in library `page`."""
        with self._lock:
            self._check_page(page)
            self._command(codec.LOAD_CHAR, codec.load_char(1, page, self.address))
            return self.upload(1)

    def delete(self, page: int, count: int = 1) -> None:
        self._command(codec.DELETE, codec.delete(page, count, self.address))

    def clear_library(self) -> None:
        self._command(codec.EMPTY, codec.empty(self.address))

    def template_count(self) -> int:
        return codec.decode_count(self._command(codec.TEMPLATE_COUNT, codec.template_count(self.address)).data)

    def upload(self, buffer: int) -> bytes:
        """UpChar: the template in character buffer `buffer`, module → host."""
        _, template = self._exchange(codec.UP_CHAR, codec.up_char(buffer, self.address), data_in=True)
        if len(template) != codec.TEMPLATE_SIZE:
            raise ProtocolError(f"UpChar: template of {len(template)} bytes, expected {codec.TEMPLATE_SIZE}")
        return template

    def download(self, buffer: int, template: bytes) -> None:
        """DownChar: `template` into character buffer `buffer`, host → module."""
        with self._lock:
            self._command(codec.DOWN_CHAR, codec.down_char(buffer, self.address))
            port = self._port()
            try:
                port.write(codec.build_data(template, self._para().packet_size, self.address))
            except _PORT_ERRORS as exc:
                self._lost(exc)

    # --- steps -----------------------------------------------------------------------------

    def _live_finger(self, buffer: int, timeout_s: float) -> None:
        """Wait for a finger and put its features into character buffer `buffer`."""
        self._take_image(timeout_s)
        self._command(codec.IMG2TZ, codec.img2tz(buffer, self.address))

    def _take_image(self, timeout_s: float) -> None:
        """Poll GenImg until a finger gives an image; NoMedia when none comes in time."""
        deadline = time.monotonic() + timeout_s
        while True:
            ack = self._command(codec.GEN_IMG, codec.gen_img(self.address), accept=(codec.OK, codec.NO_FINGER))
            if ack.code == codec.OK:
                return
            if time.monotonic() >= deadline:
                raise NoMedia(f"请按手指 / no finger on the sensor within {timeout_s:g} s", device_code=ack.code)
            time.sleep(FINGER_POLL)

    def _wait_lifted(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while self._command(codec.GEN_IMG, codec.gen_img(self.address),
                            accept=(codec.OK, codec.NO_FINGER)).code == codec.OK:
            if time.monotonic() >= deadline:
                raise DeviceUserError(f"请抬起手指 / finger not lifted within {timeout_s:g} s")
            time.sleep(FINGER_POLL)

    def _match(self) -> MatchResult:
        ack = self._command(codec.MATCH, codec.match(self.address), accept=(codec.OK, codec.NO_MATCH))
        score = codec.decode_score(ack.data)
        return MatchResult(ack.code == codec.OK, score if ack.code == codec.OK else 0)

    def _para(self) -> codec.SysPara:
        self._port()
        assert self.sys_para is not None
        return self.sys_para

    def _check_page(self, page: int) -> None:
        capacity = self._para().capacity
        if not 0 <= page < capacity:
            raise ValueError(f"page {page} outside the library (0..{capacity - 1})")

    # --- one command -----------------------------------------------------------------------

    def _command(self, instruction: codec.Instruction, packet: bytes, *,
                 accept: tuple[int, ...] = (codec.OK,)) -> codec.Packet:
        """Send one command and return its acknowledgement."""
        return self._exchange(instruction, packet, accept=accept)[0]

    def _exchange(self, instruction: codec.Instruction, packet: bytes, *, accept: tuple[int, ...] = (codec.OK,),
                  data_in: bool = False) -> tuple[codec.Packet, bytes]:
        """One command: its acknowledgement and (with `data_in`) the data uploaded after it.
        Damaged answers are retried; a confirmation code outside `accept` raises its error."""
        retried = 0
        with self._lock:
            while True:
                try:
                    ack, data = self._transact(instruction, packet, data_in=data_in)
                    if ack.code in accept:
                        return ack, data
                    error = codec.confirmation_error(ack.code, instruction.name)
                    raise error or ProtocolError(
                        f"{instruction.name}: unexpected confirmation code 0x{ack.code:02X}", device_code=ack.code)
                except _RETRYABLE as exc:
                    if retried == self.retries:
                        raise
                    retried += 1
                    log.warning("%s; retry %d of %d", exc.message, retried, self.retries)

    def _transact(self, instruction: codec.Instruction, packet: bytes, *,
                  data_in: bool = False) -> tuple[codec.Packet, bytes]:
        """Write `packet`; read the acknowledgement and, with `data_in` and OK, the data after it."""
        port = self._port()
        self._parser.clear()
        try:
            port.reset_input_buffer()  # an answer we gave up on must not pass for this one
            port.write(packet)
        except _PORT_ERRORS as exc:
            self._lost(exc)
        ack: codec.Packet | None = None
        transfer = codec.DataTransfer()
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            try:
                chunk = port.read(port.in_waiting or 1)
            except _PORT_ERRORS as exc:
                self._lost(exc)
            for received in self._feed(instruction, chunk):
                if ack is None:
                    if received.packet_id != codec.ACK:
                        continue  # the tail of an earlier answer we gave up on
                    ack = received
                    if not data_in or ack.code != codec.OK:
                        return ack, b""
                elif transfer.add(received):
                    return ack, transfer.take()
        what = instruction.name if ack is None else f"{instruction.name} data"
        partial = self._parser.partial()
        if partial is not None or ack is not None:
            raise ProtocolError(f"{what}: truncated answer after {self.timeout:g} s")
        raise DeviceTimeout(f"{what}: no answer within {self.timeout:g} s")

    def _feed(self, instruction: codec.Instruction, chunk: bytes) -> list[codec.Packet]:
        try:
            return self._parser.feed(chunk) if chunk else []
        except ProtocolError as exc:  # the same error, saying which command it answered
            raise type(exc)(f"{instruction.name}: {exc.message}") from None



def _check_template(template: bytes) -> None:
    if len(template) != codec.TEMPLATE_SIZE:
        raise ValueError(f"a template is {codec.TEMPLATE_SIZE} bytes, got {len(template)}")
