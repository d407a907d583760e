"""交通违法查询缴款 — traffic violations: look them up, pay several at once.

By the ID card (the driving licence number is the ID number; the holder proves it is them) or by
a plate number typed on the keyboard. Central lists the violations with date, place, act, fine,
points and the late fee the law adds (common/fees.py); those that need a counter are shown but
cannot be picked. The citizen picks, confirms and pays once by QR code; central settles the fines
with the back office once paid (or refunds), and the receipt lists each decision number.
"""

from __future__ import annotations

from common.money import yuan
from kiosk.privacy import mask_name
from kiosk.services.base import Option, Service
from kiosk.services.paid import payment_receipt, payment_rows
from kiosk.services.stages import Act, Ask, Choose, Confirm, Enter, Identify, Pay, Rate, Result, Select
from kiosk.texts import CATALOGUE, text
from kiosk.visit import ServiceResult, Visit


def by(method: str):
    return lambda visit: visit.choices.get("method") == method


def payable(visit: Visit) -> bool:
    """Something can be paid here (violations that need a counter are only listed)."""
    return any(v.get("payable") for v in visit.answers.get("query", {}).get("violations") or ())


def picked(visit: Visit) -> bool:
    return bool(visit.selected.get("violations"))


class TrafficFines(Service):
    id = "traffic_fines"
    stages = (
        Choose("method"),
        Identify(when=by("card")),
        Enter("plate", format="plate", when=by("plate")),
        Ask("query", operation="query", offline="refuse"),
        Select("violations", when=payable),
        Confirm(when=picked),
        Pay(when=picked),
        Act("receipt", action="print_receipt"),
        Result("result"),
        Rate(),
    )
    requires = ("printer",)
    central = "live"

    # ---- central -----------------------------------------------------------------------------
    def _query(self, visit: Visit) -> dict:
        if visit.card is not None:
            return {"by": "id_card", "id_number": visit.card.id_number}
        return {"by": "plate", "plate": visit.inputs["plate"]}

    def ask(self, operation: str, visit: Visit, central) -> ServiceResult:
        answer = central.call(self.id, "query", {"visit_id": visit.id, **self._query(visit)})
        visit.answers["query"] = answer
        return ServiceResult(outcome="answered", data={"count": len(answer.get("violations") or ())})

    def order(self, visit: Visit, stage) -> dict:
        return {"decision_nos": list(visit.selected["violations"]), **self._query(visit)}

    # ---- the list ----------------------------------------------------------------------------
    def _violations(self, visit: Visit) -> list[dict]:
        return list(visit.answers.get("query", {}).get("violations") or ())

    def options(self, stage, visit: Visit, language: str) -> tuple[Option, ...]:
        options = []
        for v in self._violations(visit):
            day = self.clock.local(v["occurred_at"]).strftime("%Y-%m-%d %H:%M")
            figures = f"{text('payment.fine', language)} {yuan(v['fine_fen'])}  {text('payment.points', language)} {v['points']}"
            if v.get("late_fee_fen"):
                figures += f"  {text('payment.late_fee', language)} {yuan(v['late_fee_fen'])}"
            # One short line each: a touch button does not wrap.
            options.append(Option(id=v["decision_no"], label=v["act"], detail=f"{day}\n{v['place']}\n{figures}",
                                  amount_fen=int(v["due_fen"]), selectable=bool(v["payable"]),
                                  reason=None if v["payable"] else (v.get("reason") or "needs_counter")))
        return tuple(options)

    def summary(self, visit: Visit, language: str):
        rows = [("service", self.title(language))]
        if visit.card is not None:
            rows += [("name", mask_name(visit.card.name)), ("id_number", visit.card.masked_id)]
        else:
            rows.append((f"text:{self.stage_texts(self.step('plate'), language)[0]}", visit.inputs.get("plate", "")))
        chosen = visit.selected.get("violations", ())
        options = [o for o in self.options(self.step("violations"), visit, language) if o.id in chosen]
        rows += [(f"text:{o.label}", yuan(o.amount_fen)) for o in options]
        rows.append((f"text:{text('payment.total', language)}", yuan(sum(o.amount_fen for o in options))))
        return tuple(rows)

    # ---- the outcome -------------------------------------------------------------------------
    def result_rows(self, visit: Visit, language: str):
        if visit.payment is not None:
            return payment_rows(visit, language)
        options = self.options(self.step("violations"), visit, language)
        if not any(o.selectable for o in options):  # nothing payable: what there is, and why
            return ((f"text:{text('no_violations', language)}", ""),) + tuple(
                (f"text:{o.label}", text(o.reason, language) if o.reason in CATALOGUE else (o.reason or ""))
                for o in options)
        return ()

    def result_actions(self, visit: Visit, language: str):
        return (("finish", text("payment.finish", language)),)

    def receipt(self, visit: Visit):
        fields = [] if visit.card is not None else [("号牌号码", visit.inputs.get("plate", ""))]
        return payment_receipt(self, visit, fields)

    def record(self, visit: Visit, outcome: str) -> dict:
        record = super().record(visit, outcome)
        record["method"] = visit.choices.get("method")
        record["violations"] = len(self._violations(visit))
        record["decisions"] = list(visit.selected.get("violations", ()))
        return record
