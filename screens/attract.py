from __future__ import annotations

from PySide6.QtCore import QDateTime

from screens.widgets import Page, label


class AttractPage(Page):
    """Shown between visits: anyone may walk up and touch."""

    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.layout_.addStretch(2)
        self.name = label(role="huge")
        self.invite = label(role="title")
        self.hours = label(role="hint")
        self.clock = label(role="hint")
        self.notices = label(role="message")  # the operators' notices (config `notices`)
        for widget in (self.name, self.invite, self.hours, self.clock, self.notices):
            self.layout_.addWidget(widget)
        self.layout_.addStretch(3)

    def render(self, view) -> None:
        self.name.setText(view.kiosk_name)
        self.invite.setText(self.tr("请轻触屏幕开始办理"))
        self.hours.setText(self.tr("24小时自助服务 · 无需排队"))
        self.clock.setText(QDateTime.currentDateTime().toString("yyyy-MM-dd HH:mm"))
        self.notices.setText("\n".join(view.notices))

    def mousePressEvent(self, event):  # the whole screen is the button
        self.session.touch()
        super().mousePressEvent(event)
