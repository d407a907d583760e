"""Out of service before there is a kiosk to serve: the config does not load or the core does not
start. The citizen sees the usual out-of-service page, in Chinese and then in English, and a
technician sees a short reason code (no traceback, nothing personal); `kiosk run` tries again."""

from __future__ import annotations

from types import SimpleNamespace

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from screens.main_window import KeySwallower
from screens.out_of_service import OutOfServicePage
from screens.translation import Translations
from screens.widgets import label

# What the citizen is told: the kiosk itself is at fault, the counter can help.
START_FAILURE_REASON = "machine_error"


class StartFailureWindow(QWidget):
    def __init__(self, code: str, translations: Translations | None = None):
        super().__init__()
        self.setWindowTitle("警务自助服务站")
        self.setWindowFlags(Qt.FramelessWindowHint | Qt.WindowStaysOnTopHint)
        self.setCursor(Qt.BlankCursor)
        self.code = code
        translations = translations or Translations()
        view = SimpleNamespace(out_of_service_reason=START_FAILURE_REASON, out_of_service_notice=None)
        self.pages = {}
        layout = QVBoxLayout(self)
        # Each page takes its texts when rendered, so the English one is rendered with the
        # English translation installed and keeps them after Chinese is back.
        for language in ("zh", "en"):
            translations.use(language)
            page = OutOfServicePage(None)
            page.render(view)
            layout.addWidget(page, 1)
            self.pages[language] = page
        translations.use("zh")
        self.code_label = label(role="hint")
        self.code_label.setText(code)
        layout.addWidget(self.code_label, 0, Qt.AlignRight)
        self._allow_close = False
        self.key_swallower = KeySwallower(self)
        QApplication.instance().installEventFilter(self.key_swallower)

    def texts(self) -> list[str]:
        return [w.text() for page in self.pages.values()
                for w in (page.title, page.reason, page.hint)] + [self.code_label.text()]

    def closeEvent(self, event):
        if not self._allow_close:
            event.ignore()
            return
        super().closeEvent(event)

    def shutdown(self) -> None:
        self._allow_close = True
        QApplication.instance().removeEventFilter(self.key_swallower)
        self.close()


def show_start_failure(code: str) -> StartFailureWindow:
    window = StartFailureWindow(code)
    window.setGeometry(QApplication.primaryScreen().geometry())
    window.showFullScreen()
    return window


# `app.exec()`'s answer when it is time to try starting again.
TRY_AGAIN = 76


def wait_to_try_again(app: QApplication, seconds: float) -> bool:
    """Turn the event loop (the screen stays drawn, signals are seen) for `seconds`. False when
    the loop was ended otherwise: SIGTERM or SIGINT (screens.app.quit_on_signals)."""
    timer = QTimer(app)
    timer.setSingleShot(True)
    timer.timeout.connect(lambda: app.exit(TRY_AGAIN))
    timer.start(max(1, int(seconds * 1000)))
    try:
        return app.exec() == TRY_AGAIN
    finally:
        timer.stop()
        timer.deleteLater()


def keep_pulse(app: QApplication, pulse) -> QTimer:
    """The watchdog's pings while out of service before any core (kiosk.gui_pulse.GuiPulse):
    READY=1 now, the kiosk answers; then ticks from the GUI thread, as screens.app.keep_alive."""
    pulse.ready()
    timer = QTimer(app)
    timer.timeout.connect(pulse.tick)
    timer.start(max(1, int(pulse.interval_s * 1000)))
    return timer
