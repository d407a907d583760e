from __future__ import annotations

from screens.messages import message_text
from screens.widgets import Page, label


class DevicePromptPage(Page):
    """Asks the citizen to hold something to a device; the core reads it in the background.
    A subclass says what (`texts`), the message below says how it is going."""

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

    def texts(self) -> tuple[str, str]:
        raise TypeError(f"{type(self).__name__} must say what it asks for")

    def render(self, view) -> None:
        title, prompt = self.texts()
        self.service.setText(view.service_title)
        self.title.setText(title)
        self.prompt.setText(prompt)
        self.message.setText(message_text(view.message))


class ScanPage(DevicePromptPage):
    """The receipt's QR code under the barcode scanner."""

    def texts(self) -> tuple[str, str]:
        return self.tr("请扫描回执上的二维码"), self.tr("将二维码对准扫描窗口，距离约10厘米")
