"""Starting the Qt side: application, font, theme, window."""

from __future__ import annotations

import logging
import os
import signal
import sys

from PySide6.QtCore import QtMsgType, QTimer, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from screens import theme
from screens.main_window import KeySwallower, KioskWindow
from screens.translation import Translations


def make_application(argv: list[str] | None = None, *, production: bool = False) -> QApplication:
    """`production`: no input method plugin (set before the application exists, when Qt reads it)."""
    if production:
        without_input_method()
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("police-kiosk")
    app.setFont(theme.base_font())
    app.setStyleSheet(theme.STYLE)
    return app


def without_input_method() -> None:
    """The kiosk draws its own keyboard (screens/steps.py EntryPage): Qt's virtual keyboard, IBus
    or any other input method must never open over the screen, whatever the environment says."""
    os.environ["QT_IM_MODULE"] = "none"
    os.environ["QT_IM_MODULES"] = "none"


_QT_LEVELS = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
              QtMsgType.QtWarningMsg: logging.WARNING, QtMsgType.QtCriticalMsg: logging.ERROR,
              QtMsgType.QtFatalMsg: logging.CRITICAL}


def log_qt_messages() -> None:
    """Qt's own warnings through logging, not straight to stderr: masked and with a journal
    priority like every other line."""
    qt_log = logging.getLogger("qt")
    qInstallMessageHandler(lambda kind, _context, message: qt_log.log(_QT_LEVELS.get(kind, logging.WARNING),
                                                                       "%s", message))


def exit_when(app: QApplication, condition, code: int, every_ms: int = 500) -> QTimer:
    """End the event loop with `code` once `condition()` holds. Checked on the GUI thread, where
    a citizen's touch is handled too, so nothing the screens do can slip in between."""
    timer = QTimer(app)
    timer.timeout.connect(lambda: condition() and app.exit(code))
    timer.start(every_ms)
    return timer


def keep_alive(window: KioskWindow, pulse) -> QTimer:
    """Tick `pulse` (kiosk.gui_pulse.GuiPulse) from a timer on the GUI thread, so the watchdog
    hears only from an event loop that still runs. READY=1 once the first screen is up: the
    attract screen, or out of service (the kiosk answers either way)."""
    def ready_when_served(*_) -> None:
        if window.view is not None and window.view.state in ("attract", "out_of_service"):
            pulse.ready()

    timer = QTimer(window)
    timer.timeout.connect(pulse.tick)
    timer.start(max(1, int(pulse.interval_s * 1000)))
    window.bridge.view_changed.connect(ready_when_served)
    QTimer.singleShot(0, ready_when_served)  # the event loop's first turn: the window is shown
    return timer


def quit_on_signals(app: QApplication) -> None:
    """SIGTERM (systemd stopping the kiosk) and SIGINT end the event loop, so the caller's
    clean-up runs: devices closed, outbox closed, workers joined."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Queued, not called: a signal that comes while the core is still starting (before the
        # event loop runs) would otherwise be lost, and quit() before exec() does nothing. exit(0),
        # not quit(): Qt 6 cancels quit() when a window refuses to close, as production's do.
        signal.signal(signum, lambda *_: QTimer.singleShot(0, lambda: app.exit(0)))
    # Python runs signal handlers only between bytecodes; Qt's loop runs in C. A timer hands
    # control back to Python a few times a second so a pending signal is seen.
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(250)


def make_window(session, *, production: bool = False, fullscreen: bool = False,
                size: tuple[int, int] = (1080, 1920), preview=None) -> KioskWindow:
    """`preview`: the core's camera preview (KioskCore.preview), shown during the face check."""
    app = make_application()
    window = KioskWindow(session, Translations(), production=production, preview=preview)
    if production:
        window.key_swallower = KeySwallower(window)
        app.installEventFilter(window.key_swallower)
    screen = app.primaryScreen().geometry()
    if fullscreen or production:
        # Without a window manager, showFullScreen() alone leaves a small window: set the geometry.
        window.setGeometry(screen)
        window.showFullScreen()
    else:
        width, height = size
        window.resize(min(width, screen.width()), min(height, screen.height()))
        window.show()
    return window
