from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout

from screens.messages import message_text, rating_labels, rating_reason
from screens.steps import SummaryTable
from screens.widgets import ButtonGrid, Page, button, label


def outcome_texts(view) -> tuple[str, str, str]:
    """(headline, role, detail) for the outcome of the visit."""
    if view.outcome == "issued":
        return message_text("outcome.issued"), "good", message_text("outcome.certificate_no") + (view.reference or "")
    if view.outcome == "accepted_offline":
        return (message_text("outcome.accepted_offline"), "good", message_text("outcome.application_no")
                + (view.reference or "") + "\n" + message_text("outcome.sms_follows"))
    if view.outcome == "refused":
        return message_text("outcome.refused"), "bad", message_text(view.reason)
    if view.outcome == "paid":
        return message_text("outcome.paid"), "good", message_text("payment.order_no") + " " + (view.reference or "")
    if view.outcome == "refunded":
        return message_text("outcome.refunded"), "bad", message_text(view.reason or "payment_refunded")
    if view.outcome == "handed_over":
        return message_text("outcome.handed_over"), "good", message_text("pickup.taken")
    if view.outcome == "stored":
        return (message_text("outcome.stored"), "good",
                message_text("photo.receipt_code") + " " + (view.reference or ""))
    if view.outcome == "not_kept":
        return message_text("outcome.not_kept"), "good", message_text("photo.not_kept")
    if view.outcome == "answered":
        return message_text("outcome.answered"), "good", ""
    return message_text("outcome.failed"), "bad", ""


def set_role(widget, role: str) -> None:
    widget.setObjectName(role)
    widget.setStyleSheet("")  # re-apply the style for the new role


class ResultPage(Page):
    """A Result stage: the outcome in rows (e.g. each application and its state), with the
    service's follow-up actions (e.g. reprint) or a button to go on."""

    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.service = label(role="hint")
        self.title = label(role="title")
        self.prompt = label(role="hint")
        self.rows = SummaryTable()
        self.actions = ButtonGrid(columns=1)
        for widget in (self.service, self.title, self.prompt):
            self.layout_.addWidget(widget)
        self.layout_.addWidget(self.rows, 1)
        self.layout_.addWidget(self.actions)
        self._stage = None

    def render(self, view) -> None:
        step = view.step
        self._stage = step.id if step else None
        self.service.setText(view.service_title)
        self.title.setText(step.title if step and step.title else self.tr("办理结果"))
        self.prompt.setText(step.prompt if step and len(step.choices) > 1 else "")
        self.rows.show_rows(view.rows)
        self.actions.set_buttons([(cid, text, True) for cid, text in (step.choices if step else ())],
                                 lambda choice: self.session.choose(self._stage, choice), name="action")

    def clear(self) -> None:
        super().clear()
        self.rows.clear()
        self.actions.clear()
        self._stage = None


class RatePage(Page):
    """好差评: the outcome, then five big rating buttons; the two lowest ask why."""

    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.headline = label(role="good")
        self.detail = label()
        self.message = label(role="message")
        self.question = label(role="title")
        self.ratings = ButtonGrid(columns=5)
        self.reasons = ButtonGrid(columns=2)
        self.skip = button(secondary=True)
        self.skip.clicked.connect(session.skip_rating)
        for widget in (self.headline, self.detail, self.message, self.question):
            self.layout_.addWidget(widget)
        self.layout_.addWidget(self.ratings)
        self.layout_.addWidget(self.reasons)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.skip)
        self.layout_.addLayout(row)

    def render(self, view) -> None:
        headline, role, detail = outcome_texts(view)
        set_role(self.headline, role)
        self.headline.setText(headline)
        self.detail.setText(detail)
        self.message.setText(message_text(view.message))
        rating = view.rating
        if rating is not None and rating.needs_reason:
            self.question.setText(message_text("spoken.rate_reason"))
            self.ratings.clear()
            self.reasons.set_buttons([(code, rating_reason(code), True) for code in rating.reasons],
                                     self.session.rate_reason, name="reason")
        else:
            self.question.setText(message_text("spoken.rate"))
            self.reasons.clear()
            self.ratings.set_buttons([(str(score), text, True) for score, text in rating_labels()],
                                     lambda score: self.session.rate(int(score)))
        self.skip.setText(self.tr("跳过评价"))

    def clear(self) -> None:
        super().clear()
        self.ratings.clear()
        self.reasons.clear()


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
        headline, role, detail = outcome_texts(view)
        if view.outcome and role == "good":
            headline = self.tr("办理完成，感谢您的使用")
        set_role(self.headline, role)
        self.headline.setText(headline)
        self.detail.setText(detail)
        self.message.setText(message_text(view.message))
        self.reminder.setText(self.tr("请取回您的身份证和回执") if view.receipt_printed or view.document_printed
                              else self.tr("请取回您的身份证"))
        self.finish.setText(self.tr("完成"))
