"""Everything a kiosk needs around it, emulated on this machine: used by `kiosk demo` and tests.

An ID-card reader emulator on a pty, an ESC/POS printer emulator on 127.0.0.1, a camera playing a
cooperative citizen (a video written from a bundled photo, who blinks and turns the head; in
front of a white board, as at an ID-photo kiosk, with `camera="booth"`), an AS608 fingerprint
module emulator on a pty, a barcode scanner emulator on a pty, a CRT-591 card dispenser emulator
on a pty loaded with the demo back office's finished cards (a card at its read position lies
under the ID-card reader emulator, as in a kiosk whose dispenser feeds that reader), an A4 printer
that files each PDF in a folder (`pdf+file://`), an embedded central backend on SQLite with the
payment provider simulator beside it, and a kiosk configuration pointing at all of them. The kiosk itself is
not special-cased: it opens the same URLs it would open in a police post.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from pathlib import Path

import httpx

from central.payments.simulator import ProviderSimulator
from central.server import EmbeddedCentral
from drivers.dispenser.emulator import DispenserEmulator
from drivers.emulation import face_scenes, face_video, photo_scenes
from drivers.emulation.pty import PtyEndpoint
from drivers.fingerprint import demo_fingers
from drivers.fingerprint.emulator import As608Emulator
from drivers.idcard.demo_cards import load_demo_card
from drivers.idcard.emulator import Ga467Emulator
from drivers.printer.emulator import EscposEmulator
from drivers.scanner.emulator import ScannerEmulator
from kiosk.config import KioskConfig, load_config

DEFAULT_CARD = "zhang-wei"
DEFAULT_FACE = "astronaut"  # who stands at the camera: zhang-wei's card carries this portrait
# The finished cards the demo back office says are in every kiosk (central/demo_backoffice.py).
DISPENSER_STOCK = {0: "zhang-wei", 1: "li-na"}
# The demo finger of each demo card's holder (drivers/fingerprint/demo_fingers.py).
CARD_FINGERS = {"zhang-wei": "zhang-wei-right-index", "li-na": "li-na-right-index",
                "chen-siyuan": "chen-siyuan-right-index", "ayigul-maimaiti": "ayigul-maimaiti-right-index"}


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
                 config_path: str | None = None, overrides: dict | None = None, face: str = DEFAULT_FACE,
                 documents_dir: str | Path | None = None, central_options: dict | None = None,
                 camera: str = "citizen", paced: bool = False, central_port: int = 0):
        """`documents_dir`: where the A4 printer files its PDFs (default: in `data_dir`);
        `central_options`: more of central's create_app options (e.g. payment_expiry_s);
        `camera`: "citizen" (a room behind) or "booth" (a white board behind: ID photos pass);
        `paced`: the serial emulators send and take bytes at their lines' baud rates (ptys
        themselves ignore baud), for benchmarks; `central_port`: central's port (0: any free one)."""
        if camera not in ("citizen", "booth"):
            raise ValueError("camera is 'citizen' or 'booth'")
        self.camera = camera
        self.central_options = dict(central_options or {})
        self.data_dir = Path(data_dir)
        self.documents_dir = Path(documents_dir) if documents_dir else self.data_dir / "documents"
        self.card_name = card
        self.face = face
        self.idcard = Ga467Emulator()
        baud = (lambda rate: rate if paced else None)
        # Each serial device behind a stable name, as udev's by-id links give a kiosk: a device
        # unplugged and plugged in again (the emulators' "unplugged" fault) is found again there.
        self.serial_dir = self.data_dir / "serial"
        link = (lambda name: str(self.serial_dir / name))
        self.idcard_pty = PtyEndpoint(self.idcard, pace_baud=baud(115200), link=link("idcard"))
        self.fingerprint = As608Emulator()
        self.fingerprint_pty = PtyEndpoint(self.fingerprint, pace_baud=baud(57600), link=link("fingerprint"))
        self.scanner = ScannerEmulator()
        self.scanner_pty = PtyEndpoint(self.scanner, pace_baud=baud(9600), link=link("scanner"))
        self.dispenser = DispenserEmulator(slots=3, cards=0)
        self.dispenser_pty = PtyEndpoint(self.dispenser, pace_baud=baud(9600), link=link("dispenser"))
        self.card_holders: dict[str, str] = {}  # dispenser card id -> demo card name
        for slot, name in DISPENSER_STOCK.items():
            self.load_card(slot, name)
        self.dispenser.on_channel = self._card_in_channel
        self.printer = EscposEmulator(host="127.0.0.1", port=free_port(printer_port))
        # Payments: the provider simulator (real providers cannot run here), and central using it.
        self.payments = ProviderSimulator()
        self.central: EmbeddedCentral | None = None
        self.central_port = central_port
        self.config_path = config_path
        self._overrides = overrides or {}
        self._timers: list[threading.Timer] = []
        self.config: KioskConfig | None = None

    def start(self) -> "DemoEnvironment":
        self.serial_dir.mkdir(parents=True, exist_ok=True)
        self.idcard_pty.start()
        self.fingerprint_pty.start()
        self.scanner_pty.start()
        self.dispenser_pty.start()
        self.documents_dir.mkdir(parents=True, exist_ok=True)
        self.printer.start()
        self.payments.start()
        self._start_central(self.central_port)
        video = self.camera_video()
        host, port = self.printer.address
        # Kept: a core started again on an operator config loads the same file with the same values.
        self.config_overrides = {
            "data_dir": str(self.data_dir / "kiosk"),
            "devices.idcard.url": f"ga467://{self.idcard_pty.device}?baudrate=115200&timeout=3",
            "devices.idcard.poll_interval_s": 2,
            "devices.printer.url": f"escpos+tcp://{host}:{port}?timeout=2",
            "devices.printer.poll_interval_s": 2,
            "devices.docprinter.url": f"pdf+file://{self.documents_dir.resolve()}",
            "devices.docprinter.poll_interval_s": 2,
            "devices.scanner.url": f"scanner://{self.scanner_pty.device}?baudrate=9600",
            "devices.scanner.poll_interval_s": 2,
            "devices.camera.url": f"opencv://{video}?loop=1&pace=1",
            "devices.camera.poll_interval_s": 2,
            "devices.fingerprint.url": f"as608://{self.fingerprint_pty.device}?baudrate=57600&timeout=2",
            "devices.fingerprint.poll_interval_s": 2,
            "devices.dispenser.url": f"crt591://{self.dispenser_pty.device}?baudrate=9600&timeout=2",
            "devices.dispenser.poll_interval_s": 2,
            "central.url": self.central.url,
            "central.enrol_if_missing": True,
            **self._overrides,
        }
        self.config = load_config(self.config_path, self.config_overrides)
        return self

    def _start_central(self, port: int = 0) -> None:
        self.central = EmbeddedCentral(f"sqlite:///{self.data_dir / 'central.db'}", dev=True, port=port,
                                       payment_provider_url=self.payments.url, **self.central_options)
        self.central.start()
        self.payments.notify_to(f"{self.central.url}/api/v1/payments/notify")

    def restart_central(self, down_s: float = 0.0, during=None) -> None:
        """Central goes away (`during()` runs while it is down) and comes back on the same port
        and database, as after a crash of its server."""
        port = int(self.central.url.rsplit(":", 1)[1])
        self.central.stop()
        if during is not None:
            during()
        time.sleep(down_s)
        self._start_central(port)

    def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        for part in (self.idcard_pty, self.fingerprint_pty, self.scanner_pty, self.dispenser_pty, self.printer,
                     self.central,
                     self.payments):
            if part is None:
                continue
            with contextlib.suppress(Exception):
                part.stop()

    def __enter__(self) -> "DemoEnvironment":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def camera_video(self) -> Path:
        """The camera's picture: the citizen in front of the kiosk, still a moment, then blinking,
        turning left and right, looped; whatever the challenge order, it is done within a loop."""
        path = self.data_dir / self.camera_video_name
        if not path.exists():
            if self.camera == "booth":
                frames = photo_scenes.booth_citizen(self.face)
            else:
                frames = face_scenes.citizen(face_scenes.load_face(str(face_scenes.bundled(self.face))))
            face_video.write_avi(frames, path, fps=face_video.DEFAULT_FPS)
        return path

    @property
    def camera_video_name(self) -> str:
        return f"camera-{self.face}.avi" if self.camera == "citizen" else f"camera-{self.face}-booth.avi"

    @staticmethod
    def fingerprint_template(card) -> bytes | None:
        """The card holder's finger as the reader's template (KioskCore's `fingerprint_template`).
        Stands in for the card's fingerprint block, as in tests/identity/test_fingerprint.py:
        reading the card's vendor template format needs the licensed library, so a press of the
        holder's demo finger is what the module compares."""
        from drivers.idcard.demo_cards import demo_card_names

        for name in demo_card_names():
            if name in CARD_FINGERS and load_demo_card(name).id_number == card.id_number:
                return demo_fingers.press(CARD_FINGERS[name], 99)
        return None

    # ---- the simulated citizen's hands ---------------------------------------------------------
    def place_finger(self, finger: str | None = None) -> None:
        self.fingerprint.place_finger(finger or CARD_FINGERS[self.card_name])

    def lift_finger(self) -> None:
        self.fingerprint.lift_finger()

    def place_card(self, name: str | None = None) -> None:
        self.idcard.place_card(load_demo_card(name or self.card_name))

    def lift_card(self) -> None:
        self.idcard.remove_card()

    def load_card(self, slot: int, name: str) -> str:
        """A finished card of demo card `name` into dispenser slot `slot` (staff loading it)."""
        card_id = self.dispenser.load(slot)[0]
        self.card_holders[card_id] = name
        return card_id

    def _card_in_channel(self, channel) -> None:
        if channel is not None and channel[1] == "read" and channel[0] in self.card_holders:
            self.idcard.place_card(load_demo_card(self.card_holders[channel[0]]))
        else:
            self.idcard.remove_card()

    def take_card(self) -> bool:
        """The citizen takes the card presented at the dispenser's mouth."""
        return self.dispenser.take()

    def pay(self, qr_url: str) -> None:
        """The citizen scans the QR code with their payment app and pays (the simulator's control)."""
        response = httpx.post(f"{self.payments.control_url}/pay", json={"qr_url": qr_url}, timeout=10)
        response.raise_for_status()

    def _later(self, delay_s: float, action, *args) -> None:
        timer = threading.Timer(delay_s, action, args=args)
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    def scan(self, code: str) -> None:
        """The citizen holds a code (a receipt's QR) under the scanner."""
        self.scanner.scan(code)

    def documents(self) -> list[Path]:
        """The A4 documents printed so far, oldest first."""
        return sorted(self.documents_dir.glob("*.pdf"), key=lambda p: p.stat().st_mtime)

    @property
    def last_receipt_code(self) -> str | None:
        """The QR code on the last receipt printed: what a citizen would hold under the scanner."""
        jobs = [job for job in self.printer.jobs if job.qr_codes]
        return jobs[-1].qr_codes[0] if jobs else None

    def follow(self, session, *, delay_s: float = 1.5) -> None:
        """Act like a citizen at the reader: place the card a moment after the kiosk asks for it,
        the finger when the fingerprint is asked for, pay a few seconds after a payment's QR code
        shows, take them back when the visit ends. For the interactive demo, where nobody holds
        a card or a phone. (The face is the camera's video.)"""
        state = {"last": None}

        def on_view(view):
            finger_asked = view.state == "verify" and view.verify is not None and view.verify.method == "fingerprint"
            if finger_asked and self.card_name in CARD_FINGERS and not state.get("finger"):
                state["finger"] = True
                self.place_finger()
            code = view.payment.qr_url if view.state == "pay" and view.payment else None
            if code and state.get("paying") != code:
                state["paying"] = code
                self._later(delay_s * 3, self.pay, code)
            if view.state == "dispense" and view.handout == "presented" and not state.get("taking"):
                state["taking"] = True
                self._later(delay_s, self.take_card)
            if view.state == state["last"]:
                return
            state["taking"] = False
            state["last"] = view.state
            if view.state != "verify" and state.get("finger"):
                state["finger"] = False
                self.lift_finger()
            if view.state == "scan" and self.last_receipt_code:
                timer = threading.Timer(delay_s, self.scan, args=(self.last_receipt_code,))
                timer.daemon = True
                self._timers.append(timer)
                timer.start()
            elif view.state == "identify":
                timer = threading.Timer(delay_s, self.place_card)
                timer.daemon = True
                self._timers.append(timer)
                timer.start()
            elif view.state in ("attract", "out_of_service"):
                self.lift_card()

        session.subscribe(on_view)
