"""临时身份证明 — the temporary identity certificate.

For a citizen whose card is about to be renewed, damaged, or who needs proof of identity at once
(a flight, a hotel): the card holder proves it is them, says what it is for, and central issues a
certificate valid for a short period. The A4 certificate carries the card's photo, so whoever
reads it can compare the face. Issued live only: a certificate of identity is never issued
without central's answer.
"""

from __future__ import annotations

import logging

from kiosk.print_templates import certificate_footer, certificate_issuer
from kiosk.services.certificate import CertificateService, certificate_stages
from kiosk.visit import Visit

log = logging.getLogger(__name__)

TITLE = "临时身份证明"


class TemporaryId(CertificateService):
    id = "temporary_id"
    stages = certificate_stages(offline="refuse")
    central = "live"

    def application(self, visit: Visit) -> dict:
        card = visit.card
        return {**super().application(visit), "sex": card.sex_name,
                "birth_date": card.birth_date.isoformat(), "address": card.address}

    def receipt_fields(self, visit: Visit) -> list[tuple[str, str]]:
        return super().receipt_fields(visit) + [("有效期至", visit.result.valid_until or "")]

    def document(self, visit: Visit):
        from kiosk.documents import Document

        card, result = visit.card, visit.result
        return Document(
            title=TITLE,
            number=result.reference or "",
            issuer=certificate_issuer(self.kiosk, self.id),
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
            footer=certificate_footer(self.kiosk, self.id),
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
