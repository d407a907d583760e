"""The technicians' mode: five quick taps in the top-left corner, the technician's account and
its PIN, then every device's status and counters, self-tests, reconnecting a device, sync now,
dead letters sent again or discarded, the kiosk out of service with a message and back, emulator
faults, recent events and log lines, queue and sync state, the camera self-test's last frame with
its face box and frame rate (gone when the mode closes); every entry, action, refusal and exit
audited (kiosk/audit.py).

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

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from screens.bridge import qimage_of
from screens.remote_capture import PRIVATE
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
# An action's result stays on the output this long before the running log takes it back.
RESULT_HOLD_S = 30.0


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


class AccountPicker(QFrame):
    """The technicians' accounts as buttons: who is about to type a PIN."""

    picked = Signal(str)
    cancelled = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("dialog")
        layout = QVBoxLayout(self)
        layout.addWidget(label("技术人员 Technician", "title"))
        self.message = label("", "message")
        layout.addWidget(self.message)
        self._list = QVBoxLayout()
        layout.addLayout(self._list)
        cancel = button("取消 Cancel", secondary=True)
        cancel.clicked.connect(self.cancelled.emit)
        layout.addWidget(cancel)
        self.buttons: dict[str, QPushButton] = {}

    def show_accounts(self, accounts, message: str = "") -> None:
        """`accounts`: kiosk.pin_lock.Account, as the configuration has them now."""
        for widget in self.buttons.values():
            self._list.removeWidget(widget)
            widget.deleteLater()
        self.buttons = {}
        for account in accounts:
            widget = button(account.name, secondary=True)
            widget.clicked.connect(lambda _=False, a=account.id: self.picked.emit(a))
            self._list.addWidget(widget)
            self.buttons[account.id] = widget
        self.message.setText(message)


class PinPad(QFrame):
    entered = Signal(str)
    cancelled = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("dialog")
        layout = QVBoxLayout(self)
        layout.addWidget(label("技术人员 PIN / Technician PIN", "title"))
        self.who = label("", "message")
        layout.addWidget(self.who)
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


def _mib(count: int | None) -> str:
    return "?" if count is None else f"{count / 2**20:.0f} MiB"


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:.1f} h"


def summary_text(snap: dict) -> str:
    """The overview's lines above the devices: kiosk and config, network and central, queue, app."""
    queue, sync, network, app = snap["queue"], snap["sync"], snap.get("network") or {}, snap.get("app") or {}
    updates = snap.get("operator_config") or {}
    refused = updates.get("rejected")
    lines = [
        f"{snap['kiosk']} · 配置 config {snap['config_version']}"
        + (f" · 运营配置 operator v{updates.get('running')}" if updates else "")
        + (f" · 拒绝 refused v{refused.get('version')}: {refused.get('reason')}" if refused else ""),
        f"网络 network: {'up' if network.get('interfaces_up') else 'down'}"
        f" ({', '.join(network.get('interfaces_up') or []) or 'no interface'}"
        f"{'' if network.get('default_route') else ', no default route'}) · "
        f"中心 central: {'reachable' if network.get('central_reachable') else 'unreachable'} · "
        f"同步 sync: {'online' if sync.get('online') else 'offline'}"
        + (f" ({sync['last_error']})" if sync.get("last_error") else ""),
        f"队列 queue: {queue.get('pending', 0)} pending (oldest {_age(queue.get('oldest_pending_age_s'))}), "
        f"{queue.get('dead', 0)} dead, {queue.get('quarantined', 0)} quarantined · "
        "计数 counts: since the last technician visit (since start)",
    ]
    if app:
        disk = app.get("disk") or {}
        lines.append(f"版本 version {app.get('version')} · 运行 up {_age(app.get('uptime_s'))} · "
                     f"磁盘 disk {_mib(disk.get('free_bytes'))} free · "
                     f"内存 memory {_mib(app.get('memory_rss_bytes'))}")
    return "\n".join(lines)


