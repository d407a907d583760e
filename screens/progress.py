from __future__ import annotations

from screens.messages import message_text
from screens.steps import SummaryTable
from screens.widgets import Page, label


class ProgressPage(Page):
    """The machine is working (asking central, printing, saving): nothing for the citizen to do."""

    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.title = label(role="title")
        self.hint = label(role="hint")
        self.summary = SummaryTable()
        self.layout_.addStretch(1)
        self.layout_.addWidget(self.title)
        self.layout_.addWidget(self.hint)
        self.layout_.addWidget(self.summary)
        self.layout_.addStretch(2)

    def render(self, view) -> None:
        if view.action == "print_receipt":
            self.title.setText(self.tr("正在打印回执，请稍候…"))
            self.hint.setText(self.tr("请在出纸口取走回执"))
        elif view.action == "print_document":
            self.title.setText(self.tr("正在打印证明，请稍候…"))
            self.hint.setText(self.tr("请在A4出纸口取走证明"))
        elif view.state == "dispense":
            self.title.setText(message_text(f"pickup.{view.handout or 'moving'}"))
            self.hint.setText("")
        elif view.state == "record":
            self.title.setText(self.tr("正在保存办理结果…"))
            self.hint.setText("")
        else:
            self.title.setText(self.tr("正在办理，请稍候…"))
            self.hint.setText(self.tr("正在连接公安业务系统"))
        self.summary.show_rows(view.summary)

    def clear(self) -> None:
        super().clear()
        self.summary.clear()
