"""无犯罪记录证明 — the no-criminal-record certificate.

Central checks its records and issues a certificate number with a verification link, which the
receipt carries as a QR code. When central cannot be reached the application is accepted for
later processing (the service's `central = "offline_ok"`), and the receipt says so.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from drivers.printer.receipt import Receipt
from kiosk.services.base import Service
from kiosk.privacy import mask_name
from kiosk.visit import ServiceResult, Visit


class NoCriminalRecord(Service):
    id = "no_criminal_record"

    def request(self, visit: Visit, central) -> ServiceResult:
        answer = central.request_certificate(
            visit_id=visit.id,
            id_number=visit.card.id_number,
            name=visit.card.name,
            purpose=visit.choices.get("purpose", ""),
        )
        return ServiceResult(
            outcome=answer["outcome"],
            reference=answer.get("certificate_no"),
            verify_url=answer.get("verify_url"),
            issued_at=answer.get("issued_at"),
            reason=answer.get("reason"),
        )

    def accept_offline(self, visit: Visit) -> ServiceResult:
        return ServiceResult(
            outcome="accepted_offline",
            reference=f"SQ{datetime.now():%Y%m%d}{uuid.uuid4().hex[:8].upper()}",
            issued_at=datetime.now().astimezone().isoformat(timespec="seconds"),
        )

    def record(self, visit: Visit, result: ServiceResult | None, outcome: str) -> dict:
        record = super().record(visit, result, outcome)
        if result is not None and result.outcome == "accepted_offline":
            # Central decides the application later and needs to know whose it is.
            record["applicant"] = {"id_number": visit.card.id_number, "name": visit.card.name}
        return record

    def receipt(self, visit: Visit, result: ServiceResult) -> Receipt:
        card = visit.card
        when = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")
        receipt = (
            Receipt()
            .title(self.kiosk.kiosk.name.zh)
            .line(f"{self.config.title.zh}　办理回执", align="center", bold=True)
            .rule()
        )
        if result.outcome == "issued":
            receipt.field("证明编号", result.reference or "")
        else:
            receipt.field("申请编号", result.reference or "")
        (
            receipt.field("姓名", mask_name(card.name))
            .field("身份证号", card.masked_id)
            .field("用途", self.choice_label(visit, "purpose"))
            .field("办理时间", when)
            .field("自助机编号", self.kiosk.kiosk.id)
            .rule()
        )
        if result.outcome == "issued" and result.verify_url:
            receipt.qr(result.verify_url).line("扫码核验证明真伪", align="center")
            receipt.line("Scan to verify this certificate", align="center")
        else:
            receipt.line("申请已受理，网络恢复后自动提交审核，", align="left")
            receipt.line("审核结果将以短信通知。", align="left")
            receipt.line("Application accepted; the result will follow by SMS.", align="left")
        if self.kiosk.kiosk.hotline:
            receipt.field("咨询电话", self.kiosk.kiosk.hotline)
        return receipt.feed(2).cut()