COUNTER_NAMES = (("cards_read", "读卡 read"), ("pages_printed", "打印 printed"),
                 ("cards_dispensed", "发卡 dispensed"), ("failures", "故障 failures"))


def device_text(name: str, status: dict) -> str:
    """One device: state, model and firmware where it reports them, the counts since the last
    technician visit (and since the start), its last error."""
    text = f"{name}: {status['state']} — {status['message']}"
    made = " ".join(str(status[k]) for k in ("model", "firmware") if status.get(k))
    if made:
        text += f" [{made}]"
    since_visit, since_start = status.get("since_visit"), status.get("since_start")
    if since_visit and since_start:
        shown = [f"{name_} {since_visit[key]} ({since_start[key]})" for key, name_ in COUNTER_NAMES
                 if since_start[key] or since_visit[key]]
        if shown:
            text += "\n   " + " · ".join(shown)
    error = status.get("last_error")
    if error:
        at = time.strftime("%m-%d %H:%M", time.localtime(error["at"]))
        text += f"\n   最近错误 last error {at}: {error['message']}"
    return text


class DiagnosticsPanel(QFrame):
    """Status of everything, refreshed every second, and the technician's actions."""

    result_ready = Signal(str)  # from worker threads, queued onto the GUI thread
    snapshot_ready = Signal(object)
    picture_ready = Signal(object)  # kiosk.selftests.preview.CameraPicture, or None
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
        actions = QGridLayout()  # two a row: each label whole at the portrait screen's width
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
            widget = button(text, name="compact")
            widget.clicked.connect(call)
            actions.addWidget(widget, len(self.action_buttons) // 2, len(self.action_buttons) % 2)
            self.action_buttons[key] = widget
        layout.addLayout(actions)
        self.dead = QGridLayout()
        layout.addLayout(self.dead)
        self.dead_buttons: dict[str, tuple[QPushButton, QPushButton]] = {}
        # One block per device (its state over the full width, its actions below), scrolled: the
        # panel never grows past the portrait screen however many devices and lines there are.
        devices = QWidget()
        self.devices = QVBoxLayout(devices)
        self.devices.setContentsMargins(0, 0, 0, 0)
        self.devices.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setWidget(devices)
        layout.addWidget(scroll, 3)
        self._scroll = scroll
        self.device_rows: dict[str, QLabel] = {}
        self.test_buttons: dict[str, QPushButton] = {}
        self.reconnect_buttons: dict[str, QPushButton] = {}
        self.fault_buttons: dict[str, tuple[QPushButton, QPushButton]] = {}
        # The camera self-test's last frame with its face box and frame rate; only while the mode
        # is open (cleared when it closes), never kept anywhere else.
        self.camera_picture = QLabel()
        self.camera_picture.setObjectName(PRIVATE)  # left out of support's screenshots
        self.camera_picture.hide()
        layout.addWidget(self.camera_picture, 0, Qt.AlignHCenter)
        self.picture_ready.connect(self._show_picture)
        diagnostics.show_camera_pictures(self.picture_ready.emit)
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.output.setStyleSheet("font-size: 20px; background: white;")
        layout.addWidget(self.output, 1)
        self.result_ready.connect(self._show_result)
        self.snapshot_ready.connect(self._render)
        self._reading = threading.Lock()  # one snapshot in flight at a time
        self._events_text = ""
        self._result_until = 0.0  # the output shows an action's result until then
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
        self.summary.setText(summary_text(snap))
        for row, (name, status) in enumerate(sorted(snap["devices"].items())):
            if name not in self.device_rows:
                self._add_device_row(row, name, name in snap["emulated"])
            text = device_text(name, status)
            if (test := snap.get("self_tests", {}).get(name)) is not None:  # the last one, kept across restarts
                text += f"\n   自检 self-test {test['state']} {test['at']}: {test['summary']}"
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
        self.device_rows[name] = status
        row_actions = QGridLayout()  # two a row, as the panel's actions
        block = QVBoxLayout()
        block.addWidget(status)
        block.addLayout(row_actions)
        self.devices.insertLayout(row, block)
        test = button("自检 Test", name="compact")
        self.test_buttons[name] = test
        test.clicked.connect(lambda _=False, n=name: self._in_background(f"self-test {n}",
                                                                        self._diagnostics.self_test, n))
        row_actions.addWidget(test, 0, 0)
        again = button("重连 Reconnect", name="compact")
        self.reconnect_buttons[name] = again
        again.clicked.connect(lambda _=False, n=name: self._in_background(f"reconnect {n}",
                                                                         self._diagnostics.reconnect, n))
        row_actions.addWidget(again, 0, 1)
        if emulated and name in FAULTS:
            actions = []
            for text, command in (
                (f"故障 {FAULTS[name][0]}", {"op": "fault", "kind": FAULTS[name][0]}),
                ("清除 Clear", {"op": "clear_fault"}),
            ):
                action = button(text, name="compact")
                action.clicked.connect(lambda _=False, n=name, c=command: self._in_background(
                    f"{n} {c['op']}", self._diagnostics.control, n, c))
                row_actions.addWidget(action, 1, len(actions))
                actions.append(action)
            self.fault_buttons[name] = tuple(actions)

    def _show_picture(self, picture) -> None:
        if picture is None or not self.isVisible():  # the mode closed while the test ran
            self.clear_picture()
            return
        pixmap = QPixmap.fromImage(qimage_of(picture.image))
        painter = QPainter(pixmap)
        if picture.box is not None:
            left, top, right, bottom = picture.box
            painter.setPen(QPen(QColor("#00c853"), 3))
            painter.drawRect(left, top, right - left, bottom - top)
        caption = f"{picture.fps:g} frames/s" + ("" if picture.box is not None else " · 未见人脸 no face")
        painter.fillRect(0, 0, pixmap.width(), 32, QColor(0, 0, 0, 160))
        painter.setPen(QColor("white"))
        painter.setFont(QFont(painter.font().family(), 14))
        painter.drawText(8, 24, caption)
        painter.end()
        self.camera_picture.setPixmap(pixmap)
        self.camera_picture.setToolTip(caption)
        self.camera_picture.show()

    def clear_picture(self) -> None:
        self.camera_picture.clear()
        self.camera_picture.setToolTip("")
        self.camera_picture.hide()

    def show_device(self, name: str) -> None:
        """Scroll to the device's block (its state and its actions)."""
        self._scroll.ensureWidgetVisible(self.device_rows[name], 0, 160)

    def show_log(self) -> None:
        self._result_until = 0.0
        self.refresh_log()

    def refresh_log(self) -> None:
        """The running log, unless an action's result is being read."""
        if time.monotonic() < self._result_until:
            return
        lines = self._diagnostics.log_lines(40)
        self.output.setPlainText("\n".join([self._events_text, "", *lines]))

    def _in_background(self, title: str, call, *args) -> None:
        self._result_until = time.monotonic() + RESULT_HOLD_S
        self.output.setPlainText(f"{title} …")

        def work():
            try:
                result = call(*args)
            except Exception as exc:  # shown to the technician, never raised into Qt
                result = {"error": str(exc)}
            self.result_ready.emit(f"{title}\n{json.dumps(result, ensure_ascii=False, indent=1, default=str)}")

        threading.Thread(target=work, name="diagnostics", daemon=True).start()

    def _show_result(self, text: str) -> None:
        self._result_until = time.monotonic() + RESULT_HOLD_S
        self.output.setPlainText(text)
        self.refresh()


def refusal_text(result, locked_entry: float) -> str:
    """What the pad says after a refused PIN (kiosk.pin_lock.Check)."""
    if result.reason == "visit_in_progress":
        return "办理中，请稍后 a visit is in progress"
    if result.reason == "entry_locked" or result.locked == "entry":
        return f"已锁定 entry locked: {max(result.locked_for_s, locked_entry):.0f} s"
    if result.reason == "account_locked" or result.locked == "account":
        return f"账户已锁定 account locked: {result.locked_for_s:.0f} s"
    if result.reason == "unknown_account":
        return "账户不存在 no such account"
    return "PIN 错误 wrong PIN"


class DiagnosticsOverlay(QFrame):
    """Covers the kiosk window: first the accounts (skipped when there is only one), then the
    PIN pad, then the panel."""

    pin_checked = Signal(object)

    def __init__(self, window: QWidget, diagnostics):
        super().__init__(window)
        self.setObjectName("overlay")
        self._diagnostics = diagnostics
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 80, 40, 80)
        self.accounts = AccountPicker()
        self.pin_pad = PinPad()
        self.panel = DiagnosticsPanel(diagnostics)
        layout.addWidget(self.accounts)
        layout.addWidget(self.pin_pad)
        layout.addWidget(self.panel)
        self._checking = False
        self._account: str | None = None
        self.pin_checked.connect(self._pin_checked)
        self.accounts.picked.connect(self._pick)
        self.accounts.cancelled.connect(lambda: self.close_mode())
        self.pin_pad.entered.connect(self._check_pin)
        self.pin_pad.cancelled.connect(lambda: self.close_mode())
        self.panel.closed.connect(lambda: self.close_mode())
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(lambda: self.close_mode("idle"))
        self._log_timer = QTimer(self)
        self._log_timer.timeout.connect(self.panel.refresh_log)
        self.taps = CornerTaps(window)
        self.taps.opened.connect(self.open_mode)
        self.taps.pressed.connect(lambda: self._touched() if self.isVisible() else None)
        self.hide()

    def open_mode(self) -> None:
        accounts = self._diagnostics.accounts()
        if not accounts:
            return  # no PIN configured: the mode does not exist on this kiosk
        self.setGeometry(self.parentWidget().rect())
        self.panel.hide()
        if len(accounts) == 1:
            self._pick(accounts[0].id)
        else:
            locked = self._diagnostics.pin.entry_locked_for()
            self.accounts.show_accounts(accounts, f"已锁定 entry locked: {locked:.0f} s" if locked else "")
            self.accounts.show()
            self.pin_pad.hide()
        self.show()
        self.raise_()
        self._touched()

    def _pick(self, account: str) -> None:
        self._touched()
        self._account = account
        names = {a.id: a.name for a in self._diagnostics.accounts()}
        self.pin_pad.who.setText(names.get(account, account))
        locked = self._diagnostics.pin.locked_for(account)
        self.pin_pad.reset(f"已锁定 locked: {locked:.0f} s" if locked else "")
        self.accounts.hide()
        self.pin_pad.show()

    @property
    def checking(self) -> bool:
        return self._checking

    def _check_pin(self, pin: str) -> None:
        """Check the PIN off the GUI thread: an argon2id hash takes a good part of a second,
        during which the screen must keep answering (and the watchdog keep ticking)."""
        self._touched()
        if self._checking or self._account is None:
            return
        self._checking = True
        self.pin_pad.reset("核验中 checking …")
        account = self._account

        def check():
            from kiosk.pin_lock import Check

            try:
                result = self._diagnostics.enter(account, pin)
            except Exception:  # a broken lock file or the like: a refusal, never raised into Qt
                log.exception("PIN check failed")
                result = Check(False, "error")
            self.pin_checked.emit(result)

        threading.Thread(target=check, name="diagnostics-pin", daemon=True).start()

    def _pin_checked(self, result) -> None:
        self._checking = False
        if not self.isVisible():  # cancelled or closed while the hash was computed
            if result:
                self._diagnostics.exit("closed")
            return
        if result:
            self.pin_pad.hide()
            self.panel.show()
            self.panel.start()
            self.panel.show_log()
            self._log_timer.start(3000)
        else:
            self.pin_pad.reset(refusal_text(result, self._diagnostics.pin.entry_locked_for()))

    def close_mode(self, reason: str = "closed") -> None:
        if self.panel.isVisible():
            self._diagnostics.exit(reason)
        self.panel.stop()
        self._log_timer.stop()
        self._idle.stop()
        self.panel.output.clear()
        self.panel.clear_picture()
        self.pin_pad.reset()
        self._account = None
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
