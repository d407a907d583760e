from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout

from screens.messages import message_text, rating_labels
from screens.widgets import ButtonGrid, Page, button, label


def outcome_texts(page, view) -> tuple[str, str, str]:
    """(headline, role, detail) for the outcome of the visit."""
    if view.outcome == "issued":
        return page.tr("证明已开具"), "good", page.tr("证明编号：") + (view.reference or "")
    if view.outcome == "accepted_offline":
        return page.tr("申请已受理"), "good", page.tr("申请编号：") + (view.reference or "") + "\n" + page.tr("审核结果将以短信通知")
    if view.outcome == "refused":
        return page.tr("暂不能自助开具"), "bad", view.reason or ""
    return page.tr("未能完成办理"), "bad", ""


class RatePage(Page):
    """好差评: the outcome, then five big rating buttons."""

    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.headline = label(role="good")
        self.detail = label()
        self.message = label(role="message")
        self.question = label(role="title")
        self.ratings = ButtonGrid(columns=5)
        self.skip = button(secondary=True)
        self.skip.clicked.connect(session.skip_rating)
        for widget in (self.headline, self.detail, self.message, self.question):
            self.layout_.addWidget(widget)
        self.layout_.addWidget(self.ratings)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.skip)
        self.layout_.addLayout(row)

    def render(self, view) -> None:
        headline, role, detail = outcome_texts(self, view)
        self.headline.setObjectName(role)
        self.headline.setStyleSheet("")  # re-apply the style for the new role
        self.headline.setText(headline)
        self.detail.setText(detail)
        self.message.setText(message_text(view.message))
        self.question.setText(self.tr("请对本次服务进行评价"))
        self.ratings.set_buttons([(str(score), text, True) for score, text in rating_labels()],
                                 lambda score: self.session.rate(int(score)))
        self.skip.setText(self.tr("跳过评价"))

    def clear(self) -> None:
        super().clear()
        self.ratings.clear()


class DonePage(Page):
    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.headline = label(role="good")
        self.detail = label()
        self.message = label(role="message")
        self.reminder = label(role="title")
        self.finish = button()
        self.finish.clicked.connect(session.finish)
        self.layout_.addStretch(1)
        for widget in (self.headline, self.detail, self.message, self.reminder):
            self.layout_.addWidget(widget)
        self.layout_.addStretch(1)
        self.layout_.addWidget(self.finish)

    def render(self, view) -> None:
        headline, role, detail = outcome_texts(self, view) if view.outcome else (self.tr("未能完成办理"), "bad", "")
        if view.outcome and role == "good":
            headline = self.tr("办理完成，感谢您的评价") if view.outcome else headline
        self.headline.setObjectName(role)
        self.headline.setStyleSheet("")
        self.headline.setText(headline)
        self.detail.setText(detail)
        self.message.setText(message_text(view.message))
        self.reminder.setText(self.tr("请取回您的身份证和回执"))
        self.finish.setText(self.tr("完成"))
