"""Everything a kiosk needs around it, emulated on this machine: used by `kiosk demo` and tests.

An ID-card reader emulator on a pty, an ESC/POS printer emulator on 127.0.0.1, an embedded
central backend on SQLite, and a kiosk configuration pointing at all three. The kiosk itself is
not special-cased: it opens the same URLs it would open in a police post.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from pathlib import Path

from central.server import EmbeddedCentral
from drivers.emulation.pty import PtyEndpoint
from drivers.idcard.demo_cards import load_demo_card
from drivers.idcard.emulator import Ga467Emulator
from drivers.printer.emulator import EscposEmulator
from kiosk.config import KioskConfig, load_config

DEFAULT_CARD = "zhang-wei"


def free_port(preferred: int | None = None) -> int:
    """`preferred` if it is free on 127.0.0.1, else any free port."""
    for port in ([preferred] if preferred else []) + [0]:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise OSError("no free port on 127.0.0.1")


class DemoEnvironment:
    def __init__(self, data_dir: str | Path, *, card: str = DEFAULT_CARD, printer_port: int | None = None,
                 config_path: str | None = None, overrides: dict | None = None):
        self.data_dir = Path(data_dir)
        self.card_name = card
        self.idcard = Ga467Emulator()
        self.idcard_pty = PtyEndpoint(self.idcard)
        self.printer = EscposEmulator(host="127.0.0.1", port=free_port(printer_port))
        self.central = EmbeddedCentral(f"sqlite:///{self.data_dir / 'central.db'}", dev=True)
        self._config_path = config_path
        self._overrides = overrides or {}
        self._timers: list[threading.Timer] = []
        self.config: KioskConfig | None = None

    def start(self) -> "DemoEnvironment":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.idcard_pty.start()
        self.printer.start()
        self.central.start()
        host, port = self.printer.address
        self.config = load_config(self._config_path, {
            "data_dir": str(self.data_dir / "kiosk"),
            "devices.idcard.url": f"ga467://{self.idcard_pty.device}?baudrate=115200&timeout=3",
            "devices.idcard.poll_interval_s": 2,
            "devices.printer.url": f"escpos+tcp://{host}:{port}?timeout=2",
            "devices.printer.poll_interval_s": 2,
            "central.url": self.central.url,
            "central.enrol_if_missing": True,
            **self._overrides,
        })
        return self

    def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        for part in (self.idcard_pty, self.printer, self.central):
            with contextlib.suppress(Exception):
                part.stop()

    def __enter__(self) -> "DemoEnvironment":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- the simulated citizen's hands ---------------------------------------------------------
    def place_card(self, name: str | None = None) -> None:
        self.idcard.place_card(load_demo_card(name or self.card_name))

    def lift_card(self) -> None:
        self.idcard.remove_card()

    def follow(self, session, *, delay_s: float = 1.5) -> None:
        """Act like a citizen at the reader: place the card a moment after the kiosk asks for it,
        take it back when the visit ends. For the interactive demo, where nobody holds a card."""
        state = {"last": None}

        def on_view(view):
            if view.state == state["last"]:
                return
            state["last"] = view.state
            if view.state == "identify":
                timer = threading.Timer(delay_s, self.place_card)
                timer.daemon = True
                self._timers.append(timer)
                timer.start()
            elif view.state in ("attract", "out_of_service"):
                self.lift_card()

        session.subscribe(on_view)
