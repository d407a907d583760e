"""无犯罪记录证明 — the no-criminal-record certificate.

The card holder proves who they are, chooses what the certificate is for and confirms; central
checks its records and issues a certificate number with a verification link. The kiosk prints the
A4 certificate (with the number and a verification QR code) and a receipt. When central cannot
be reached the application is accepted for later processing (`central = "offline_ok"`): nothing
is certified on the spot, and the receipt says so.
"""

from __future__ import annotations

from kiosk.services.base import Service
from kiosk.services.receipts import certificate_receipt
from kiosk.services.stages import Act, Ask, Choose, Confirm, Identify, Rate
from kiosk.visit import ServiceResult, Visit

TITLE = "无犯罪记录证明"


class NoCriminalRecord(Service):
    id = "no_criminal_record"
    stages = (
        Identify(),
        Choose("purpose"),
        Confirm(),
        Ask("apply", operation="apply", offline="accept"),
        Act("document", action="print_document", when=lambda visit: visit.result.outcome == "issued"),
        Act("receipt", action="print_receipt"),
        Rate(),
    )
    requires = ("idcard", "printer", "docprinter")
    central = "offline_ok"

    def ask(self, operation: str, visit: Visit, central) -> ServiceResult:
        answer = central.call(self.id, "apply", {
            "visit_id": visit.id,
            "id_number": visit.card.id_number,
            "name": visit.card.name,
            "purpose": visit.choices.get("purpose", ""),
        })
        return ServiceResult(
            outcome=answer["outcome"],
            reference=answer.get("certificate_no") or answer.get("reference"),  # refused: the application's
            verify_url=answer.get("verify_url"),
            issued_at=answer.get("issued_at"),
            valid_until=answer.get("valid_until"),
            reason=answer.get("reason"),
        )

    def record(self, visit: Visit, outcome: str) -> dict:
        record = super().record(visit, outcome)
        if visit.result is not None and visit.result.outcome == "accepted_offline":
            # Central decides the application later and needs to know whose it is.
            record["applicant"] = {"id_number": visit.card.id_number, "name": visit.card.name}
        return record

    def receipt(self, visit: Visit):
        return certificate_receipt(self, visit, [("用途", self.choice_label(visit, "purpose"))])

    def document(self, visit: Visit):
        from kiosk.documents import Document

        card, result = visit.card, visit.result
        return Document(
            title=TITLE,
            number=result.reference or "",
            issuer=self.kiosk.kiosk.issuer.zh,
            fields=[
                ("姓名", card.name),
                ("性别", card.sex_name),
                ("公民身份号码", card.id_number),
                ("用途", self.choice_label(visit, "purpose")),
            ],
            paragraphs=[
                f"经查询，截至{self.clock.local(result.issued_at):%Y年%m月%d日}，"
                f"未发现{card.name}（公民身份号码{card.id_number}）在本系统中有违法犯罪记录。",
                f"本证明有效期至{result.valid_until or '—'}，仅用于{self.choice_label(visit, 'purpose')}。"
                "可扫描二维码或登录公安机关网站核验本证明真伪。",
            ],
            verify_url=result.verify_url,
            issued_at=self.clock.stamp(result.issued_at),
            footer=f"自助机编号 {self.kiosk.kiosk.id}",
        )

