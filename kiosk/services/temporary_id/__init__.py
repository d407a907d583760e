"""临时身份证明 — the temporary identity certificate.

For a citizen whose card is about to be renewed, damaged, or who needs proof of identity at once
(a flight, a hotel): the card holder proves it is them, says what it is for, and central issues a
certificate valid for a short period. The A4 certificate carries the card's photo, so whoever
reads it can compare the face. Issued live only: a certificate of identity is never issued
without central's answer.
"""

from __future__ import annotations

import logging

from kiosk.services.base import Service
from kiosk.services.receipts import certificate_receipt
from kiosk.services.stages import Act, Ask, Choose, Confirm, Identify, Rate
from kiosk.visit import ServiceResult, Visit

log = logging.getLogger(__name__)

TITLE = "临时身份证明"


class TemporaryId(Service):
    id = "temporary_id"
    stages = (
        Identify(),
        Choose("purpose"),
        Confirm(),
        Ask("apply", operation="apply", offline="refuse"),
        Act("document", action="print_document", when=lambda visit: visit.result.outcome == "issued"),
        Act("receipt", action="print_receipt"),
        Rate(),
    )
    requires = ("idcard", "printer", "docprinter")
    central = "live"

    def ask(self, operation: str, visit: Visit, central) -> ServiceResult:
        card = visit.card
        answer = central.call(self.id, "apply", {
            "visit_id": visit.id,
            "id_number": card.id_number,
            "name": card.name,
            "sex": card.sex_name,
            "birth_date": card.birth_date.isoformat(),
            "address": card.address,
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

    def receipt(self, visit: Visit):
        return certificate_receipt(self, visit, [
            ("用途", self.choice_label(visit, "purpose")),
            ("有效期至", visit.result.valid_until or ""),
        ])

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
                ("民族", card.nation_name),
                ("出生日期", f"{card.birth_date:%Y年%m月%d日}"),
                ("住址", card.address),
                ("公民身份号码", card.id_number),
                ("用途", self.choice_label(visit, "purpose")),
            ],
            paragraphs=[
                f"兹证明{card.name}，公民身份号码{card.id_number}，系本辖区常住人口。"
                "本证明附持证人照片，仅作临时身份证明之用。",
                f"有效期至{result.valid_until or '—'}。可扫描二维码核验本证明真伪。",
            ],
            verify_url=result.verify_url,
            photo=portrait(card),
            issued_at=self.clock.stamp(result.issued_at),
            footer=f"自助机编号 {self.kiosk.kiosk.id}",
        )


def portrait(card) -> bytes | None:
    """The card's photo as an image file for the certificate, or None when it cannot be decoded
    here (a WLT photo without the vendor's decoder): the certificate then says it carries none."""
    import cv2

    from drivers.idcard.photo import PhotoUndecodable, decode_photo

    try:
        image = decode_photo(card.photo)
    except PhotoUndecodable as exc:
        log.warning("card photo not printable: %s", exc)
        return None
    ok, data = cv2.imencode(".png", image)
    return data.tobytes() if ok else None
