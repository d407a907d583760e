"""Paying: picking what to pay for (a Select stage) and the QR code to pay with (a Pay stage)."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from common.money import yuan
from screens.messages import message_text
from screens.steps import SummaryTable
from screens.widgets import Page, button, label

QR_PIXELS = 420  # big enough for a phone held at arm's length


def qr_pixmap(data: str, size: int = QR_PIXELS) -> QPixmap:
    """The QR code of `data`, drawn black on white with its quiet zone."""
    import qrcode  # PIL and qrcode: not imported until a payment shows its code

    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    matrix = code.get_matrix()
    modules = len(matrix)
    scale = max(1, size // modules)
    image = QImage(modules * scale, modules * scale, QImage.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                painter.fillRect(QRect(x * scale, y * scale, scale, scale), QColor("black"))
    painter.end()
    return QPixmap.fromImage(image)


class SelectPage(Page):
    """A Select stage: one big toggle per line (a fine with its amount); lines that must be
    handled at a counter are shown greyed with the reason; the total of what is selected."""

    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.service = label(role="hint")
        self.title = label(role="title")
        self.prompt = label()
        self.list = QWidget()
        self.rows = QVBoxLayout(self.list)
        self.rows.setSpacing(16)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.list)
        self.total = label(role="title")
        self.message = label(role="message")
        row = QHBoxLayout()
        self.back = button(secondary=True)
        self.ok = button()
        self.back.clicked.connect(session.back)
        self.ok.clicked.connect(session.confirm)
        row.addWidget(self.back)
        row.addWidget(self.ok)
        for widget in (self.service, self.title, self.prompt):
            self.layout_.addWidget(widget)
        self.layout_.addWidget(scroll, 1)
        for widget in (self.total, self.message):
            self.layout_.addWidget(widget)
        self.layout_.addLayout(row)
        self.buttons: dict[str, QPushButton] = {}
        self._stage = None

    def render(self, view) -> None:
        select = view.select
        if select is None:
            return
        self._stage = select.id
        self.service.setText(view.service_title)
        self.title.setText(select.title)
        self.prompt.setText(select.prompt)
        self._show_options(select)
        self.total.setText(f"{message_text('payment.selected')} {len(select.selected)}  "
                           f"{message_text('payment.total')} {yuan(select.total_fen)}")
        self.message.setText(message_text(view.message))
        self.back.setText(self.tr("上一步"))
        self.back.setVisible(view.can_back)
        self.ok.setText(self.tr("下一步"))
        self.ok.setEnabled(bool(select.selected))

    def _show_options(self, select) -> None:
        if list(self.buttons) != [o.id for o in select.options]:
            self._drop_buttons()
            for option in select.options:
                widget = button(name="option")
                widget.setCheckable(True)
                widget.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
                widget.clicked.connect(lambda _=False, k=option.id: self.session.toggle(self._stage, k))
                self.rows.addWidget(widget)
                self.buttons[option.id] = widget
        for option in select.options:
            widget = self.buttons[option.id]
            chosen = option.id in select.selected
            mark = "☑" if chosen else ("☐" if option.selectable else "—")
            amount = yuan(option.amount_fen) if option.selectable else message_text(option.reason)
            widget.setText(f"{mark}  {option.label}\n{option.detail}\n{amount}".strip())
            widget.setChecked(chosen)
            widget.setEnabled(option.selectable)

    def _drop_buttons(self) -> None:
        for widget in self.buttons.values():
            widget.hide()
            self.rows.removeWidget(widget)
            widget.deleteLater()
        self.buttons = {}

    def clear(self) -> None:
        super().clear()
        self._drop_buttons()
        self._stage = None


class PayPage(Page):
    """A Pay stage: the amount, what it pays for, and the QR code to scan; then "paid, please
    wait" while central delivers. Cancel (in the window's bar) closes the order."""

    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.service = label(role="hint")
        self.amount = label(role="huge")
        self.state = label(role="title")
        self.code = QLabel()
        self.code.setAlignment(Qt.AlignCenter)
        self.lines = SummaryTable()
        self.order = label(role="hint")
        for widget in (self.service, self.amount, self.state):
            self.layout_.addWidget(widget)
        self.layout_.addWidget(self.code, 1)
        self.layout_.addWidget(self.lines)
        self.layout_.addWidget(self.order)
        self._shown_code = ""

    def render(self, view) -> None:
        payment = view.payment
        if payment is None:
            return
        self.service.setText(view.service_title)
        state = {"opening": "payment.opening", "waiting": "payment.scan", "paid": "payment.paid"}.get(payment.state)
        self.state.setText(message_text(state) if state else message_text(view.message))
        if payment.state == "opening":
            self.amount.setText("")
        else:
            self.amount.setText(f"{message_text('payment.amount')} {yuan(payment.amount_fen)}")
        if payment.qr_url != self._shown_code:
            self._shown_code = payment.qr_url
            if payment.qr_url:
                self.code.setPixmap(qr_pixmap(payment.qr_url))
            else:
                self.code.clear()
        self.lines.show_rows(tuple((f"text:{text}", yuan(fen)) for text, fen in payment.lines))
        self.order.setText(f"{message_text('payment.order_no')} {payment.reference}" if payment.reference else "")

    def clear(self) -> None:
        super().clear()
        self.code.clear()
        self.lines.clear()
        self._shown_code = ""
