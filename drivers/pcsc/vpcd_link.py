"""Plug a virtual card into pcscd's vpcd reader over TCP, so the real PC/SC stack reads it.

vpcd listens (TCP 35963 for "Virtual PCD 00 00" in Debian's configuration) and sees a card in
its reader while a client is connected and answers "get ATR". A thread keeps that connection
while the card is present and drops it when the card is removed or unplugged; vpcd then reports
the card gone. TCP_NODELAY and TCP_QUICKACK keep each APDU under a millisecond (without them
delayed ACKs cost ~48 ms an APDU).

A mute card leaves vpcd waiting for an answer; when the mute fault is cleared the link answers
that APDU late with 6F00 so the reader is free again.
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import threading

from drivers.base import ProtocolError
from drivers.pcsc import vpcd
from drivers.pcsc.virtual_card import VirtualCard

log = logging.getLogger(__name__)

DEFAULT_PORT = 35963
POLL_INTERVAL = 0.05  # how quickly removal, unplugging and stop are noticed
CONNECT_TIMEOUT = 1.0
LATE_ANSWER = b"\x6f\x00"


class VpcdLink:
    def __init__(self, card: VirtualCard, host: str = "127.0.0.1", port: int = DEFAULT_PORT):
        self.card = card
        self.host, self.port = host, port
        self._sock: socket.socket | None = None
        self._parser = vpcd.Parser()
        self._unanswered = False
        self._connected = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def start(self) -> "VpcdLink":
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="vpcd-link", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._disconnect()

    def __enter__(self) -> "VpcdLink":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- the connection --------------------------------------------------------------------

    def _serve(self) -> None:
        while not self._stop.is_set():
            if not self.card.present:
                self._disconnect()
                self._stop.wait(POLL_INTERVAL)
            elif self._sock is None:
                self._connect()
            else:
                self._exchange(self._sock)

    def _connect(self) -> None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=CONNECT_TIMEOUT)
        except OSError:
            self._stop.wait(POLL_INTERVAL * 2)  # vpcd not up yet, or busy with another card
            return
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(None)
        self._sock, self._unanswered = sock, False
        self._parser.clear()
        self._connected.set()
        log.info("virtual card connected to vpcd at %s:%d", self.host, self.port)

    def _disconnect(self) -> None:
        sock, self._sock = self._sock, None
        self._connected.clear()
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()
            log.info("virtual card left vpcd at %s:%d", self.host, self.port)

    def _exchange(self, sock: socket.socket) -> None:
        if self._unanswered and not self.card.mute:
            self._send(sock, LATE_ANSWER)
            self._unanswered = False
        readable, _, _ = select.select([sock], [], [], POLL_INTERVAL)
        if not readable:
            return
        try:
            if hasattr(socket, "TCP_QUICKACK"):  # Linux resets it after each ACK: set it every time
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            data = sock.recv(4096)
        except OSError:
            data = b""
        if not data:
            self._disconnect()  # vpcd went away (pcscd stopped): try again while present
            return
        try:
            messages = self._parser.feed(data)
        except ProtocolError as exc:
            log.warning("vpcd link: %s; reconnecting", exc.message)
            self._disconnect()
            return
        for message in messages:
            reply = self._reply(message)
            if reply is not None and self._sock is sock:
                self._send(sock, reply)

    def _reply(self, message: bytes) -> bytes | None:
        if len(message) == 1:
            if message[0] == vpcd.GET_ATR:
                return self.card.atr
            if message[0] in (vpcd.POWER_OFF, vpcd.POWER_ON, vpcd.RESET):
                self.card.power_cycle()
            return None
        answer = self.card.answer(message)
        if answer is None:
            if not self.card.present:
                self._disconnect()  # taken out mid-command: vpcd's wait ends with the connection
            else:
                self._unanswered = True
        return answer

    def _send(self, sock: socket.socket, payload: bytes) -> None:
        try:
            sock.sendall(vpcd.frame(payload))
        except OSError:
            self._disconnect()
