"""人证核验: the citizen proves they hold the card, by face (with a blink or turn) or by finger.

The page shows the camera's picture inside a face guide, what to do now in big letters, a
progress ring, and the fingerprint sensor when the check falls back to it. Frames come from the
core's preview through the window's PreviewBridge; each is painted and dropped.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QWidget

from screens import theme
from screens.messages import message_text
from screens.widgets import LivePicture, Page, label


class VerifyPage(Page):
    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.service = label(role="hint")
        self.title = label(role="title")
        self.camera = CameraView()
        self.finger = FingerIllustration()
        self.prompt = label(role="huge")
        self.guidance = label(role="hint")
        self.message = label(role="message")
        self.layout_.addWidget(self.service)
        for widget in (self.title, self.camera, self.finger, self.prompt, self.guidance, self.message):
            self.layout_.addWidget(widget)
        self.layout_.addStretch(1)
        self.finger.hide()

    def render(self, view) -> None:
        verify = view.verify
        method = verify.method if verify else None
        self.service.setText(view.service_title)
        fingerprint = method == "fingerprint"
        self.camera.setVisible(not fingerprint)
        self.finger.setVisible(fingerprint)
        if fingerprint:
            self.title.setText(self.tr("指纹核验"))
            self.prompt.setText(message_text("identity_start_fingerprint"))
            self.guidance.setText(self.tr("按压平稳，直到提示完成"))
        else:
            self.title.setText(self.tr("人脸核验"))
            # The challenge, when there is one, is what matters most: the biggest text.
            challenge = verify.challenge if verify else None
            guidance = verify.guidance if verify else None
            self.prompt.setText(message_text(challenge or "face_camera"))
            self.guidance.setText(message_text(guidance) if guidance and guidance != challenge else "")
            self.camera.progress = verify.progress if verify else 0.0
            self.camera.update()
        # The policy's message (retry, switch to fingerprint) shows under the prompt.
        text = message_text(view.message)
        self.message.setText("" if view.message in ("identity_start_face", "identity_start_fingerprint") else text)

    def show_frame(self, image: QImage | None) -> None:
        self.camera.set_frame(image)

    def clear(self) -> None:
        super().clear()
        self.camera.set_frame(None)
        self.camera.progress = 0.0


class CameraView(LivePicture):
    """The live picture in a circle, a face-shaped oval to stand in, and the progress ring
    around it."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.progress = 0.0

    def paintEvent(self, _event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        w, h = self.width(), self.height()
        side = min(w, h) - 20
        area = QRectF((w - side) / 2, (h - side) / 2, side, side)
        clip = QPainterPath()
        clip.addEllipse(area)
        painter.setClipPath(clip)
        painter.fillRect(area, QColor("#1f2937"))
        self.draw_frame(painter, area)
        painter.setClipping(False)
        # The face guide: where the face should be.
        guide = QRectF(0, 0, side * 0.48, side * 0.62)
        guide.moveCenter(area.center())
        painter.setBrush(Qt.NoBrush)
        painter.setPen(QPen(QColor("white"), 5, Qt.DashLine))
        painter.drawEllipse(guide)
        # The progress ring.
        ring = area.adjusted(6, 6, -6, -6)
        painter.setPen(QPen(QColor("#d1d5db"), 12))
        painter.drawEllipse(ring)
        if self.progress > 0:
            painter.setPen(QPen(QColor(theme.GREEN), 12, Qt.SolidLine, Qt.RoundCap))
            painter.drawArc(ring, 90 * 16, -int(360 * 16 * min(self.progress, 1.0)))
        painter.end()


class FingerIllustration(QWidget):
    """A finger over the sensor: where to press, without words."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumHeight(480)

    def paintEvent(self, _event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        w, h = self.width(), self.height()
        sensor = QRectF(w / 2 - 150, h - 200, 300, 160)
        painter.setPen(Qt.NoPen)
        painter.setBrush(QColor(theme.GREY))
        painter.drawRoundedRect(sensor, 24, 24)
        painter.setBrush(QColor("#111827"))
        painter.drawRoundedRect(sensor.adjusted(60, 30, -60, -30), 12, 12)
        finger = QRectF(w / 2 - 70, 30, 140, h - 180)
        painter.setBrush(QColor("#fde2c8"))
        painter.setPen(QPen(QColor(theme.BLUE), 6))
        painter.drawRoundedRect(finger, 70, 70)
        painter.setPen(QPen(QColor(theme.BLUE), 3))
        for i in range(4):
            arc = QRectF(w / 2 - 40 + i * 8, h - 260 + i * 8, 80 - i * 16, 60 - i * 16)
            painter.drawArc(arc, 0, 180 * 16)
        painter.end()
