"""身份证自助领证 — collecting a finished resident ID card from the kiosk's card dispenser.

The citizen has no card yet: they type their ID number (or scan the application receipt's QR
code), central says whether their card is in this kiosk and in which slot and gives the fingers
and the photo recorded at application; the citizen presses a finger (the face is the fallback
for a finger that cannot be used, not for one that did not match); then the dispenser moves the
card to the read position, the kiosk reads it and presents it only if it is the citizen's
(kiosk/handlers/dispense.py). How the hand-out ended goes to central in the visit's record.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timezone

from common.idnumber import mask_id_number
from kiosk.services.base import Handout, IdentityMaterial, Service, ServiceRefused
from kiosk.services.stages import Ask, Choose, Dispense, Enter, Rate, Result, Scan, Verify
from kiosk.texts import CATALOGUE, text
from kiosk.visit import ServiceResult, Visit

# Central's reasons a card cannot be handed out here, as message codes (kiosk/texts.py).
NOT_READY = {reason: f"pickup.{reason}" for reason in
             ("not_found", "in_production", "elsewhere", "at_counter", "collected", "retracted")}
# How a hand-out ended (kiosk/card_handout.py: final state, reason) -> the citizen's message.
ENDINGS = {
    ("retracted", "not_taken"): "pickup.not_taken",
    ("retracted", "wrong_card"): "pickup.wrong_card",
    ("not_moved", "slot_empty"): "pickup.card_missing",
}


def by(method: str):
    return lambda visit: visit.choices.get("method") == method


def ready(visit: Visit) -> bool:
    return bool(visit.answers.get("lookup", {}).get("ready"))


class IdCardPickup(Service):
    id = "id_card_pickup"
    stages = (
        Choose("method"),
        Enter("id_number", format="id_number", when=by("id_number")),
        Scan("receipt", when=by("receipt")),
        Ask("lookup", operation="lookup", offline="refuse"),
        Verify("verify", source="service", fallback="unusable", when=ready),
        Dispense(when=ready),
        Result("result"),
        Rate(),
    )
    # The card at the read position is read by the kiosk's reader or the dispenser's own.
    requires = ("dispenser", ("idcard", "dispenser_reader"))
    central = "live"

    # ---- central -----------------------------------------------------------------------------
    def ask(self, operation: str, visit: Visit, central) -> ServiceResult | None:
        key = {"id_number": visit.inputs["id_number"]} if "id_number" in visit.inputs \
            else {"receipt_code": receipt_code(visit.inputs.get("receipt", ""))}
        answer = central.call(self.id, "lookup", {"visit_id": visit.id, **key})
        visit.answers["lookup"] = answer
        if not answer.get("ready"):
            raise ServiceRefused(NOT_READY.get(answer.get("reason"), "pickup.not_found"))
        return None  # nothing decided yet: the identity check and the hand-out decide

    def identity_material(self, visit: Visit) -> IdentityMaterial:
        answer = visit.answers["lookup"]
        try:
            templates = tuple(base64.b64decode(t, validate=True) for t in answer.get("fingerprints") or ())
            photo = base64.b64decode(answer["photo"], validate=True) if answer.get("photo") else None
        except (binascii.Error, TypeError, ValueError):
            raise ServiceRefused("central_rejected") from None
        # Failures count against the card being collected: the typed number, or the receipt.
        subject = visit.inputs.get("id_number") or f"receipt:{receipt_code(visit.inputs.get('receipt', ''))}"
        return IdentityMaterial(templates=templates, photo=photo, subject=subject)

    def handout(self, visit: Visit) -> Handout:
        answer = visit.answers["lookup"]
        return Handout(slot=int(answer["slot"]), card_check=answer["card_check"])

    def handout_result(self, visit: Visit, state: str, reason: str | None) -> ServiceResult:
        visit.answers["handout"] = {"state": state, "reason": reason}
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        if state == "taken":
            return ServiceResult(outcome="handed_over", issued_at=now)
        return ServiceResult(outcome="refused", issued_at=now,
                             reason=ENDINGS.get((state, reason), "pickup.dispenser_fault"))

    # ---- what the citizen sees ---------------------------------------------------------------
    def summary(self, visit: Visit, language: str):
        answer = visit.answers.get("lookup", {})
        rows = [("service", self.title(language))]
        if answer.get("name_masked"):
            rows += [("name", answer["name_masked"]), ("id_number", answer.get("card_id_masked") or "")]
        elif "id_number" in visit.inputs:
            rows.append(("id_number", mask_id_number(visit.inputs["id_number"])))
        return tuple(rows)

    def result_rows(self, visit: Visit, language: str):
        result = visit.result
        if result is None:
            return ()
        if result.outcome == "handed_over":
            return ((f"text:{text('pickup.taken', language)}", ""),) + self.summary(visit, language)[1:]
        reason = result.reason if result.reason in CATALOGUE else "pickup.dispenser_fault"
        return ((f"text:{text(reason, language)}", ""),)

    def result_actions(self, visit: Visit, language: str):
        return (("finish", text("payment.finish", language)),)

    # ---- the record --------------------------------------------------------------------------
    def record(self, visit: Visit, outcome: str) -> dict:
        record = super().record(visit, outcome)
        record["method"] = visit.choices.get("method")
        record["handout"] = visit.answers.get("handout")  # {state, reason}: central reports it on
        return record


def receipt_code(scanned: str) -> str:
    """The application's receipt code in what the scanner read: the bare code, or a link that
    ends with it."""
    code = scanned.strip().rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0].upper()
    if not (4 <= len(code) <= 40 and code.isascii() and code.isalnum()):
        raise ServiceRefused("code_not_ours")
    return code
