"""The receipt every certificate service prints: the number, whose it is (masked), what for,
when, and the verification QR code, or, for an application accepted offline, what happens next."""

from __future__ import annotations

from drivers.printer.receipt import Receipt
from kiosk.privacy import mask_name


def certificate_receipt(service, visit, fields: list[tuple[str, str]]) -> Receipt:
    kiosk, card, result = service.kiosk.kiosk, visit.card, visit.result
    receipt = (
        Receipt()
        .title(kiosk.name.zh)
        .line(f"{service.config.title.zh}　办理回执", align="center", bold=True)
        .rule()
    )
    receipt.field("证明编号" if result.outcome == "issued" else "申请编号", result.reference or "")
    receipt.field("姓名", mask_name(card.name)).field("身份证号", card.masked_id)
    for label, value in fields:
        receipt.field(label, value)
    receipt.field("办理时间", service.clock.stamp()).field("自助机编号", kiosk.id).rule()
    if result.outcome == "issued":
        if visit.document_printed is False:
            receipt.line("证明未能打印，可在本机“业务进度查询”", align="left")
            receipt.line("凭身份证补打，无需重新申请。", align="left")
            receipt.line("The certificate did not print: reprint it", align="left")
            receipt.line("from Progress query with your ID card.", align="left")
        if result.verify_url:
            receipt.qr(result.verify_url).line("扫码核验证明真伪，或查询办理进度", align="center")
            receipt.line("Scan to verify or to check progress", align="center")
    else:
        receipt.line("申请已受理，网络恢复后自动提交审核，", align="left")
        receipt.line("审核结果将以短信通知。", align="left")
        receipt.line("Application accepted; the result will follow by SMS.", align="left")
        if result.reference:
            receipt.qr(result.reference).line("扫码查询办理进度", align="center")
    if kiosk.hotline:
        receipt.field("咨询电话", kiosk.hotline)
    return receipt.feed(2).cut()
