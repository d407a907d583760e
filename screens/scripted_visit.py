"""One citizen visit driven through the real widgets, with a screenshot of every screen.

`kiosk demo --scripted` uses it on a machine without a display (under Xvfb): for any service it
touches, chooses, places the card on the emulated reader, scans, types, confirms and rates exactly
as a person would, by clicking the widgets the person would click.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication


class ScriptFailed(Exception):
    pass


# Where the script acts (or waits for the citizen's part to be noticed).
CITIZEN_STEPS = ("identify", "verify", "scan", "choose", "select", "enter", "confirm", "pay", "capture_photo",
                 "dispense", "result", "rate")


class ScriptedVisit:
    def __init__(self, window, env, out_dir: Path, *, timeout_s: float = 20.0):
        self.window = window
        self.env = env
        self.out_dir = Path(out_dir)
        self.timeout_s = timeout_s
        self.shots: list[Path] = []
        self._seen: set[tuple] = set()
        self.prefix = ""
        self.last_done = None
        self.auto_shots = True  # a picture of each new citizen screen (off while a technician works)

    # ---- helpers -----------------------------------------------------------------------------
    def pump(self, seconds: float = 0.05) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            QApplication.processEvents()
            # Outside QApplication.exec() nothing runs deleteLater(): the buttons a page
            # replaced would pile up hidden until the script ends.
            QApplication.sendPostedEvents(None, QEvent.DeferredDelete)
            self._shoot_new_state()
            time.sleep(0.01)

    def wait_for(self, *states: str, timeout_s: float | None = None):
        deadline = time.monotonic() + (timeout_s or self.timeout_s)
        while time.monotonic() < deadline:
            self.pump(0.03)
            view = self.window.view
            if view is not None and view.state in states:
                self.pump(0.1)  # let the page paint
                return self.window.view
        current = self.window.view.state if self.window.view else None
        raise ScriptFailed(f"waited {timeout_s or self.timeout_s:.0f} s for {'/'.join(states)}, still at {current}")

    def shot(self, name: str) -> Path:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        path = self.out_dir / f"{len(self.shots) + 1:02d}-{self.prefix}{name}.png"
        self.window.grab().save(str(path))
        self.shots.append(path)
        return path

    def _shoot_new_state(self) -> None:
        view = self.window.view
        if not self.auto_shots or view is None or (view.state, view.stage_id) in self._seen:
            return
        # Widgets added to a visible page are shown by a queued event: let it through first.
        for _ in range(3):
            QApplication.processEvents()
            time.sleep(0.02)
        if (self.window.view.state, self.window.view.stage_id) != (view.state, view.stage_id):
            return  # already gone (the machine was quick): no picture under a wrong name
        screen = self.window.screen().geometry()
        if self.window.width() > screen.width():  # a page's minimum size pushed the window out
            raise ScriptFailed(f"the {view.state} page is {self.window.width()} px wide on a {screen.width()} px screen")
        self._seen.add((view.state, view.stage_id))
        name = view.state if view.stage_id in (None, view.state) else f"{view.state}-{view.stage_id}"
        self.shot(name.replace("_", "-"))

    def click(self, widget) -> None:
        if not widget.isEnabled():
            raise ScriptFailed(f"{widget.text() if hasattr(widget, 'text') else widget} is disabled")
        QTest.mouseClick(widget, Qt.LeftButton)
        self.pump(0.05)

    # ---- the visit ---------------------------------------------------------------------------
    def run(self, service_id: str = "no_criminal_record", *, choices: dict[str, str] | None = None,
            entries: dict[str, str] | None = None, scan: str | None = None, rating: int = 5,
            reason: str = "slow", picks: dict[str, tuple[str, ...]] | None = None,
            english_tour: bool = True) -> None:
        """One visit of `service_id`, tapping what a citizen would tap: `choices` per Choose or
        Result stage (default: the first choice; on a result, the last, which goes on), `entries`
        typed per Enter stage, `picks` per Select stage (default: every line that can be
        picked), `scan` held under the scanner, a payment made in the (simulated) payment app
        once the QR code shows, and a rating (with `reason` for the two lowest)."""
        choices, entries, picks = dict(choices or {}), dict(entries or {}), dict(picks or {})
        pages = self.window.pages
        self._seen.clear()
        self.wait_for("attract")
        self.click(pages["attract"])
        self.wait_for("home")
        if english_tour:
            self.click(self.window.language)  # the English toggle, then back to Chinese
            self.wait_for_language("en")
            self.shot("home-english")
            self.click(self.window.language)
            self.wait_for_language("zh")
        self.wait_enabled(lambda: pages["home"].tiles.buttons.get(service_id))
        self.click(pages["home"].tiles.buttons[service_id])
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            view = self.wait_for(*CITIZEN_STEPS, "done", timeout_s=60)
            if view.state == "identify":
                self.env.place_card()
                self.wait_for_next(view)
            elif view.state == "verify":
                self.wait_for_preview()
                verify = self.window.view.verify
                self.shot("verify-fingerprint" if verify is not None and verify.method == "fingerprint" else "verify-camera")
                self.wait_verified()
            elif view.state == "scan":
                self.env.scan(scan or "")
                self.wait_for_next(view)
            elif view.state == "choose":
                buttons = pages["choose"].choices.buttons
                self.click(buttons[choices.get(view.stage_id, next(iter(buttons)))])
                self.wait_for_next(view)
            elif view.state == "select":
                page = pages["select"]
                wanted = picks.get(view.stage_id) or [o.id for o in view.select.options if o.selectable]
                for option in wanted:
                    self.click(page.buttons[option])
                self.shot(f"select-{view.stage_id}-picked")
                self.click(page.ok)
                self.wait_for_next(view)
            elif view.state == "pay":
                code = self.wait_for_code()
                self.shot("pay-qr-code")
                self.env.pay(code)
                self.wait_for_next(self.window.view)
            elif view.state == "enter":
                page = pages["enter"]
                for key in entries.get(view.stage_id, ""):
                    self.wait_enabled(lambda k=key: page.keys.buttons.get(k))
                    self.click(page.keys.buttons[key])
                self.click(page.ok)
                self.wait_for_next(view)
            elif view.state == "confirm":
                self.click(pages["confirm"].ok)
                self.wait_for_next(view)
            elif view.state == "capture_photo":
                photo = self.wait_for_photo()
                (self.out_dir / f"{self.prefix}photo.jpg").write_bytes(photo)  # what the citizen sees
                self.shot("capture-photo-review")
                self.click(pages["capture_photo"].accept)
                self.wait_for_next(view)
            elif view.state == "dispense":
                self.wait_until(lambda v: v.state != "dispense" or v.handout == "presented", "the card presented")
                if self.window.view.state == "dispense":
                    self.shot("dispense-presented")
                    self.env.take_card()
                self.wait_for_next(view)
            elif view.state == "result":
                buttons = pages["result"].actions.buttons
                self.wait_enabled(lambda: buttons or None)
                self.click(buttons[choices.get(view.stage_id, list(buttons)[-1])])
                self.wait_for_next(view)
            elif view.state == "rate":
                self.click(pages["rate"].ratings.buttons[str(rating)])
                if rating < 3:
                    self.wait_enabled(lambda: pages["rate"].reasons.buttons.get(reason))
                    self.shot("rate-reason")
                    self.click(pages["rate"].reasons.buttons[reason])
                self.wait_for("done")
            elif view.state == "done":
                self.pump(0.3)
                self.last_done = self.window.view
                self.click(pages["done"].finish)
                self.wait_for("attract")
                self.env.lift_card()
                return
        raise ScriptFailed(f"the {service_id} visit did not end in 3 minutes")

    def wait_for_photo(self) -> bytes:
        """Until the ID photo is taken and shown for the citizen to accept; its JPEG."""
        view = self.wait_until(lambda v: v.state != "capture_photo" or (v.photo and v.photo.photo), "an ID photo")
        if view.state != "capture_photo":
            raise ScriptFailed(f"no ID photo taken: {view.state} {view.message}")
        self.pump(0.2)
        return view.photo.photo

    def wait_until(self, done, what: str, timeout_s: float = 60):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.pump(0.05)
            if done(self.window.view):
                return self.window.view
        raise ScriptFailed(f"waited {timeout_s:.0f} s for {what}: {self.window.view.state} {self.window.view.message}")

    def wait_for_code(self) -> str:
        """Until the payment's QR code is on the screen; what it says."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            self.pump(0.05)
            view = self.window.view
            if view.state != "pay":
                break
            if view.payment is not None and view.payment.qr_url and self.window.pages["pay"].code.pixmap():
                self.pump(0.1)
                return view.payment.qr_url
        raise ScriptFailed(f"no payment code shown: {self.window.view.state} {self.window.view.message}")

    def wait_for_next(self, view) -> None:
        """Until the screen has moved on from `view`'s stage (or the visit ended)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self.pump(0.03)
            now = self.window.view
            if (now.state, now.stage_id) != (view.state, view.stage_id) or now.sequence < view.sequence:
                self.pump(0.1)
                return
        raise ScriptFailed(f"still at {view.state} {view.stage_id or ''} after 60 s: {self.window.view.message}")

    def wait_enabled(self, find) -> None:
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            self.pump(0.03)
            widget = find()
            if widget is not None and (not hasattr(widget, "isEnabled") or widget.isEnabled()):
                return
        raise ScriptFailed("a button the citizen needs did not appear (or stayed disabled)")

    def show_out_of_service(self) -> None:
        """The card reader and the scanner come unplugged and the receipt printer runs out of
        paper: no service can be offered, so the kiosk stops taking visits until they are back."""
        for emulator in (self.env.idcard, self.env.scanner):
            emulator.set_fault("unplugged")
        self.env.printer.set_fault("paper_out")
        try:
            self.wait_for("out_of_service", timeout_s=15)
        finally:
            for emulator in (self.env.idcard, self.env.scanner):
                emulator.clear_fault()
            self.env.printer.set_fault(None)
        self.wait_for("attract", timeout_s=15)

    def wait_verified(self):
        """Face and liveness; should the check fall back to the fingerprint, press the finger."""
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            self.pump(0.05)
            view = self.window.view
            if view.state not in ("verify", "done"):
                self.pump(0.1)
                self.env.lift_finger()
                return self.window.view
            if view.state != "verify":
                raise ScriptFailed(f"identity check ended at {view.state}: {view.message}")
            if view.verify is not None and view.verify.method == "fingerprint":
                self.env.place_finger()
        raise ScriptFailed("identity check did not finish in 90 s")

    def wait_for_preview(self) -> None:
        """The face check is under way: the camera's picture and a prompt are on the screen (or the
        check went to the fingerprint: a card whose photo does not decode here)."""
        camera = self.window.pages["verify"].camera
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            self.pump(0.05)
            view = self.window.view
            fingerprint = view.verify is not None and view.verify.method == "fingerprint"
            if view.state != "verify" or camera.frame is not None or fingerprint:
                return
        raise ScriptFailed("no camera picture on the verify page")

    def wait_for_language(self, language: str) -> None:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            self.pump(0.03)
            if self.window.view and self.window.view.language == language:
                self.pump(0.1)
                return
        raise ScriptFailed(f"language did not switch to {language}")
