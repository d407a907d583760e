"""The technicians' mode: five quick taps in the top-left corner, a PIN, then every device's
status, self-tests, reconnecting a device, sync now, dead letters sent again or discarded, the
kiosk out of service with a message and back, emulator faults, recent events and log lines,
queue and sync state; every entry, action, refusal and exit audited (kiosk/audit.py).

It lies over the citizen screens as a child of the kiosk window, so the citizen flow underneath
is untouched. Labels are bilingual (技术人员 read Chinese; vendors' engineers often English).
Everything it does goes through kiosk.diagnostics.Diagnostics; device calls that may block run
on a worker thread and come back through a queued signal. It closes itself after
`diagnostics.idle_exit_s` without a touch, so a forgotten session never stays open to the public.
"""

from __future__ import annotations

import json
import logging
import threading
import time

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from screens.widgets import button, label

log = logging.getLogger(__name__)

CORNER_PX = 140
TAPS_TO_OPEN = 5
TAP_WINDOW_S = 3.0
FAULTS = {  # what the emulators can be told from here; the first of each is the common case
    "idcard": ["no_card", "read_failed", "no_answer", "bad_checksum", "unplugged"],
    "printer": ["paper_out", "paper_near_end", "cover_open", "offline", "no_answer"],
    "fingerprint": ["wet_finger", "dry_finger", "mismatch", "no_answer", "unplugged"],
    "camera": ["black", "no_face", "freeze", "drop_connection", "unplugged"],
    "scanner": ["garbage", "no_read", "slow", "unplugged"],
    "dispenser": ["jam", "empty", "not_taken", "bin_full", "no_answer", "unplugged"],
}
# What a touch screen without a keyboard can say; `kiosk diag` takes any words.
SERVICE_OFF_MESSAGE = "设备维护中，请稍后再来或前往服务窗口。Under maintenance: please come back later or go to a counter."
DISCARD_REASON = "discarded at the kiosk by a technician"


class CornerTaps(QObject):
    """Counts taps in the window's top-left corner; `opened` after TAPS_TO_OPEN quick ones."""

    opened = Signal()
    pressed = Signal()  # any press anywhere: keeps an open diagnostics session alive

    def __init__(self, window: QWidget):
        super().__init__(window)
        self._window = window
        self._taps: list[float] = []

    def eventFilter(self, watched, event) -> bool:
        if (event.type() == QEvent.MouseButtonPress and isinstance(watched, QWidget)
                and watched.window() is self._window):
            self.pressed.emit()
            point = self._window.mapFromGlobal(event.globalPosition().toPoint())
            if point.x() < CORNER_PX and point.y() < CORNER_PX:
                now = time.monotonic()
                self._taps = [t for t in self._taps if now - t < TAP_WINDOW_S] + [now]
                if len(self._taps) >= TAPS_TO_OPEN:
                    self._taps.clear()
                    self.opened.emit()
        return False


