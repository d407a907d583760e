"""The kiosk's screen as a PNG, for support's screenshot request (kiosk/remote.py).

The core asks from a worker thread; the window may only be touched on the GUI thread, so the
grab is queued there and the worker waits for it. On the GUI thread, just before grabbing, the
core's `still_idle()` is asked once more: a citizen's touch is handled on this same thread, so
no visit can begin between that answer and the grab. Widgets named PRIVATE (the camera
self-test's picture of the technician) are hidden for the grab: a screenshot shows no one.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from PySide6.QtCore import QBuffer, QIODevice, QObject, QThread, Signal
from PySide6.QtWidgets import QWidget

WAIT_S = 10.0  # a GUI busy for longer than this is not one to grab from
PRIVATE = "private_picture"  # the object name of what a screenshot leaves out


class ScreenCapture(QObject):
    _asked = Signal(object)

    def __init__(self, window: QWidget):
        super().__init__()  # made on the GUI thread: its slot runs there
        self._window = window
        self._asked.connect(self._on_asked)

    def __call__(self, still_idle: Callable[[], bool]) -> bytes | None:
        """PNG bytes of the whole window, or None when `still_idle()` said no."""
        if QThread.currentThread() is self.thread():
            return self._grab(still_idle)
        job: dict[str, Any] = {"still_idle": still_idle, "done": threading.Event()}
        self._asked.emit(job)
        if not job["done"].wait(WAIT_S):
            raise TimeoutError("the screen did not answer")
        if "error" in job:
            raise job["error"]
        return job["png"]

    def _on_asked(self, job: dict[str, Any]) -> None:
        try:
            job["png"] = self._grab(job["still_idle"])
        except Exception as exc:  # handed to the asking thread, which audits the failure
            job["error"] = exc
        finally:
            job["done"].set()

    def _grab(self, still_idle: Callable[[], bool]) -> bytes | None:
        if not still_idle():
            return None
        shown = [w for w in self._window.findChildren(QWidget, PRIVATE) if w.isVisible()]
        for widget in shown:
            widget.hide()
        try:
            pixmap = self._window.grab()
        finally:
            for widget in shown:
                widget.show()
        buffer = QBuffer()
        buffer.open(QIODevice.WriteOnly)
        if not pixmap.save(buffer, "PNG"):
            raise RuntimeError("the screen could not be encoded as PNG")
        return bytes(buffer.data())


def attach_remote_capture(window: QWidget, remote) -> ScreenCapture:
    """Let the core's RemoteSupport take screenshots of `window`; undone when the window goes."""
    capture = ScreenCapture(window)
    remote.capture = capture
    window.destroyed.connect(lambda *_: setattr(remote, "capture", None))
    window.remote_capture = capture  # kept alive as long as the window
    return capture
