"""Guard against a Qt binding that loses references to None.

PySide6 6.12.0 on CPython 3.11 decrements None's reference count on every call that returns
nothing (setText, processEvents, …). Python 3.11 frees None when the count reaches zero and
aborts, which killed a kiosk after about 38 visits. The pinned binding must not do that.
"""

import sys

from PySide6.QtWidgets import QApplication, QLabel


def test_widget_calls_keep_none_alive(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("x")
        QApplication.processEvents()
    assert sys.getrefcount(None) - before > -50
