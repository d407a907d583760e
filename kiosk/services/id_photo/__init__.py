"""证件照采集 — an ID photo to GA 461-2004, taken once and reused for later applications.

The card holder proves who they are, stands at the camera and is guided until a frame passes
every check (one face, centred, frontal, level, eyes open, even light, a plain light background,
no hat: kiosk/identity/photo_checks.py); the kiosk cuts the GA 461 photo from it
(kiosk/identity/ga461.py) and shows it; the citizen accepts it or retakes it (three photos at
most, then a counter). With the citizen's consent the photo goes to central's photo library and
the receipt carries its receipt code (回执码), which any later application reuses; without it,
nothing is kept anywhere: the photo is dropped with the visit and never leaves the kiosk.
The background is what the camera saw: a busy one is guidance, never a silent fix.
"""

from __future__ import annotations

import base64
from datetime import datetime, timezone

from drivers.printer.receipt import Receipt
from kiosk.print_templates import receipt_footer, receipt_header
from kiosk.privacy import mask_name
from kiosk.services.base import Service
from kiosk.services.stages import Act, Ask, CapturePhoto, Choose, Rate, Result, Identify
from kiosk.texts import text
from kiosk.visit import ServiceResult, Visit

KEEP = "keep"


def stored(visit: Visit) -> bool:
    return visit.result is not None and visit.result.outcome == "stored"


class IdPhoto(Service):
    id = "id_photo"
    stages = (
        Identify(),
        CapturePhoto("photo"),
        Choose("consent"),
        Ask("store", operation="store", offline="refuse"),
        Act("receipt", action="print_receipt", when=stored),
        Result("result"),
        Rate(),
    )
    requires = ("idcard", "camera", "printer")
    central = "live"

    def ask(self, operation: str, visit: Visit, central) -> ServiceResult:
        photo, visit.photo = visit.photo, None  # whatever happens next, the kiosk keeps no copy
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        if visit.choices.get("consent") != KEEP or not photo:
            return ServiceResult(outcome="not_kept", issued_at=now)
        answer = central.call(self.id, "store", {
            "visit_id": visit.id, "id_number": visit.card.id_number,
            "photo": base64.b64encode(photo).decode(), "consent": True})
        del photo
        return ServiceResult(outcome="stored", reference=answer["receipt_code"], issued_at=now,
                             valid_until=answer["expires_at"][:10])

    def result_rows(self, visit: Visit, language: str):
        result = visit.result
        if result is None:
            return ()
        if result.outcome == "stored":
            return ((f"text:{text('photo.receipt_code', language)}", result.reference or ""),
                    (f"text:{text('photo.valid_until', language)}", result.valid_until or ""),
                    (f"text:{text('photo.reuse', language)}", ""))
        return ((f"text:{text('photo.not_kept', language)}", ""),)

    def result_actions(self, visit: Visit, language: str):
        return (("finish", text("payment.finish", language)),)

    def receipt(self, visit: Visit) -> Receipt:
        kiosk, result = self.kiosk.kiosk, visit.result
        receipt = (receipt_header(self.kiosk)
                   .line(f"{self.config.title.zh}　照片回执", align="center", bold=True).rule()
                   .field("照片回执码", result.reference or "")
                   .field("姓名", mask_name(visit.card.name)).field("身份证号", visit.card.masked_id)
                   .field("有效期至", result.valid_until or "")
                   .field("办理时间", self.clock.stamp()).field("自助机编号", kiosk.id).rule()
                   .line("办理其他业务时出示本回执码即可使用此照片，", align="left")
                   .line("无需重新拍照。", align="left")
                   .line("Show this code when you apply: the photo is reused.", align="left"))
        return receipt_footer(receipt, self.kiosk)

    def record(self, visit: Visit, outcome: str) -> dict:
        record = super().record(visit, outcome)
        record["photo"] = {"tries": visit.photo_tries, "consent": visit.choices.get("consent") == KEEP}
        return record
