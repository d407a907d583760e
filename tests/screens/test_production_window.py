"""Production mode: frameless, fullscreen, and the citizen cannot close or leave the kiosk."""

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.config import load_config
from kiosk.session import Session
from screens.app import make_window


class IdleRunner:
    """Nothing is started in these tests: no visit gets past the home screen."""

    def start_stage(self, visit, stage): raise AssertionError("not expected")
    def record_rating(self, visit): raise AssertionError("not expected")
    def visit_ended(self, visit, outcome): pass


@pytest.fixture
def production_window(qtbot):
    window = make_window(Session(load_config(), IdleRunner()), production=True)
    qtbot.addWidget(window)
    yield window
    window.shutdown()


def test_frameless_and_fullscreen(production_window):
    assert production_window.windowFlags() & Qt.FramelessWindowHint
    assert production_window.isFullScreen()
    assert production_window.geometry() == QApplication.primaryScreen().geometry()


def test_close_request_is_refused(qtbot, production_window):
    production_window.close()  # what Alt+F4 asks a window manager to do
    assert production_window.isVisible()


class KeyProbe(QWidget):
    def __init__(self):
        super().__init__()
        self.pressed = []

    def keyPressEvent(self, event):
        self.pressed.append(event.key())


@pytest.mark.parametrize("key, modifiers", [
    (Qt.Key_Escape, Qt.NoModifier),
    (Qt.Key_F4, Qt.AltModifier),
    (Qt.Key_Q, Qt.ControlModifier),
    (Qt.Key_Tab, Qt.AltModifier),
])
def test_leaving_keys_never_reach_a_widget(qtbot, production_window, key, modifiers):
    probe = KeyProbe()
    qtbot.addWidget(probe)
    QApplication.sendEvent(probe, QKeyEvent(QEvent.KeyPress, key, modifiers))
    assert probe.pressed == []
    QApplication.sendEvent(probe, QKeyEvent(QEvent.KeyPress, Qt.Key_A, Qt.NoModifier))
    assert probe.pressed == [Qt.Key_A]  # ordinary keys still work


def test_windowed_mode_for_development(qtbot):
    window = make_window(Session(load_config(), IdleRunner()), size=(600, 900))
    qtbot.addWidget(window)
    assert not window.windowFlags() & Qt.FramelessWindowHint
    window.close()
    assert not window.isVisible()
