"""Starting the Qt side: application, font, theme, window."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from screens import theme
from screens.main_window import KeySwallower, KioskWindow
from screens.translation import Translations


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("police-kiosk")
    app.setFont(theme.base_font())
    app.setStyleSheet(theme.STYLE)
    return app


def make_window(session, *, production: bool = False, fullscreen: bool = False,
                size: tuple[int, int] = (1080, 1920)) -> KioskWindow:
    app = make_application()
    window = KioskWindow(session, Translations(), production=production)
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
