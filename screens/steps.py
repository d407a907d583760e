from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QWidget

from screens.messages import summary_label
from screens.widgets import ButtonGrid, Page, button, label


class StepPage(Page):
    """A generic service step: a question and big choices."""

    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.service = label(role="hint")
        self.title = label(role="title")
        self.prompt = label()
        self.choices = ButtonGrid(columns=2)
        self.progress = label(role="hint")
        for widget in (self.service, self.title, self.prompt):
            self.layout_.addWidget(widget)
        self.layout_.addWidget(self.choices, 1)
        self.layout_.addWidget(self.progress)
        self._step_id = None

    def render(self, view) -> None:
        step = view.step
        if step is None:
            return
        self._step_id = step.id
        self.service.setText(view.service_title)
        self.title.setText(step.title)
        self.prompt.setText(step.prompt)
        self.progress.setText(self.tr("第 %1 步，共 %2 步").replace("%1", str(step.index + 1)).replace("%2", str(step.count)))
        self.choices.set_buttons(
            [(cid, text, True) for cid, text in step.choices],
            lambda choice: self.session.choose(self._step_id, choice),
        )

    def clear(self) -> None:
        super().clear()
        self.choices.clear()
        self._step_id = None


class SummaryTable(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setHorizontalSpacing(32)
        self.form.setVerticalSpacing(16)

    def show_rows(self, rows) -> None:
        self.clear()
        for code, value in rows:
            self.form.addRow(QLabel(summary_label(code) + "："), QLabel(value))

    def clear(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)


class ConfirmPage(Page):
    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.title = label(role="title")
        self.summary = SummaryTable()
        self.hint = label(role="hint")
        row = QHBoxLayout()
        self.back = button(secondary=True)
        self.ok = button()
        self.back.clicked.connect(session.back)
        self.ok.clicked.connect(session.confirm)
        row.addWidget(self.back)
        row.addWidget(self.ok)
        self.layout_.addWidget(self.title)
        self.layout_.addWidget(self.summary, 1)
        self.layout_.addWidget(self.hint)
        self.layout_.addLayout(row)

    def render(self, view) -> None:
        self.title.setText(self.tr("请核对办理信息"))
        self.summary.show_rows(view.summary)
        self.hint.setText(self.tr("确认后将查询并打印回执"))
        self.back.setText(self.tr("返回修改"))
        self.ok.setText(self.tr("确认办理"))

    def clear(self) -> None:
        super().clear()
        self.summary.clear()