class PinPad(QFrame):
    entered = Signal(str)
    cancelled = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("dialog")
        layout = QVBoxLayout(self)
        layout.addWidget(label("技术人员 PIN / Technician PIN", "title"))
        self.digits = label("", "huge")
        self.message = label("", "message")
        layout.addWidget(self.digits)
        layout.addWidget(self.message)
        grid = QGridLayout()
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "←", "0", "OK"]
        self.buttons: dict[str, QPushButton] = {}
        for index, key in enumerate(keys):
            widget = button(key, secondary=key in ("←", "OK"))
            widget.clicked.connect(lambda _=False, k=key: self._press(k))
            grid.addWidget(widget, index // 3, index % 3)
            self.buttons[key] = widget
        layout.addLayout(grid)
        cancel = button("取消 Cancel", secondary=True)
        cancel.clicked.connect(self.cancelled.emit)
        layout.addWidget(cancel)
        self._pin = ""

    def _press(self, key: str) -> None:
        if key == "OK":
            pin, self._pin = self._pin, ""
            self.digits.setText("")
            self.entered.emit(pin)
            return
        self._pin = self._pin[:-1] if key == "←" else (self._pin + key)[:12]
        self.digits.setText("●" * len(self._pin))

    def reset(self, message: str = "") -> None:
        self._pin = ""
        self.digits.setText("")
        self.message.setText(message)


class DiagnosticsPanel(QFrame):
    """Status of everything, refreshed every second, and the technician's actions."""

    result_ready = Signal(str)  # from worker threads, queued onto the GUI thread
    snapshot_ready = Signal(object)
    closed = Signal()

    def __init__(self, diagnostics, parent=None):
        super().__init__(parent)
        self.setObjectName("dialog")
        self._diagnostics = diagnostics
        layout = QVBoxLayout(self)
        header = QHBoxLayout()
        header.addWidget(label("诊断 Diagnostics", "title", center=False), 1)
        self.exit_button = button("退出 Exit", secondary=True)
        self.exit_button.clicked.connect(self.closed.emit)
        header.addWidget(self.exit_button)
        layout.addLayout(header)
        self.summary = label("", center=False)
        layout.addWidget(self.summary)
        actions = QHBoxLayout()
        self.action_buttons: dict[str, QPushButton] = {}
        for key, text, call in (
            ("sync", "立即同步 Sync now", lambda: self._in_background("sync", diagnostics.sync_now)),
            ("service_off", "暂停服务 Out of service", lambda: self._in_background(
                "out of service", diagnostics.out_of_service, SERVICE_OFF_MESSAGE)),
            ("service_on", "恢复服务 Back in service", lambda: self._in_background(
                "back in service", diagnostics.back_in_service)),
            ("export", "导出 Export", lambda: self._in_background(
                "export", diagnostics.export, diagnostics.export_dir)),
        ):
            widget = button(text, secondary=True)
            widget.clicked.connect(call)
            actions.addWidget(widget)
            self.action_buttons[key] = widget
        layout.addLayout(actions)
        self.dead = QGridLayout()
        layout.addLayout(self.dead)
        self.dead_buttons: dict[str, tuple[QPushButton, QPushButton]] = {}
        self.devices = QGridLayout()
        layout.addLayout(self.devices)
        self.device_rows: dict[str, QLabel] = {}
        self.test_buttons: dict[str, QPushButton] = {}
        self.reconnect_buttons: dict[str, QPushButton] = {}
        self.fault_buttons: dict[str, tuple[QPushButton, QPushButton]] = {}
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.output.setStyleSheet("font-size: 20px; background: white;")
        layout.addWidget(self.output, 1)
        self.result_ready.connect(self._show_result)
        self.snapshot_ready.connect(self._render)
        self._reading = threading.Lock()  # one snapshot in flight at a time
        self._events_text = ""
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)

    def start(self) -> None:
        self.refresh()
        self._timer.start(1000)

    def stop(self) -> None:
        self._timer.stop()

    def refresh(self) -> None:
        """Read a snapshot off the GUI thread (it queries the outbox); render it when it comes."""
        if not self._reading.acquire(blocking=False):
            return

        def read():
            try:
                self.snapshot_ready.emit(self._diagnostics.snapshot())
            finally:
                self._reading.release()

        threading.Thread(target=read, name="diagnostics-snapshot", daemon=True).start()

    def _render(self, snap: dict) -> None:
        queue, sync = snap["queue"], snap["sync"]
        self.summary.setText(
            f"{snap['kiosk']} · config {snap['config_version']} · "
            f"队列 queue: {queue.get('pending', 0)} pending, {queue.get('dead', 0)} dead, "
            f"{queue.get('quarantined', 0)} quarantined · "
            f"同步 sync: {'online' if sync.get('online') else 'offline'}"
            + (f" ({sync['last_error']})" if sync.get("last_error") else ""))
        for row, (name, status) in enumerate(sorted(snap["devices"].items())):
            if name not in self.device_rows:
                self._add_device_row(row, name, name in snap["emulated"])
            text = f"{name}: {status['state']} — {status['message']}"
            if (test := snap.get("self_tests", {}).get(name)) is not None:  # the last one, kept across restarts
                text += f"\n  自检 self-test {test['state']} {test['at']}: {test['summary']}"
            self.device_rows[name].setText(text)
        self._render_dead_letters(snap["dead_letters"])
        events = [f"{time.strftime('%H:%M:%S', time.localtime(e['at']))} {e['device']} {e['kind']}"
                  for e in snap["events"][-8:]]
        self._events_text = "\n".join(events)

    def _render_dead_letters(self, letters: list[dict]) -> None:
        """Each dead letter with its reason, to send again or to discard (with the preset reason
        a touch screen allows; `kiosk diag dead-letters discard` takes any)."""
        keys = [letter["key"] for letter in letters]
        if keys == list(self.dead_buttons):
            return
        while self.dead.count():
            item = self.dead.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.dead_buttons = {}
        for row, letter in enumerate(letters):
            self.dead.addWidget(label(f"{letter['kind']} {letter['key'][-12:]}: {letter['reason'][:60]}",
                                      center=False), row, 0)
            retry = button("重发 Retry", secondary=True)
            discard = button("丢弃 Discard", secondary=True)
            retry.setEnabled(letter["state"] == "dead")  # a quarantined one cannot be opened: only discarded
            retry.clicked.connect(lambda _=False, k=letter["key"]: self._in_background(
                f"retry {k}", self._diagnostics.retry_dead_letter, k))
            discard.clicked.connect(lambda _=False, k=letter["key"]: self._in_background(
                f"discard {k}", self._diagnostics.discard_dead_letter, k, DISCARD_REASON))
            self.dead.addWidget(retry, row, 1)
            self.dead.addWidget(discard, row, 2)
            self.dead_buttons[letter["key"]] = (retry, discard)

    def _add_device_row(self, row: int, name: str, emulated: bool) -> None:
        status = label("", center=False)
        self.devices.addWidget(status, row, 0)
        self.device_rows[name] = status
        test = button("自检 Test", secondary=True)
        self.test_buttons[name] = test
        test.clicked.connect(lambda _=False, n=name: self._in_background(f"self-test {n}",
                                                                        self._diagnostics.self_test, n))
        self.devices.addWidget(test, row, 1)
        again = button("重连 Reconnect", secondary=True)
        self.reconnect_buttons[name] = again
        again.clicked.connect(lambda _=False, n=name: self._in_background(f"reconnect {n}",
                                                                         self._diagnostics.reconnect, n))
        self.devices.addWidget(again, row, 2)
        if emulated and name in FAULTS:
            actions = []
            for column, (text, command) in enumerate((
                (f"故障 {FAULTS[name][0]}", {"op": "fault", "kind": FAULTS[name][0]}),
                ("清除 Clear", {"op": "clear_fault"}),
            ), start=3):
                action = button(text, secondary=True)
                action.clicked.connect(lambda _=False, n=name, c=command: self._in_background(
                    f"{n} {c['op']}", self._diagnostics.control, n, c))
                self.devices.addWidget(action, row, column)
                actions.append(action)
            self.fault_buttons[name] = tuple(actions)

    def show_log(self) -> None:
        lines = self._diagnostics.log_lines(40)
        self.output.setPlainText("\n".join([self._events_text, "", *lines]))

    def _in_background(self, title: str, call, *args) -> None:
        self.output.setPlainText(f"{title} …")

        def work():
            try:
                result = call(*args)
            except Exception as exc:  # shown to the technician, never raised into Qt
                result = {"error": str(exc)}
            self.result_ready.emit(f"{title}\n{json.dumps(result, ensure_ascii=False, indent=1, default=str)}")

        threading.Thread(target=work, name="diagnostics", daemon=True).start()

    def _show_result(self, text: str) -> None:
        self.output.setPlainText(text)
        self.refresh()


