"""The kiosk window: header (name, countdown, language), one page per session state, a cancel bar,
and the "need more time?" prompt laid over everything."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from screens.attract import AttractPage
from screens.bridge import PreviewBridge, SessionBridge
from screens.document import DocumentPage
from screens.home import HomePage
from screens.identify import IdentifyPage
from screens.messages import message_text
from screens.out_of_service import OutOfServicePage
from screens.payment import PayPage, SelectPage
from screens.photo import PhotoPage
from screens.progress import ProgressPage
from screens.result import DonePage, RatePage, ResultPage
from screens.scan import ScanPage
from screens.steps import ConfirmPage, EntryPage, StepPage
from screens.translation import Translations
from screens.verify import VerifyPage
from screens.widgets import button, label

# session state (a stage kind, or attract/home/done/out_of_service) -> page class; a new kind of
# stage is one line here.
PAGES = {
    "attract": AttractPage,
    "home": HomePage,
    "identify": IdentifyPage,
    "verify": VerifyPage,
    "scan": ScanPage,
    "read_document": DocumentPage,
    "choose": StepPage,
    "select": SelectPage,
    "enter": EntryPage,
    "confirm": ConfirmPage,
    "pay": PayPage,
    "ask": ProgressPage,
    "act": ProgressPage,
    "dispense": ProgressPage,
    "capture_photo": PhotoPage,
    "record": ProgressPage,
    "result": ResultPage,
    "rate": RatePage,
    "done": DonePage,
    "out_of_service": OutOfServicePage,
}


class MoreTimePrompt(QFrame):
    """需要更多时间吗？ — laid over the whole window before a step times out."""

    def __init__(self, session, parent):
        super().__init__(parent)
        self.setObjectName("overlay")
        dialog = QFrame(self)
        dialog.setObjectName("dialog")
        dialog.setFixedWidth(760)
        inner = QVBoxLayout(dialog)
        inner.setContentsMargins(48, 48, 48, 48)
        inner.setSpacing(32)
        self.question = label(role="title")
        self.countdown = label(role="hint")
        self.more = button()
        self.end = button(secondary=True)
        self.more.clicked.connect(session.more_time)
        self.end.clicked.connect(lambda: session.cancel("timeout"))
        for widget in (self.question, self.countdown, self.more, self.end):
            inner.addWidget(widget)
        outer = QVBoxLayout(self)
        outer.addWidget(dialog, 0, Qt.AlignCenter)
        self.hide()

    def render(self, view) -> None:
        self.question.setText(message_text("spoken.more_time"))
        self.countdown.setText(self.tr("%1 秒后将自动结束办理").replace("%1", str(view.countdown or 0)))
        self.more.setText(self.tr("继续办理"))
        self.end.setText(self.tr("结束办理"))
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()


class KioskWindow(QWidget):
    def __init__(self, session, translations: Translations | None = None, *, production: bool = False,
                 preview=None):
        super().__init__()
        self.session = session
        self.production = production
        self.translations = translations or Translations()
        self.setWindowTitle("警务自助服务站")
        if production:
            self.setWindowFlags(Qt.FramelessWindowHint | Qt.WindowStaysOnTopHint)
            self.setCursor(Qt.BlankCursor)

        header = QFrame()
        header.setObjectName("header")
        header_row = QHBoxLayout(header)
        header_row.setContentsMargins(32, 12, 32, 12)
        self.kiosk_name = QLabel()
        self.countdown = QLabel()
        self.language = button()
        self.language.clicked.connect(self._toggle_language)
        header_row.addWidget(self.kiosk_name, 1)
        header_row.addWidget(self.countdown)
        header_row.addWidget(self.language)

        self.stack = QStackedWidget()
        self.pages = {}
        for state, page_class in PAGES.items():
            page = next((p for p in self.pages.values() if type(p) is page_class), None) or page_class(session)
            if self.stack.indexOf(page) < 0:
                self.stack.addWidget(page)
            self.pages[state] = page

        footer = QFrame()
        footer_row = QHBoxLayout(footer)
        footer_row.setContentsMargins(32, 8, 32, 24)
        self.cancel = button(secondary=True)
        self.cancel.clicked.connect(lambda: session.cancel("cancelled"))
        footer_row.addStretch(1)
        footer_row.addWidget(self.cancel)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addWidget(self.stack, 1)
        layout.addWidget(footer)

        self.prompt = MoreTimePrompt(session, self)
        self.view = None
        self.bridge = SessionBridge(session, self)
        self.bridge.view_changed.connect(self.render)
        self.preview_bridge = None
        if preview is not None:  # the camera's picture during the face check (kiosk.verification.Preview)
            self.preview_bridge = PreviewBridge(preview, self)
            self.preview_bridge.frame_ready.connect(self._show_frame)
        self.render(session.view())

    # ---- rendering ---------------------------------------------------------------------------
    def render(self, view) -> None:
        if self.view is not None and view.sequence < self.view.sequence:
            return  # an older snapshot overtaken by a newer one
        previous = self.view
        self.view = view
        self.translations.use(view.language)
        if previous is None or (previous.state, previous.stage_id) != (view.state, view.stage_id):
            for state, page in self.pages.items():
                if state != view.state and page is not self.pages[view.state]:
                    page.clear()  # nothing of the last visit stays in a hidden widget
            self.stack.setCurrentWidget(self.pages[view.state])
        self.pages[view.state].render(view)
        self.kiosk_name.setText(view.kiosk_name)
        self.language.setText("English" if view.language == "zh" else "中文")
        self.language.setVisible(view.state not in ("attract", "out_of_service"))
        if view.countdown is not None and view.state not in ("attract", "out_of_service"):
            self.countdown.setText(self.tr("剩余 %1 秒").replace("%1", str(view.countdown)))
        else:
            self.countdown.setText("")
        self.cancel.setText(self.tr("取消办理") if view.state != "done" else self.tr("返回首页"))
        self.cancel.setVisible(view.can_cancel)
        if view.prompt_more_time:
            self.prompt.render(view)
        else:
            self.prompt.hide()

    def _show_frame(self, image) -> None:
        if self.view is not None and self.view.state in ("verify", "capture_photo"):
            self.pages[self.view.state].show_frame(image)

    def _toggle_language(self) -> None:
        if self.view is not None:
            self.session.set_language("en" if self.view.language == "zh" else "zh")

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if self.prompt.isVisible():
            self.prompt.setGeometry(self.rect())

    # ---- production: the citizen cannot close or leave the kiosk -----------------------------
    def closeEvent(self, event):
        if self.production and not getattr(self, "_allow_close", False):
            event.ignore()
            return
        super().closeEvent(event)

    def shutdown(self) -> None:
        self._allow_close = True
        if self.preview_bridge is not None:
            self.preview_bridge.unsubscribe()
        if getattr(self, "key_swallower", None) is not None:
            QApplication.instance().removeEventFilter(self.key_swallower)
        self.close()


class KeySwallower(QObject):
    """In production, keys that would leave or break the kiosk never reach a widget, and no
    widget opens a context menu (a right-click or a long press on a touch screen would offer
    copy, paste or "Insert Unicode control character"). Installed on the application, so it
    covers every widget, those made later included."""

    BLOCKED = {Qt.Key_Escape, Qt.Key_F4, Qt.Key_Tab, Qt.Key_Super_L, Qt.Key_Super_R, Qt.Key_Meta}

    def eventFilter(self, obj, event):
        if event.type() == QEvent.ContextMenu:
            return True
        if event.type() in (QEvent.KeyPress, QEvent.ShortcutOverride):
            if event.key() in self.BLOCKED or event.modifiers() & (Qt.AltModifier | Qt.ControlModifier | Qt.MetaModifier):
                return True
        return False
