from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget

from screens import theme
from screens.messages import message_text
from screens.widgets import Page, label


class IdentifyPage(Page):
    """Asks for the ID card; the core reads it in the background and the screen follows."""

    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.service = label(role="hint")
        self.title = label(role="title")
        self.card = CardIllustration()
        self.hint = label(role="hint")
        self.message = label(role="message")
        self.layout_.addWidget(self.service)
        self.layout_.addStretch(1)
        for widget in (self.title, self.card, self.hint, self.message):
            self.layout_.addWidget(widget)
        self.layout_.addStretch(2)

    def render(self, view) -> None:
        self.service.setText(view.service_title)
        self.title.setText(self.tr("请将第二代居民身份证放在读卡区"))
        self.hint.setText(self.tr("放好后请不要移动，读卡约需2秒"))
        # "place the card" is what the title already says: only problems show in red.
        self.message.setText("" if view.message == "place_card" else message_text(view.message))


class CardIllustration(QWidget):
    """An ID card over the reader: shows where to put it without any words."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumHeight(320)

    def paintEvent(self, _event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        w, h = self.width(), self.height()
        reader = QRectF(w / 2 - 260, h - 90, 520, 70)
        painter.setBrush(QColor(theme.GREY))
        painter.setPen(Qt.NoPen)
        painter.drawRoundedRect(reader, 16, 16)
        card = QRectF(w / 2 - 190, 20, 380, 240)
        painter.setBrush(QColor("#dbeafe"))
        painter.setPen(QPen(QColor(theme.BLUE), 6))
        painter.drawRoundedRect(card, 20, 20)
        painter.setBrush(QColor(theme.BLUE))
        painter.drawRect(QRectF(card.right() - 130, card.top() + 40, 90, 110))
        for row in range(3):
            painter.drawRect(QRectF(card.left() + 30, card.top() + 50 + row * 45, 160, 14))