class DiagnosticsOverlay(QFrame):
    """Covers the kiosk window: first the PIN pad, then the panel."""

    pin_checked = Signal(bool)

    def __init__(self, window: QWidget, diagnostics):
        super().__init__(window)
        self.setObjectName("overlay")
        self._diagnostics = diagnostics
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 80, 40, 80)
        self.pin_pad = PinPad()
        self.panel = DiagnosticsPanel(diagnostics)
        layout.addWidget(self.pin_pad)
        layout.addWidget(self.panel)
        self._checking = False
        self.pin_checked.connect(self._pin_checked)
        self.pin_pad.entered.connect(self._check_pin)
        self.pin_pad.cancelled.connect(lambda: self.close_mode())
        self.panel.closed.connect(lambda: self.close_mode())
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(lambda: self.close_mode("idle"))
        self._log_timer = QTimer(self)
        self._log_timer.timeout.connect(self.panel.show_log)
        self.taps = CornerTaps(window)
        self.taps.opened.connect(self.open_mode)
        self.taps.pressed.connect(lambda: self._touched() if self.isVisible() else None)
        self.hide()

    def open_mode(self) -> None:
        if not self._diagnostics.pin.enabled:
            return  # no PIN configured: the mode does not exist on this kiosk
        self.setGeometry(self.parentWidget().rect())
        locked = self._diagnostics.pin.locked_for()
        self.pin_pad.reset(f"已锁定 locked: {locked:.0f} s" if locked else "")
        self.pin_pad.show()
        self.panel.hide()
        self.show()
        self.raise_()
        self._touched()

    @property
    def checking(self) -> bool:
        return self._checking

    def _check_pin(self, pin: str) -> None:
        """Check the PIN off the GUI thread: an argon2id hash takes a good part of a second,
        during which the screen must keep answering (and the watchdog keep ticking)."""
        self._touched()
        if self._checking:
            return
        self._checking = True
        self.pin_pad.reset("核验中 checking …")

        def check():
            try:
                entered = self._diagnostics.enter(pin)
            except Exception:  # a broken lock file or the like: a refusal, never raised into Qt
                log.exception("PIN check failed")
                entered = False
            self.pin_checked.emit(entered)

        threading.Thread(target=check, name="diagnostics-pin", daemon=True).start()

    def _pin_checked(self, entered: bool) -> None:
        self._checking = False
        if not self.isVisible():  # cancelled or closed while the hash was computed
            if entered:
                self._diagnostics.exit("closed")
            return
        if entered:
            self.pin_pad.hide()
            self.panel.show()
            self.panel.start()
            self.panel.show_log()
            self._log_timer.start(3000)
        else:
            locked = self._diagnostics.pin.locked_for()
            busy = self._diagnostics.visit_in_progress
            self.pin_pad.reset("办理中，请稍后 a visit is in progress" if busy else
                               f"已锁定 locked: {locked:.0f} s" if locked else "PIN 错误 wrong PIN")

    def close_mode(self, reason: str = "closed") -> None:
        if self.panel.isVisible():
            self._diagnostics.exit(reason)
        self.panel.stop()
        self._log_timer.stop()
        self._idle.stop()
        self.panel.output.clear()
        self.pin_pad.reset()
        self.hide()

    def _touched(self) -> None:
        self._idle.start(self._diagnostics.idle_exit_s * 1000)


def attach_diagnostics(window: QWidget, diagnostics) -> DiagnosticsOverlay:
    """Give `window` the hidden technicians' mode; returns the overlay (tests drive it)."""
    from PySide6.QtWidgets import QApplication

    overlay = DiagnosticsOverlay(window, diagnostics)
    QApplication.instance().installEventFilter(overlay.taps)
    window.diagnostics_overlay = overlay
    return overlay
