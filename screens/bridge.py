"""Carries SessionView snapshots and camera preview frames from core threads onto the GUI thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage


class SessionBridge(QObject):
    # Emitted from whichever thread changed the session; Qt queues delivery to slots of
    # objects living on the GUI thread, so widgets are only ever touched there.
    view_changed = Signal(object)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        session.subscribe(self.view_changed.emit)


class PreviewBridge(QObject):
    """The core's camera preview (kiosk.verification.Preview) as QImages on the GUI thread.

    At most one frame waits for the GUI at a time: a newer one replaces it, so a busy screen
    shows the latest picture instead of falling behind. The image is handed on and not kept."""

    frame_ready = Signal(object)  # QImage, or None when the preview stopped
    _wake = Signal()

    def __init__(self, preview, parent=None):
        super().__init__(parent)
        self._lock = threading.Lock()
        self._pending = None
        self._has_pending = False
        self._wake.connect(self._deliver)
        self.unsubscribe = preview.subscribe(self._on_frame)

    def _on_frame(self, image) -> None:  # the camera's thread
        with self._lock:
            waiting = self._has_pending
            self._pending, self._has_pending = image, True
        if not waiting:
            self._wake.emit()

    def _deliver(self) -> None:  # the GUI thread
        with self._lock:
            image, self._pending, self._has_pending = self._pending, None, False
        if image is None:
            self.frame_ready.emit(None)
            return
        qimage = qimage_of(image)
        del image
        self.frame_ready.emit(qimage)


def qimage_of(image) -> QImage:
    """A BGR numpy image as a QImage of its own (the array can be dropped at once)."""
    height, width = image.shape[:2]
    return QImage(image.data, width, height, image.strides[0], QImage.Format_BGR888).copy()
