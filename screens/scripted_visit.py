"""One citizen visit driven through the real widgets, with a screenshot of every screen.

`kiosk demo --scripted` uses it on a machine without a display (under Xvfb): it touches, chooses,
places the card on the emulated reader, confirms and rates exactly as a person would, by clicking
the widgets the person would click.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication


class ScriptFailed(Exception):
    pass


class ScriptedVisit:
    def __init__(self, window, env, out_dir: Path, *, timeout_s: float = 20.0):
        self.window = window
        self.env = env
        self.out_dir = Path(out_dir)
        self.timeout_s = timeout_s
        self.shots: list[Path] = []
        self._seen: set[str] = set()

    # ---- helpers -----------------------------------------------------------------------------
    def pump(self, seconds: float = 0.05) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            QApplication.processEvents()
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
        path = self.out_dir / f"{len(self.shots) + 1:02d}-{name}.png"
        self.window.grab().save(str(path))
        self.shots.append(path)
        return path

    def _shoot_new_state(self) -> None:
        view = self.window.view
        if view is None or view.state in self._seen:
            return
        # Widgets added to a visible page are shown by a queued event: let it through first.
        for _ in range(3):
            QApplication.processEvents()
            time.sleep(0.02)
        if self.window.view.state != view.state:
            return  # already gone (the machine was quick): no picture under a wrong name
        self._seen.add(view.state)
        self.shot(view.state)

    def click(self, widget) -> None:
        if not widget.isEnabled():
            raise ScriptFailed(f"{widget.text() if hasattr(widget, 'text') else widget} is disabled")
        QTest.mouseClick(widget, Qt.LeftButton)
        self.pump(0.05)

    # ---- the visit ---------------------------------------------------------------------------
    def run(self, service_id: str = "no_criminal_record", choice: str = "employment", rating: int = 5) -> None:
        pages = self.window.pages
        self.wait_for("attract")
        self.click(pages["attract"])
        self.wait_for("home")
        self.click(self.window.language)  # the English toggle, then back to Chinese
        self.wait_for_language("en")
        self.shot("home-english")
        self.click(self.window.language)
        self.wait_for_language("zh")
        self.click(pages["home"].tiles.buttons[service_id])
        self.wait_for("identify")
        self.env.place_card()
        self.wait_for("verify")
        self.wait_for_preview()
        verify = self.window.view.verify
        self.shot("verify-fingerprint" if verify is not None and verify.method == "fingerprint" else "verify-camera")
        view = self.wait_verified()
        if view.state == "steps":
            self.click(pages["steps"].choices.buttons[choice])
            self.wait_for("confirm")
        self.click(pages["confirm"].ok)
        self.wait_for("rate", timeout_s=30)
        self.click(pages["rate"].ratings.buttons[str(rating)])
        self.wait_for("done")
        self.click(pages["done"].finish)
        self.wait_for("attract")
        self.env.lift_card()

    def show_out_of_service(self) -> None:
        """Paper runs out: the only service needs the printer, so the kiosk stops taking visits."""
        self.env.printer.handle_control({"op": "fault", "kind": "paper_out"})
        try:
            self.wait_for("out_of_service", timeout_s=10)
        finally:
            self.env.printer.handle_control({"op": "clear_fault"})
        self.wait_for("attract", timeout_s=10)

    def wait_verified(self):
        """Face and liveness; should the check fall back to the fingerprint, press the finger."""
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            self.pump(0.05)
            view = self.window.view
            if view.state in ("steps", "confirm"):
                self.pump(0.1)
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
