"""What paid services share: the payment receipt and the rows of a payment's outcome."""

from __future__ import annotations

from common.money import yuan
from drivers.printer.receipt import Receipt
from kiosk.print_templates import receipt_footer, receipt_header
from kiosk.privacy import mask_name
from kiosk.texts import CATALOGUE, text
from kiosk.visit import Visit


def payment_rows(visit: Visit, language: str) -> tuple[tuple[str, str], ...]:
    """The order's lines and what was paid (or is being refunded), for the result screen."""
    order, result = visit.payment, visit.result
    if order is None or result is None:
        return ()
    rows = [(f"text:{line.label}", yuan(line.amount_fen)) for line in order.lines]
    rows.append((f"text:{text('payment.order_no', language)}", result.reference or ""))
    if result.outcome == "paid":
        rows.append((f"text:{text('payment.paid_amount', language)}", yuan(order.paid_fen or order.amount_fen)))
    else:
        rows.append((f"text:{text('payment.refund_amount', language)}", yuan(order.paid_fen)))
        rows.append((f"text:{text(result.reason, language) if result.reason in CATALOGUE else result.reason}", ""))
    return tuple(rows)


def payment_receipt(service, visit: Visit, fields: list[tuple[str, str]] = (), *, references: bool = True) -> Receipt:
    """The receipt of a paid service: every line with its amount (and its reference, e.g. the
    decision number of a fine), the total, the order number; a refund says so plainly. No full
    ID number or name."""
    kiosk, order, result = service.kiosk.kiosk, visit.payment, visit.result
    refunded = result.outcome == "refunded"
    receipt = (receipt_header(service.kiosk)
               .line(f"{service.config.title.zh}　{'退款通知' if refunded else '缴费回执'}", align="center", bold=True)
               .rule())
    receipt.field("订单号", result.reference or "")
    if visit.card is not None:
        receipt.field("姓名", mask_name(visit.card.name)).field("身份证号", visit.card.masked_id)
    for label, value in fields:
        receipt.field(label, value)
    receipt.rule()
    for line in order.lines:
        shown = f"{line.reference}  " if references and line.reference else ""
        receipt.line(line.label).line(f"{shown}{yuan(line.amount_fen)}", align="right")
    receipt.rule()
    if refunded:
        receipt.field("应退金额", yuan(order.paid_fen))
        receipt.line("业务未能办理，款项将原路退回您的支付账户。", align="left")
        receipt.line("Not completed: your payment will be refunded.", align="left")
    else:
        receipt.field("实付金额", yuan(order.paid_fen or order.amount_fen))
    receipt.field("办理时间", service.clock.stamp()).field("自助机编号", kiosk.id)
    if result.reference:
        receipt.qr(result.reference).line("扫码查询办理进度", align="center")
    return receipt_footer(receipt, service.kiosk)

