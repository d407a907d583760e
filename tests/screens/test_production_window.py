"""Production mode: frameless, fullscreen, and the citizen cannot close or leave the kiosk."""

import os
import subprocess
import sys

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QContextMenuEvent, QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from kiosk.config import load_config
from kiosk.session import Session
from screens.app import make_window
from screens.start_failure import show_start_failure


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


def context_menu(widget) -> None:
    """What a right-click or a long press on a touch screen sends the widget under it."""
    QApplication.sendEvent(widget, QContextMenuEvent(QContextMenuEvent.Mouse, QPoint(5, 5), widget.mapToGlobal(QPoint(5, 5))))


@pytest.fixture
def line_edit(qtbot):
    field = QLineEdit("12345")
    qtbot.addWidget(field)
    field.show()
    yield field
    popup = QApplication.activePopupWidget()
    if popup is not None:
        popup.close()


def test_a_text_field_offers_its_context_menu_outside_production(line_edit):
    context_menu(line_edit)  # the control for the test below: this event does open a menu
    assert QApplication.activePopupWidget() is not None


def test_no_context_menu_in_production(production_window, line_edit):
    context_menu(line_edit)
    assert QApplication.activePopupWidget() is None


def test_no_widget_of_the_kiosk_takes_input_from_an_input_method(production_window):
    """What a citizen types goes through the kiosk's own keys (EntryPage), never a system or
    virtual keyboard: no widget asks for an input method."""
    widgets = production_window.findChildren(QWidget)
    assert len(widgets) > 50
    assert [w for w in widgets if w.testAttribute(Qt.WA_InputMethodEnabled)] == []


def test_production_application_loads_no_input_method_plugin():
    """Qt reads QT_IM_MODULE when the application is made: in a process of its own."""
    code = ("import os; from screens.app import make_application; make_application(production=True); "
            "print(os.environ['QT_IM_MODULE'], os.environ['QT_IM_MODULES'])")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_IM_MODULE": "qtvirtualkeyboard",
           "QT_IM_MODULES": "qtvirtualkeyboard;ibus"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["none", "none"]


def test_start_failure_screen_is_out_of_service_in_chinese_then_english_with_the_code(qtbot):
    window = show_start_failure("E-CONFIG")
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(window.isFullScreen)
        assert window.windowFlags() & Qt.FramelessWindowHint
        texts = window.texts()
        assert texts[0] == "暂停服务" and "Out of service" in texts
        assert texts.index("暂停服务") < texts.index("Out of service")
        assert texts[-1] == "E-CONFIG"
        window.close()
        assert window.isVisible()  # refuses to close, like the kiosk window
        probe = QLineEdit()
        qtbot.addWidget(probe)
        probe.show()
        context_menu(probe)
        assert QApplication.activePopupWidget() is None
    finally:
        window.shutdown()
    assert not window.isVisible()
