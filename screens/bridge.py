"""Carries SessionView snapshots from any core thread onto the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class SessionBridge(QObject):
    # Emitted from whichever thread changed the session; Qt queues delivery to slots of
    # objects living on the GUI thread, so widgets are only ever touched there.
    view_changed = Signal(object)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        session.subscribe(self.view_changed.emit)
