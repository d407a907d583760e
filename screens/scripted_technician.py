"""A technician's visit driven through the real diagnostics widgets, with screenshots.

`kiosk demo --scripted` runs it after the citizens' visits: five taps in the corner and the PIN,
a paper-out fault injected into the printer emulator from the screen and seen there, the fault
cleared and the printer reconnected, its self-test, the kiosk out of service with a message (the
citizens' screen photographed with the mode closed), back in service, exit. Every step lands on
the audit trail (kiosk/audit.py); the demo then waits for central to have them.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from screens.diagnostics import TAPS_TO_OPEN
from screens.scripted_visit import ScriptFailed


class TechnicianTour:
    def __init__(self, script, *, timeout_s: float = 20.0):
        """`script`: the ScriptedVisit whose window (with its diagnostics overlay), pictures and
        event pumping this tour shares."""
        self.script = script
        self.window = script.window
        self.overlay = script.window.diagnostics_overlay
        self.panel = self.overlay.panel
        self.timeout_s = timeout_s

    # ---- helpers -----------------------------------------------------------------------------
    def until(self, done, what: str, timeout_s: float | None = None) -> None:
        deadline = time.monotonic() + (timeout_s or self.timeout_s)
        while time.monotonic() < deadline:
            self.script.pump(0.05)
            if done():
                self.script.pump(0.2)  # let the result paint before a picture
                return
        raise ScriptFailed(f"waited {timeout_s or self.timeout_s:.0f} s for {what}; "
                           f"the screen says: {self.panel.output.toPlainText()[:200]!r}")

    def output_has(self, *parts: str):
        return lambda: all(part in self.panel.output.toPlainText() for part in parts)

    def row(self, device: str) -> str:
        widget = self.panel.device_rows.get(device)
        return widget.text() if widget is not None else ""

    def enter_diagnostics(self, pin: str, *, picture: str | None = "pin") -> None:
        """Five quick taps in the top-left corner, then the PIN on the pad (photographed as
        `picture` before OK), until the panel shows."""
        for _ in range(TAPS_TO_OPEN):
            QTest.mouseClick(self.window, Qt.LeftButton, pos=QPoint(20, 20))
            self.script.pump(0.05)
        self.until(lambda: self.overlay.pin_pad.isVisible(), "the PIN pad")
        for digit in pin:
            self.script.click(self.overlay.pin_pad.buttons[digit])
        if picture:
            self.script.shot(picture)
        self.script.click(self.overlay.pin_pad.buttons["OK"])
        self.until(lambda: self.panel.isVisible(), f"the diagnostics panel ({self.overlay.pin_pad.message.text()})")

    def settle(self, timeout_s: float = 15) -> None:
        """A moment for devices the citizens' last screen unplugged to come back (they are
        polled every few seconds), so the overview shows every device online before the fault."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and any(f"{d}: online" not in self.row(d) for d in self.panel.device_rows):
            self.script.pump(0.1)

    def leave(self) -> None:
        self.script.click(self.panel.exit_button)
        self.until(lambda: not self.overlay.isVisible(), "the diagnostics mode to close")

    # ---- the tour ----------------------------------------------------------------------------
    def run(self, pin: str, message_hint: str = "Under maintenance") -> None:
        script = self.script
        script.auto_shots = False  # the pictures below are the technician's, named for what they show
        try:
            self.enter_diagnostics(pin)
            self.until(lambda: "printer: online" in self.row("printer"), "the printer online")
            self.settle()
            script.shot("diagnostics")

            self.panel.show_device("printer")
            fault, clear = self.panel.fault_buttons["printer"]
            script.click(fault)  # the emulator runs out of paper
            self.until(self.output_has("printer fault", '"ok": true'), "the fault injected")
            self.until(lambda: "printer: online" not in self.row("printer"), "the printer's fault on the screen")
            script.shot("printer-fault")

            script.click(clear)  # paper loaded
            self.until(self.output_has("printer clear_fault", '"ok": true'), "the fault cleared")
            script.click(self.panel.reconnect_buttons["printer"])
            self.until(self.output_has("reconnect printer", '"state": "online"'), "the printer reconnected")
            script.click(self.panel.test_buttons["printer"])
            self.until(lambda: "self-test passed" in self.row("printer"), "the printer's self-test passed", 30)
            script.shot("printer-self-test")

            script.click(self.panel.action_buttons["service_off"])
            self.until(lambda: self.window.view.state == "out_of_service", "the kiosk out of service")
            self.leave()
            page = self.window.pages["out_of_service"]
            self.until(lambda: message_hint in page.notice.text(), "the technician's message to citizens")
            script.shot("citizens-out-of-service")

            self.enter_diagnostics(pin, picture=None)
            script.click(self.panel.action_buttons["service_on"])
            self.until(lambda: self.window.view.state == "attract", "the kiosk back in service")
            self.leave()
        finally:
            if self.overlay.isVisible():
                self.overlay.close_mode()
            script.auto_shots = True
