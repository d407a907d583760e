from __future__ import annotations

from screens.messages import message_text
from screens.widgets import Page, label


class OutOfServicePage(Page):
    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.layout_.addStretch(1)
        self.title = label(role="huge")
        self.reason = label(role="title")
        self.notice = label(role="title")
        self.hint = label(role="hint")
        for widget in (self.title, self.reason, self.notice, self.hint):
            self.layout_.addWidget(widget)
        self.layout_.addStretch(2)

    def render(self, view) -> None:
        self.title.setText(self.tr("暂停服务"))
        self.reason.setText(message_text(view.out_of_service_reason))
        self.notice.setText(view.out_of_service_notice or "")  # the technician's own words
        self.hint.setText(self.tr("工作人员正在处理，请稍后再来或前往服务窗口"))
