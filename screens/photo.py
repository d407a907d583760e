"""证件照采集: the camera's picture inside a head-and-shoulders outline with what to fix now,
then the GA 461 photo taken, to accept or retake. Frames come from the core's preview through
the window's PreviewBridge; each is painted and dropped, and so is the photo when the page
clears."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel

from screens.messages import message_text
from screens.widgets import LivePicture, Page, button, label


class PhotoPage(Page):
    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.service = label(role="hint")
        self.title = label(role="title")
        self.camera = BoothView()
        self.photo = QLabel()
        self.photo.setAlignment(Qt.AlignCenter)
        self.prompt = label(role="huge")
        self.tries = label(role="hint")
        self.accept = button()
        self.retake = button(secondary=True)
        self.accept.clicked.connect(lambda: self.session.accept_photo(self._stage))
        self.retake.clicked.connect(lambda: self.session.retake_photo(self._stage))
        for widget in (self.service, self.title, self.camera, self.photo, self.prompt, self.tries):
            self.layout_.addWidget(widget)
        row = QHBoxLayout()
        row.addWidget(self.retake)
        row.addWidget(self.accept)
        self.layout_.addLayout(row)
        self.layout_.addStretch(1)
        self._stage = None
        self._shown: bytes | None = None
        for widget in (self.photo, self.accept, self.retake):  # shown once a photo is taken
            widget.hide()

    def render(self, view) -> None:
        photo = view.photo
        self._stage = view.stage_id
        self.service.setText(view.service_title)
        reviewing = photo is not None and photo.photo is not None
        self.camera.setVisible(not reviewing)
        self.photo.setVisible(reviewing)
        self.accept.setVisible(reviewing)
        self.retake.setVisible(reviewing)
        self.tries.setText(message_text("photo.tries").replace("%1", str(photo.tries if photo else 0))
                           .replace("%2", str(photo.max_tries if photo else 0)) if reviewing else "")
        if reviewing:
            self.title.setText(message_text("photo.review"))
            self.prompt.setText("")
            if self._shown is not photo.photo:
                pixmap = QPixmap()
                pixmap.loadFromData(photo.photo, "JPEG")
                self.photo.setPixmap(pixmap.scaledToHeight(700, Qt.SmoothTransformation))
                self._shown = photo.photo
            self.accept.setText(message_text("photo.accept"))
            self.retake.setText(message_text("photo.retake"))
        else:
            self.title.setText(message_text("spoken.capture_photo"))
            guidance = photo.guidance if photo else None
            self.prompt.setText(message_text(guidance or "photo.taking"))

    def show_frame(self, image: QImage | None) -> None:
        self.camera.set_frame(image)

    def clear(self) -> None:
        super().clear()
        self.photo.clear()
        self._shown = None
        self.camera.set_frame(None)


class BoothView(LivePicture):
    """The live picture with the outline of a head and shoulders where the citizen should
    stand: the shape of the photo that will be cut."""

    def paintEvent(self, _event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        w, h = self.width(), self.height()
        # The GA 461 photo's proportions (358 × 441), as large as fits.
        ph = h - 20
        pw = ph * 358 / 441
        area = QRectF((w - pw) / 2, 10, pw, ph)
        painter.fillRect(area, QColor("#1f2937"))
        painter.setClipRect(area)
        self.draw_frame(painter, area)
        painter.setClipping(False)
        outline = QPainterPath()
        head = QRectF(0, 0, pw * 0.58, ph * 0.52)  # the face 207 of 358 px wide, hair near the top
        head.moveCenter(area.center())
        head.moveTop(area.top() + ph * 0.04)
        outline.addEllipse(head)
        shoulders = QRectF(area.left() + pw * 0.04, head.bottom() - ph * 0.02, pw * 0.92, ph * 0.6)
        outline.moveTo(shoulders.left(), area.bottom())
        outline.cubicTo(shoulders.left(), shoulders.top() + ph * 0.12, shoulders.right(), shoulders.top() + ph * 0.12,
                        shoulders.right(), area.bottom())
        painter.setBrush(Qt.NoBrush)
        painter.setPen(QPen(QColor("white"), 5, Qt.DashLine))
        painter.drawPath(outline)
        painter.setPen(QPen(QColor("#d1d5db"), 4))
        painter.drawRect(area)
        painter.end()
