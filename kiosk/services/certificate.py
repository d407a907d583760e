"""What the certificate services share: the card holder proves who they are, chooses what the
certificate is for and confirms; central decides; the kiosk prints the A4 certificate (when
issued) and a receipt. A certificate service says what it sends central (`application`), what
its receipt adds (`receipt_fields`) and what its certificate shows (`document`)."""

from __future__ import annotations

from drivers.printer.receipt import Receipt
from kiosk.print_templates import receipt_footer, receipt_header
from kiosk.privacy import mask_name
from kiosk.services.base import Service
from kiosk.services.stages import Act, Ask, Choose, Confirm, Identify, Rate
from kiosk.visit import ServiceResult, Visit


def certificate_stages(offline: str) -> tuple:
    """The stages of a certificate service; `offline`: what the Ask stage does without central."""
    return (
        Identify(),
        Choose("purpose"),
        Confirm(),
        Ask("apply", operation="apply", offline=offline),
        Act("document", action="print_document", when=lambda visit: visit.result.outcome == "issued"),
        Act("receipt", action="print_receipt"),
        Rate(),
    )


class CertificateService(Service):
    requires = ("idcard", "printer", "docprinter")

    def application(self, visit: Visit) -> dict:
        """What central's `apply` operation gets."""
        card = visit.card
        return {"visit_id": visit.id, "id_number": card.id_number, "name": card.name,
                "purpose": visit.choices.get("purpose", "")}

    def receipt_fields(self, visit: Visit) -> list[tuple[str, str]]:
        return [("用途", self.choice_label(visit, "purpose"))]

    def ask(self, operation: str, visit: Visit, central) -> ServiceResult:
        answer = central.call(self.id, "apply", self.application(visit))
        return ServiceResult(
            outcome=answer["outcome"],
            # A refusal has no certificate number, but central keeps the application's reference.
            reference=answer.get("certificate_no") or answer.get("reference"),
            verify_url=answer.get("verify_url"),
            issued_at=answer.get("issued_at"),
            valid_until=answer.get("valid_until"),
            reason=answer.get("reason"),
        )

    def receipt(self, visit: Visit) -> Receipt:
        return certificate_receipt(self, visit, self.receipt_fields(visit))


def certificate_receipt(service, visit, fields: list[tuple[str, str]]) -> Receipt:
    kiosk, card, result = service.kiosk.kiosk, visit.card, visit.result
    receipt = (
        receipt_header(service.kiosk)
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
    return receipt_footer(receipt, service.kiosk)
