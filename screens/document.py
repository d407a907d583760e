from __future__ import annotations

from screens.messages import message_text
from screens.widgets import Page, label


class DocumentPage(Page):
    """Asks for the travel permit on the chip-document reader; the core reads its chip in the
    background."""

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
        self.title.setText(self.tr("请将港澳通行证放在证件读取区"))
        self.prompt.setText(self.tr("证件正面朝上，放好后请不要移动，读取约需3秒"))
        self.message.setText(message_text(view.message))
