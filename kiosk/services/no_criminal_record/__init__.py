"""无犯罪记录证明 — the no-criminal-record certificate.

The card holder proves who they are, chooses what the certificate is for and confirms; central
checks its records and issues a certificate number with a verification link. The kiosk prints the
A4 certificate (with the number and a verification QR code) and a receipt. When central cannot
be reached the application is accepted for later processing (`central = "offline_ok"`): nothing
is certified on the spot, and the receipt says so.
"""

from __future__ import annotations

from kiosk.print_templates import certificate_footer, certificate_issuer
from kiosk.services.certificate import CertificateService, certificate_stages
from kiosk.visit import Visit

TITLE = "无犯罪记录证明"


class NoCriminalRecord(CertificateService):
    id = "no_criminal_record"
    stages = certificate_stages(offline="accept")
    central = "offline_ok"

    def record(self, visit: Visit, outcome: str) -> dict:
        record = super().record(visit, outcome)
        if visit.result is not None and visit.result.outcome == "accepted_offline":
            # Central decides the application later and needs to know whose it is.
            record["applicant"] = {"id_number": visit.card.id_number, "name": visit.card.name}
        return record

    def document(self, visit: Visit):
        from kiosk.documents import Document

        card, result = visit.card, visit.result
        purpose = self.choice_label(visit, "purpose")
        return Document(
            title=TITLE,
            number=result.reference or "",
            issuer=certificate_issuer(self.kiosk, self.id),
            fields=[("姓名", card.name), ("性别", card.sex_name), ("公民身份号码", card.id_number), ("用途", purpose)],
            paragraphs=[
                f"经查询，截至{self.clock.local(result.issued_at):%Y年%m月%d日}，"
                f"未发现{card.name}（公民身份号码{card.id_number}）在本系统中有违法犯罪记录。",
                f"本证明有效期至{result.valid_until or '—'}，仅用于{purpose}。"
                "可扫描二维码或登录公安机关网站核验本证明真伪。",
            ],
            verify_url=result.verify_url,
            issued_at=self.clock.stamp(result.issued_at),
            footer=certificate_footer(self.kiosk, self.id),
        )
