"""Chip documents (eMRTD) on a PC/SC reader through pcscd (pyscard's scard layer underneath).

URL: `pcsc://<reader name, URL-encoded>?mrz=<MRZ or key string>&timeout=5`, or the access key
as `doc=<number>&birth=YYMMDD&expiry=YYMMDD`. `pcsc://` with no name takes the first reader
holding a card.

A read selects the eMRTD application, runs BAC with keys from the MRZ, and reads EF.DG1 under
secure messaging. Each operation has its own pcscd context and card connection (so a restarted
pcscd costs nothing) and runs on a worker thread the caller waits for at most `timeout`
seconds: a mute chip or a wedged reader cannot hang the kiosk. The disconnect resets the chip,
which ends its BAC session.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Callable, TypeVar
from urllib.parse import unquote, urlsplit

from smartcard import scard

from drivers.base import (
    Device,
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
from drivers.pcsc import apdu, bac, lds, mrz
from drivers.pcsc.model import ChipDocument
from drivers.pcsc.secure_messaging import SecureMessaging
from drivers.registry import DeviceUrl

log = logging.getLogger(__name__)

T = TypeVar("T")
_OPTIONS = {"mrz", "doc", "birth", "expiry", "timeout"}
READ_CHUNK = 0xDF  # bytes per protected READ BINARY: the answer still fits a short APDU
MAX_DG1 = 1024
REMOVAL_GRACE_MS = 3000  # pcscd polls card presence every 400 ms; a busy machine may delay a few polls
KEYS_REFUSED = "the document's access keys do not match (check the MRZ or the dates entered)"


def _code(hresult: int) -> int:
    return hresult & 0xFFFFFFFF


_NOT_PRESENT = {_code(c) for c in (
    scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED, scard.SCARD_E_NO_READERS_AVAILABLE,
    scard.SCARD_E_UNKNOWN_READER, scard.SCARD_E_READER_UNAVAILABLE, scard.SCARD_E_INVALID_HANDLE)}
_NO_CARD = {_code(c) for c in (scard.SCARD_E_NO_SMARTCARD, scard.SCARD_W_REMOVED_CARD)}


def _error(hresult: int, what: str) -> DeviceError:
    code = _code(hresult)
    text = f"{what}: {scard.SCardGetErrorMessage(hresult).rstrip('. ')} (0x{code:08X})"
    if code in _NOT_PRESENT:
        return NotPresent(text, device_code=code)
    if code in _NO_CARD:
        return NoMedia(f"{what}: no document on the reader", device_code=code)
    if code == _code(scard.SCARD_E_TIMEOUT):
        return DeviceTimeout(text, device_code=code)
    if code in (_code(scard.SCARD_W_UNRESPONSIVE_CARD), _code(scard.SCARD_W_UNPOWERED_CARD)):
        return DeviceUserError(f"{what}: the document's chip does not answer; place it again", device_code=code)
    if code == _code(scard.SCARD_E_SHARING_VIOLATION):
        return HardwareFault(f"{what}: another application holds the reader", device_code=code)
    return ProtocolError(text, device_code=code)


def _call(what: str, function, *args):
    """One scard call: its results without the status, or the typed error."""
    result = function(*args)
    hresult, rest = (result, ()) if isinstance(result, int) else (result[0], result[1:])
    if hresult != scard.SCARD_S_SUCCESS:
        raise _error(hresult, what)
    return rest[0] if len(rest) == 1 else rest


class PcscReader(Device):
    device_class = "chipdoc"

    def __init__(self, reader: str = "", *, access_key: mrz.AccessKey | None = None, timeout: float = 5.0):
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.reader = reader  # "" = the first reader holding a card
        self.access_key = access_key
        self.timeout = timeout
        self._lock = threading.RLock()

    @classmethod
    def from_url(cls, url: DeviceUrl) -> "PcscReader":
        # The URL may carry an access key: errors name the option, never echo the URL.
        unknown = sorted(set(url.options) - _OPTIONS)
        if unknown:
            raise ValueError(f"unknown option {unknown[0]!r} in a pcsc URL (known: {', '.join(sorted(_OPTIONS))})")
        parts = urlsplit(url.raw)
        reader = unquote(parts.netloc) or unquote(parts.path).lstrip("/")
        try:
            timeout = float(url.options.get("timeout", 5.0))
        except ValueError:
            raise ValueError("option timeout of a pcsc URL must be a number of seconds") from None
        return cls(reader, access_key=_access_key(url.options), timeout=timeout)

    def __repr__(self) -> str:
        return f"PcscReader({self.reader or '<first with a card>'!r})"

    # --- Device ----------------------------------------------------------------------------

    def open(self) -> None:
        """Nothing stays open between operations; this only checks the reader can be found."""
        with self._lock, _Context() as context:
            context.resolve(self.reader, need_card=False)

    def close(self) -> None:
        pass  # each operation releases its own context and card

    def status(self) -> DeviceStatus:
        """Never raises: NO_DEVICE without pcscd or reader, USER_ERROR without a document."""
        if not self._lock.acquire(blocking=False):
            return DeviceStatus(self.device_class, DeviceState.BUSY, "reader in use")
        try:
            with _Context() as context:
                name = context.resolve(self.reader, need_card=False)
                state = context.state(name)
            detail = {"reader": name}
            if state & scard.SCARD_STATE_MUTE:
                return DeviceStatus(self.device_class, DeviceState.USER_ERROR,
                                    "the document's chip does not answer", {**detail, "error": "user_error"})
            if not state & scard.SCARD_STATE_PRESENT:
                return DeviceStatus(self.device_class, DeviceState.USER_ERROR, "no document on the reader",
                                    {**detail, "error": NoMedia.kind, "card_present": False})
            return DeviceStatus(self.device_class, DeviceState.ONLINE, "document on the reader",
                                {**detail, "card_present": True})
        except NotPresent as exc:
            return self._status(DeviceState.NO_DEVICE, exc)
        except NoMedia as exc:  # `pcsc://`: readers, but none holds a card
            return self._status(DeviceState.USER_ERROR, exc)
        except DeviceError as exc:
            return self._status(DeviceState.OFFLINE, exc)
        finally:
            self._lock.release()

    def _status(self, state: DeviceState, exc: DeviceError) -> DeviceStatus:
        return DeviceStatus(self.device_class, state, exc.message, {"reader": self.reader, "error": exc.kind})

    # --- reading ---------------------------------------------------------------------------

    def read_document(self, access_key: mrz.AccessKey | None = None) -> ChipDocument:
        """BAC with `access_key` (default: the URL's), then DG1. Personal data: the result is the
        caller's to wipe; only its masked form is logged."""
        key = access_key or self.access_key
        if key is None:
            raise ValueError("no access key: give mrz=, or doc=, birth= and expiry= (YYMMDD)")
        with self._lock:
            document = self._with_deadline("read document", lambda: self._read(key))
        log.info("read chip document %s", document.masked())
        return document

    def _with_deadline(self, what: str, work: Callable[[], T]) -> T:
        """Run `work` on a daemon thread and wait at most `timeout`. A call stuck in pcscd keeps
        its thread; the thread releases its own context when pcscd lets go."""
        outcome: dict[str, object] = {}
        done = threading.Event()

        def run():
            try:
                outcome["value"] = work()
            except BaseException as exc:  # handed to the waiting caller
                outcome["error"] = exc
            finally:
                done.set()

        threading.Thread(target=run, name="pcsc-operation", daemon=True).start()
        if not done.wait(self.timeout):
            raise DeviceTimeout(f"{what}: no answer within {self.timeout:g} s")
        if "error" in outcome:
            raise outcome["error"]  # type: ignore[misc]
        return outcome["value"]  # type: ignore[return-value]

    def _read(self, key: mrz.AccessKey) -> ChipDocument:
        with _Context() as context, context.connect(context.resolve(self.reader, need_card=True)) as card:
            answer = card.transmit(apdu.CommandApdu(0, apdu.INS_SELECT, 0x04, 0x0C, lds.EMRTD_AID), "SELECT eMRTD")
            if answer.sw in (0x6A82, 0x6A86, 0x6D00, 0x6E00):
                raise DeviceUserError("the card on the reader is not an electronic travel document",
                                      device_code=answer.sw)
            apdu.check(answer, "SELECT eMRTD")
            sm = _basic_access_control(card, key)
            _protected(card, sm, apdu.CommandApdu(0, apdu.INS_SELECT, 0x02, 0x0C,
                                                  lds.EF_DG1.to_bytes(2, "big")), "SELECT EF.DG1")
            head = _protected(card, sm, _read_binary(0, 4), "READ BINARY EF.DG1")
            tag, length, header = apdu.read_header(head)
            total = header + length
            if tag != lds.TAG_DG1 or total > MAX_DG1:
                raise ProtocolError(f"EF.DG1 starts with tag {tag:X} and claims {total} bytes")
            data = bytearray(head[:total])
            while len(data) < total:
                chunk = _protected(card, sm, _read_binary(len(data), min(READ_CHUNK, total - len(data))),
                                   "READ BINARY EF.DG1")
                if not chunk:
                    raise ProtocolError(f"EF.DG1 ended after {len(data)} of {total} bytes")
                data += chunk
            try:
                return mrz.parse(lds.decode_dg1(bytes(data[:total])))
            finally:
                data[:] = bytes(len(data))  # the raw data group is personal data too


def _basic_access_control(card: "_Card", key: mrz.AccessKey) -> SecureMessaging:
    keys = bac.document_keys(key.mrz_information)
    rnd_icc = apdu.check(card.transmit(apdu.CommandApdu(0, apdu.INS_GET_CHALLENGE, 0, 0, le=8), "GET CHALLENGE"),
                         "GET CHALLENGE")
    rnd_ifd, k_ifd = os.urandom(bac.NONCE_SIZE), os.urandom(bac.KEY_HALF_SIZE)
    command = apdu.CommandApdu(0, apdu.INS_MUTUAL_AUTHENTICATE, 0, 0,
                               bac.terminal_cryptogram(keys, rnd_icc, rnd_ifd, k_ifd), le=bac.CRYPTOGRAM_SIZE)
    answer = card.transmit(command, "MUTUAL AUTHENTICATE")
    if answer.sw in (0x6300, 0x6982):  # the chip could not verify our cryptogram
        raise DeviceUserError(KEYS_REFUSED, device_code=answer.sw)
    cryptogram = apdu.check(answer, "MUTUAL AUTHENTICATE")
    return SecureMessaging(bac.terminal_finish(keys, cryptogram, rnd_icc, rnd_ifd, k_ifd))


def _read_binary(offset: int, length: int) -> apdu.CommandApdu:
    return apdu.CommandApdu(0, apdu.INS_READ_BINARY, offset >> 8, offset & 0xFF, le=length)


def _protected(card: "_Card", sm: SecureMessaging, command: apdu.CommandApdu, what: str) -> bytes:
    return apdu.check(sm.unprotect_response(card.transmit(sm.protect_command(command), what)), what)


def _access_key(options: dict[str, str]) -> mrz.AccessKey | None:
    if "mrz" in options:
        return mrz.AccessKey.from_mrz(options["mrz"])
    given = [name for name in ("doc", "birth", "expiry") if name in options]
    if not given:
        return None
    if len(given) != 3:
        raise ValueError("a pcsc URL needs doc=, birth= and expiry= together (or mrz=)")
    return mrz.AccessKey(options["doc"], options["birth"], options["expiry"])


# --- pcscd ----------------------------------------------------------------------------------


class _Context:
    """One pcscd context for one operation."""

    def __enter__(self) -> "_Context":
        try:
            self.handle = _call("connect to pcscd", scard.SCardEstablishContext, scard.SCARD_SCOPE_USER)
        except NotPresent as exc:
            raise NotPresent(f"pcscd is not running ({exc.message})", device_code=exc.device_code) from None
        return self

    def __exit__(self, *exc) -> None:
        scard.SCardReleaseContext(self.handle)

    def readers(self) -> list[str]:
        try:
            return list(_call("list readers", scard.SCardListReaders, self.handle, []))
        except NotPresent as exc:
            if exc.device_code == _code(scard.SCARD_E_NO_READERS_AVAILABLE):
                return []
            raise

    def state(self, reader: str) -> int:
        states = _call("reader state", scard.SCardGetStatusChange, self.handle, 0,
                       [(reader, scard.SCARD_STATE_UNAWARE)])
        return states[0][1]

    def resolve(self, wanted: str, *, need_card: bool) -> str:
        """`wanted` if pcscd lists it; for "" the first reader holding a card."""
        names = self.readers()
        if not names:
            raise NotPresent("no PC/SC reader is connected")
        if not wanted:
            with_card = [name for name in names if self.state(name) & scard.SCARD_STATE_PRESENT]
            if with_card:
                return with_card[0]
            if need_card or len(names) > 1:
                raise NoMedia("no document on any reader")
            return names[0]
        if wanted in names:
            return wanted
        raise NotPresent(f"no reader named {wanted!r} (readers: {', '.join(names)})")

    def connect(self, reader: str) -> "_Card":
        handle, protocol = _call("connect to the document", scard.SCardConnect, self.handle, reader,
                                 scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
        return _Card(self, reader, handle, protocol)

    def card_gone(self, reader: str) -> bool:
        """After a failed exchange: did the card leave? Waits for pcscd's next presence polls."""
        try:
            state = self.state(reader)
            if not state & scard.SCARD_STATE_PRESENT:
                return True
            hresult, states = scard.SCardGetStatusChange(self.handle, REMOVAL_GRACE_MS, [(reader, state)])
            return hresult == scard.SCARD_S_SUCCESS and not states[0][1] & scard.SCARD_STATE_PRESENT
        except DeviceError:
            return False


class _Card:
    """A connected card inside a transaction; leaving resets the chip (ending its BAC session)."""

    def __init__(self, context: _Context, reader: str, handle, protocol: int):
        self.context, self.reader, self.handle, self.protocol = context, reader, handle, protocol

    def __enter__(self) -> "_Card":
        hresult = scard.SCardBeginTransaction(self.handle)
        if hresult == scard.SCARD_W_RESET_CARD:
            # The reset that ended the previous session (ours or another reader's) reached this
            # handle first: take note of it and begin again.
            _call("reconnect after a reset", scard.SCardReconnect, self.handle, scard.SCARD_SHARE_SHARED,
                  scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1, scard.SCARD_LEAVE_CARD)
            hresult = scard.SCardBeginTransaction(self.handle)
        if hresult != scard.SCARD_S_SUCCESS:
            raise _error(hresult, "begin transaction")
        return self

    def __exit__(self, *exc) -> None:
        scard.SCardEndTransaction(self.handle, scard.SCARD_LEAVE_CARD)
        scard.SCardDisconnect(self.handle, scard.SCARD_RESET_CARD)

    def transmit(self, command: apdu.CommandApdu, what: str) -> apdu.ResponseApdu:
        response = self._exchange(command.to_bytes(), what)
        while response.sw >> 8 == 0x61:  # T=0: the answer waits for GET RESPONSE
            more = self._exchange(bytes((0, apdu.INS_GET_RESPONSE, 0, 0, response.sw & 0xFF)), what)
            response = apdu.ResponseApdu(response.data + more.data, more.sw)
        if response.sw >> 8 == 0x6C:  # T=0: wrong Le, the chip says how many bytes it has
            raw = command.to_bytes()
            response = self._exchange((raw[:-1] if command.le else raw) + bytes((response.sw & 0xFF,)), what)
        return response

    def _exchange(self, raw: bytes, what: str) -> apdu.ResponseApdu:
        hresult, answer = scard.SCardTransmit(self.handle, self.protocol, list(raw))
        if hresult == scard.SCARD_S_SUCCESS and len(answer) >= 2:
            return apdu.parse_response(bytes(answer))
        # vpcd answers nothing at all when the card leaves mid-command
        error = _error(hresult, what) if hresult != scard.SCARD_S_SUCCESS else ProtocolError(
            f"{what}: empty answer")
        if isinstance(error, (NoMedia, ProtocolError)) and self.context.card_gone(self.reader):
            raise DeviceUserError(f"{what}: the document was removed during the read; place it again",
                                  device_code=_code(hresult))
        raise error
