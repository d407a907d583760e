from __future__ import annotations

from screens.messages import message_text
from screens.widgets import Page, label


class ScanPage(Page):
    """Asks for the receipt's QR code under the scanner; the core reads it in the background."""

    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.service = label(role="hint")
        self.title = label(role="title")
        self.prompt = label()
        self.message = label(role="message")
        self.layout_.addWidget(self.service)
        self.layout_.addStretch(1)
        for widget in (self.title, self.prompt, self.message):
            self.layout_.addWidget(widget)
        self.layout_.addStretch(2)

    def render(self, view) -> None:
        self.service.setText(view.service_title)
        self.title.setText(self.tr("请扫描回执上的二维码"))
        self.prompt.setText(self.tr("将二维码对准扫描窗口，距离约10厘米"))
        self.message.setText(message_text(view.message))
