"""港澳通行证签注 — an endorsement on the Exit-Entry Permit for Hong Kong and Macau.

The card holder proves who they are and types the permit's number; central says whether the
permit is theirs and valid; where the kiosk has a chip-document reader (`devices.chipdoc`) the
citizen lays the permit on it and the kiosk reads its chip, opened with the typed number, the ID
card's birth date and the expiry central knows, so the permit in hand is the one typed; which kinds of endorsement are left and how many times each, the fee
per time, and whether it can be issued on the spot (the once-in-two-months rule) or is collected
later. The citizen picks the kind and the times, confirms and pays; central issues it once paid
(or refunds), and the receipt says whether it is issued or where to collect it.
"""

from __future__ import annotations

from common.money import yuan
from common.permits import mask_permit_no
from kiosk.privacy import mask_name
from kiosk.services.base import Service, ServiceRefused
from kiosk.services.paid import payment_receipt, payment_rows
from drivers.pcsc.mrz import AccessKey
from kiosk.services.stages import Act, Ask, Choose, Confirm, Enter, Identify, Pay, Rate, ReadDocument, Result
from kiosk.texts import CATALOGUE, text
from kiosk.visit import ServiceResult, Visit

# The kinds central may offer, in the order the screen lists them (labels in kiosk/texts.py).
KINDS = ("group", "individual", "family", "business", "other")


def eligible(visit: Visit) -> bool:
    return bool(visit.answers.get("eligibility", {}).get("eligible"))


class HkmoEndorsement(Service):
    id = "hkmo_endorsement"
    stages = (
        Identify(),
        Enter("permit", format="permit"),
        Ask("eligibility", operation="eligibility", offline="refuse"),
        ReadDocument("permit_chip", when=eligible),
        Choose("kind", from_answer=True, when=eligible),
        Choose("times", from_answer=True, when=eligible),
        Confirm(when=eligible),
        Pay(when=eligible),
        Act("receipt", action="print_receipt"),
        Result("result"),
        Rate(),
    )
    requires = ("printer",)
    central = "live"

    # ---- central -----------------------------------------------------------------------------
    def ask(self, operation: str, visit: Visit, central) -> ServiceResult:
        answer = central.call(self.id, "eligibility", {
            "visit_id": visit.id, "permit_no": visit.inputs["permit"], "id_number": visit.card.id_number})
        visit.answers["eligibility"] = answer
        if not answer.get("eligible"):
            reason = answer.get("reason") or "not_eligible"
            return ServiceResult(outcome="refused", reason=reason if reason in CATALOGUE else "not_eligible")
        return ServiceResult(outcome="answered")

    def _offer(self, visit: Visit, kind: str) -> dict:
        for offer in visit.answers.get("eligibility", {}).get("endorsements") or ():
            if offer["kind"] == kind:
                return offer
        raise ServiceRefused("not_eligible")

    def access_key(self, visit: Visit, stage) -> AccessKey:
        """The permit's BAC key: its number as typed, its holder's birth date (the ID card's) and
        its expiry as central knows it (YYMMDD). A permit that is not the one typed, or not the
        card holder's, does not open."""
        answer = visit.answers["eligibility"]
        return AccessKey(visit.inputs["permit"], visit.card.birth_date.strftime("%y%m%d"), answer["permit_expiry"])

    def check_document(self, visit: Visit, document) -> str | None:
        same = (document.document_number == visit.inputs["permit"] and document.birth_date == visit.card.birth_date
                and document.document_code.startswith("C"))
        return None if same else "permit_chip_mismatch"

    def order(self, visit: Visit, stage) -> dict:
        return {"permit_no": visit.inputs["permit"], "id_number": visit.card.id_number,
                "kind": visit.choices["kind"], "times": int(visit.choices["times"])}

    # ---- the questions -----------------------------------------------------------------------
    def choices(self, stage, visit: Visit, language: str):
        offers = visit.answers.get("eligibility", {}).get("endorsements") or ()
        if stage.id == "kind":
            by_kind = {o["kind"]: o for o in offers}
            return tuple((k, self._kind_label(k, by_kind[k], language)) for k in KINDS if k in by_kind)
        offer = self._offer(visit, visit.choices.get("kind", ""))
        unit = int(offer["fee_fen_per_time"])
        times = "次" if language == "zh" else "×"
        return tuple((str(n), f"{n}{times}  {yuan(unit * n)}") for n in offer["times"])

    def _kind_label(self, kind: str, offer: dict, language: str) -> str:
        how = text("hkmo.instant" if offer.get("instant") else "hkmo.pickup", language)
        return f"{text(f'hkmo.kind.{kind}', language)}（{how}）" if language == "zh" else \
            f"{text(f'hkmo.kind.{kind}', language)} ({how})"

    def summary(self, visit: Visit, language: str):
        rows = [("service", self.title(language)),
                ("name", mask_name(visit.card.name)), ("id_number", visit.card.masked_id),
                (f"text:{text('hkmo.permit_no', language)}", mask_permit_no(visit.inputs.get("permit", "")))]
        if "kind" in visit.choices:
            offer = self._offer(visit, visit.choices["kind"])
            rows.append((f"text:{text('hkmo.kind', language)}", self._kind_label(visit.choices["kind"], offer, language)))
            if "times" in visit.choices:
                n = int(visit.choices["times"])
                rows.append((f"text:{text('hkmo.times', language)}", str(n)))
                rows.append((f"text:{text('payment.total', language)}", yuan(int(offer["fee_fen_per_time"]) * n)))
        return tuple(rows)

    # ---- the outcome -------------------------------------------------------------------------
    def result_rows(self, visit: Visit, language: str):
        if visit.payment is None:
            return ()
        rows = list(payment_rows(visit, language))
        if visit.result.outcome == "paid":
            rows.insert(0, (f"text:{text('hkmo.outcome', language)}", self._outcome_text(visit.result.data, language)))
        return tuple(rows)

    def _outcome_text(self, data: dict, language: str) -> str:
        if data.get("outcome") == "instant":
            return text("hkmo.issued", language) + (f" {data['valid_until']}" if data.get("valid_until") else "")
        where = " ".join(str(data[k]) for k in ("pickup_place", "pickup_at") if data.get(k))
        return f"{text('hkmo.collect', language)} {where}".strip()

    def result_actions(self, visit: Visit, language: str):
        return (("finish", text("payment.finish", language)),)

    def receipt(self, visit: Visit):
        fields = [("通行证号码", mask_permit_no(visit.inputs.get("permit", "")))]
        if visit.result.outcome == "paid":
            fields += [("签注种类", text(f"hkmo.kind.{visit.choices['kind']}")), ("签注次数", visit.choices["times"]),
                       ("办理结果", self._outcome_text(visit.result.data, "zh"))]
        return payment_receipt(self, visit, fields, references=False)

    def record(self, visit: Visit, outcome: str) -> dict:
        record = super().record(visit, outcome)
        record["endorsement"] = {"kind": visit.choices.get("kind"), "times": visit.choices.get("times")}
        return record
