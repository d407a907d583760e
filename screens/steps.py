from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QWidget

from kiosk.inputs import keys_for
from screens.messages import message_text, summary_label
from screens.widgets import ButtonGrid, Page, button, label


class StepPage(Page):
    """A Choose stage: a question and big choices."""

    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.service = label(role="hint")
        self.title = label(role="title")
        self.prompt = label()
        self.choices = ButtonGrid(columns=2)
        self.progress = label(role="hint")
        self.back = button(secondary=True)
        self.back.clicked.connect(session.back)
        for widget in (self.service, self.title, self.prompt):
            self.layout_.addWidget(widget)
        self.layout_.addWidget(self.choices, 1)
        self.layout_.addWidget(self.progress)
        self.layout_.addWidget(self.back)
        self._step_id = None

    def render(self, view) -> None:
        step = view.step
        if step is None:
            return
        self._step_id = step.id
        self.service.setText(view.service_title)
        self.title.setText(step.title)
        self.prompt.setText(step.prompt)
        self.progress.setText(self.tr("第 %1 步，共 %2 步").replace("%1", str(step.index + 1)).replace("%2", str(step.count))
                              if step.count > 1 else "")
        self.choices.set_buttons(
            [(cid, text, True) for cid, text in step.choices],
            lambda choice: self.session.choose(self._step_id, choice),
        )
        self.back.setText(self.tr("上一步"))
        self.back.setVisible(view.can_back)

    def clear(self) -> None:
        super().clear()
        self.choices.clear()
        self._step_id = None


class EntryPage(Page):
    """An Enter stage: what was typed, and an on-screen keyboard with only the keys that fit
    (a plate starts with the province; a phone number takes digits)."""

    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.service = label(role="hint")
        self.title = label(role="title")
        self.prompt = label()
        self.value = label(role="huge")
        self.message = label(role="message")
        self.keys = ButtonGrid(columns=8)
        row = QHBoxLayout()
        self.back = button(secondary=True)
        self.delete = button(secondary=True)
        self.ok = button()
        self.back.clicked.connect(session.back)
        self.delete.clicked.connect(lambda: self._stage and self.session.backspace(self._stage))
        self.ok.clicked.connect(lambda: self._stage and self.session.submit_entry(self._stage))
        for widget in (self.back, self.delete, self.ok):
            row.addWidget(widget)
        for widget in (self.service, self.title, self.prompt, self.value, self.message):
            self.layout_.addWidget(widget)
        self.layout_.addWidget(self.keys, 1)
        self.layout_.addLayout(row)
        self._stage = None
        self._layout_key = None

    def render(self, view) -> None:
        entry = view.entry
        if entry is None:
            return
        self._stage = entry.id
        self.service.setText(view.service_title)
        self.title.setText(entry.title)
        self.prompt.setText(entry.prompt)
        self.value.setText(entry.value or "＿")
        self.message.setText(message_text(entry.error))
        keys = keys_for(entry.format, entry.value)
        if (entry.id, keys) != self._layout_key:  # rebuilt only when the key set changes
            self._layout_key = (entry.id, keys)
            self.keys.columns = 10 if len(keys) > 12 else 5
            self.keys.set_buttons([(k, k, True) for k in keys], lambda k: self.session.key(self._stage, k), name="key")
        self.back.setText(self.tr("上一步"))
        self.back.setVisible(view.can_back)
        self.delete.setText(self.tr("删除"))
        self.ok.setText(self.tr("确定"))

    def clear(self) -> None:
        super().clear()
        self.keys.clear()
        self._stage = None
        self._layout_key = None


class SummaryTable(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setHorizontalSpacing(32)
        self.form.setVerticalSpacing(16)

    def show_rows(self, rows) -> None:
        self.clear()
        for code, value in rows:
            text = summary_label(code)
            shown = QLabel(value)
            shown.setWordWrap(True)  # a long value wraps instead of widening the window
            self.form.addRow(QLabel(text + ("：" if value else "")), shown)

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
        # A service says what confirming does in its confirm stage's prompt (e.g. "then pay").
        prompt = view.step.prompt if view.step is not None else ""
        self.hint.setText(prompt or self.tr("确认后将查询并打印证明和回执"))
        self.back.setText(self.tr("返回修改"))
        self.back.setVisible(view.can_back)
        self.ok.setText(self.tr("确认办理"))

    def clear(self) -> None:
        super().clear()
        self.summary.clear()
