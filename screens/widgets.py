"""Building blocks shared by the screens."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget


def label(text: str = "", role: str | None = None, *, wrap: bool = True, center: bool = True) -> QLabel:
    widget = QLabel(text)
    if role:
        widget.setObjectName(role)
    widget.setWordWrap(wrap)
    if center:
        widget.setAlignment(Qt.AlignCenter)
    return widget


def button(text: str = "", *, secondary: bool = False, name: str | None = None) -> QPushButton:
    widget = QPushButton(text)
    widget.setObjectName("secondary" if secondary else (name or ""))
    widget.setCursor(Qt.PointingHandCursor)
    widget.setFocusPolicy(Qt.NoFocus)
    return widget


class Page(QWidget):
    """One screen. `render` shows a SessionView; `clear` forgets everything it showed."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(48, 32, 48, 32)
        self.layout_.setSpacing(24)

    def render(self, view) -> None:
        raise TypeError(f"{type(self).__name__} must implement render")

    def clear(self) -> None:
        for child in self.findChildren(QLabel):
            child.clear()


class ButtonGrid(QWidget):
    """A grid of big buttons rebuilt from (id, text, enabled) rows."""

    def __init__(self, columns: int = 2, parent=None):
        super().__init__(parent)
        self.columns = columns
        self.grid = QGridLayout(self)
        self.grid.setSpacing(24)
        self.buttons: dict[str, QPushButton] = {}

    def set_buttons(self, rows, on_click, *, name: str | None = None) -> None:
        for widget in self.buttons.values():
            # Hidden and out of the grid at once: deleteLater only runs when the event loop
            # gets to it, and until then an old button would still be drawn and clickable.
            widget.hide()
            self.grid.removeWidget(widget)
            widget.deleteLater()
        self.buttons = {}
        for index, (key, text, enabled) in enumerate(rows):
            widget = button(text, name=name)
            # A long label must not widen the window past the screen: the grid decides the width.
            widget.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
            widget.setEnabled(enabled)
            widget.clicked.connect(lambda _=False, k=key: on_click(k))
            self.grid.addWidget(widget, index // self.columns, index % self.columns)
            self.buttons[key] = widget

    def clear(self) -> None:
        self.set_buttons([], lambda _k: None)


class LivePicture(QWidget):
    """The camera's picture (mirrored by the core) for a page to paint into its own shape.
    Holds only the frame being painted."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumHeight(720)
        self.frame: QImage | None = None

    def set_frame(self, image: QImage | None) -> None:
        self.frame = image
        self.update()

    def draw_frame(self, painter: QPainter, area: QRectF) -> None:
        """The frame filling `area` (cropped, not stretched), centred on it."""
        if self.frame is None or self.frame.isNull():
            return
        scaled = self.frame.scaled(int(area.width()), int(area.height()), Qt.KeepAspectRatioByExpanding,
                                   Qt.SmoothTransformation)
        painter.drawImage(QRectF(area.center().x() - scaled.width() / 2, area.center().y() - scaled.height() / 2,
                                 scaled.width(), scaled.height()), scaled)
