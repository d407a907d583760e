"""业务进度查询 — what became of my application or payment, and a reprint of what did not print.

With the ID card (and the identity check) the citizen sees every application of theirs and every
order they paid with the card, and can reprint a certificate that was issued but never printed,
or the receipt of a paid service whose printing failed: no new application, no new order, no
second charge. Card-free, by the QR code on a receipt (the barcode scanner) or its number typed
in, the citizen sees that one application's or order's state and nothing personal; reprinting
needs the card.

A receipt is reprinted by the paid service itself (its `receipt()`), on a copy of the visit that
carries central's word on the order as a `kiosk.payments.Order`, as a certificate's reprint
renders the original service's `document()` on a copy; it needs the receipt printer.
"""

from __future__ import annotations

from kiosk.payments import Order
from kiosk.services import service_class
from kiosk.services.base import Service, ServiceRefused
from kiosk.services.stages import Act, Ask, Choose, Enter, Identify, Rate, Result, Scan
from kiosk.texts import CATALOGUE, text
from kiosk.visit import ServiceResult, Visit

REPRINT = "reprint:"


def _text(name: str, language: str) -> str:
    return text(f"progress_query.{name}", language)


def _state(state: str, language: str) -> str:
    """What central's application state means to a citizen; an unknown one as central says it."""
    code = f"progress_query.state.{state}"
    return text(code, language) if code in CATALOGUE else state


def by(method: str):
    return lambda visit: visit.choices.get("method") == method


def reference_from_code(code: str) -> str:
    """The application number in a scanned code: the receipt's QR holds the verification link
    (…/verify/<number>) for a certificate, or the bare number for an accepted application."""
    text = code.strip().rstrip("/")
    reference = text.rsplit("/", 1)[-1].split("?", 1)[0].upper()
    if not (4 <= len(reference) <= 32 and reference.isascii() and reference.isalnum()):
        raise ServiceRefused("code_not_ours")
    return reference


class ProgressQuery(Service):
    id = "progress_query"
    stages = (
        Choose("method"),
        Identify(when=by("card")),
        Scan("scan", when=by("qr")),
        Enter("reference", format="code", when=by("number")),
        Ask("query", operation="query", offline="refuse"),
        Result("result"),
        Ask("reprint", operation="reprint", offline="refuse",
            when=lambda visit: visit.choices.get("result", "").startswith(REPRINT)),
        Act("document", action="print_document",
            when=lambda visit: "reprint" in visit.answers and visit.result.outcome == "issued"),
        Act("receipt", action="print_receipt",
            when=lambda visit: "reprint" in visit.answers and visit.result.outcome == "paid"),
        Rate(),
    )
    requires = (("idcard", "scanner"),)
    central = "live"

    # ---- central -----------------------------------------------------------------------------
    def ask(self, operation: str, visit: Visit, central) -> ServiceResult:
        if operation == "query":
            if visit.card is not None:
                payload = {"id_number": visit.card.id_number}
            else:
                code = visit.inputs.get("scan") or visit.inputs.get("reference") or ""
                payload = {"reference": reference_from_code(code)}
            answer = central.call(self.id, "query", payload)
            visit.answers["query"] = answer
            return ServiceResult(outcome="answered", data=answer)
        reference = visit.choices["result"][len(REPRINT):]
        answer = central.call(self.id, "reprint", {
            "visit_id": visit.id, "reference": reference, "id_number": visit.card.id_number,
        })
        visit.answers["reprint"] = answer
        if "lines" in answer:  # a paid order's receipt: the order as charged and delivered
            return ServiceResult(outcome="paid", reference=answer.get("reference"), issued_at=answer.get("paid_at"),
                                 data=dict(answer.get("result") or {}))
        return ServiceResult(outcome="issued", reference=answer.get("certificate_no"),
                             verify_url=answer.get("verify_url"), issued_at=answer.get("issued_at"),
                             valid_until=answer.get("valid_until"), data=answer)

    # ---- the result --------------------------------------------------------------------------
    def _applications(self, visit: Visit) -> list[dict]:
        return list(visit.answers.get("query", {}).get("applications", []))

    def _service_title(self, service_id: str, language: str) -> str:
        for configured in self.kiosk.services:
            if configured.id == service_id:
                return configured.title.pick(language)
        return service_id

    def result_rows(self, visit: Visit, language: str):
        applications = self._applications(visit)
        if not applications:
            return (("text:" + _text("none", language), ""),)
        rows = []
        for app in applications:
            state = _state(app["state"], language)
            # An order's receipt: "printed", or "not printed, can be reprinted" only when it can
            # be (a fine paid by plate or an old one cannot; a refunded order has no receipt to reprint).
            order = app.get("kind") == "order"
            if (app["state"] == "issued" and not order) or (order and (app.get("printed") or app.get("reprintable"))):
                state += "，" if language == "zh" else ", "
                state += _text("printed" if app.get("printed") else "not_printed", language)
            day = self.clock.local(app["submitted_at"]).strftime("%Y-%m-%d") if app.get("submitted_at") else ""
            rows.append((f"text:{self._service_title(app['service'], language)} {app['reference']}",
                         f"{state}  {day}".strip()))
        return tuple(rows)

    def result_actions(self, visit: Visit, language: str):
        actions = []
        if visit.card is not None:  # reprinting needs the card holder, not just the receipt
            for app in self._applications(visit):
                if app.get("reprintable") and self._printable_here(app["service"], app.get("kind")):
                    label = f"{_text('reprint', language)} {self._service_title(app['service'], language)}"
                    actions.append((REPRINT + app["reference"], label))
        actions.append(("finish", _text("finish", language)))
        return tuple(actions)

    def _printable_here(self, service_id: str, kind: str | None = "application") -> bool:
        """The original service runs here and the printer its paper needs is configured: the
        A4 printer for a certificate, the receipt printer for a paid order's receipt."""
        printer = "printer" if kind == "order" else "docprinter"
        return any(s.id == service_id for s in self.kiosk.services) and printer in self.kiosk.devices

    # ---- paper -------------------------------------------------------------------------------
    def _original(self, service_id: str):
        original_config = next(s for s in self.kiosk.services if s.id == service_id)
        return service_class(service_id)(original_config, self.kiosk, self.clock)

    def document(self, visit: Visit):
        """The original service's certificate, from what central kept and the card on the reader."""
        answer = visit.answers["reprint"]
        original = self._original(answer["service"])
        copy = Visit(id=visit.id, service_id=original.id, card=visit.card, result=visit.result,
                     choices={"purpose": answer.get("purpose", "")})
        return original.document(copy)

    def receipt(self, visit: Visit):
        """The paid service's receipt, printed by that service from central's word on the order:
        its lines and amounts as charged, what was delivered (`result`: the kind and times of an
        endorsement become the copy's choices), what the receipt shows of the request (`shown`,
        masked, keyed by the service's entry stage: the permit number) and the card on the
        reader."""
        answer = visit.answers["reprint"]
        original = self._original(answer["service"])
        order = Order.from_answer({**answer, "order_id": answer["reference"], "delivery": "delivered"})
        delivered = dict(answer.get("result") or {})
        choices = {k: str(v) for k, v in delivered.items() if isinstance(v, (str, int)) and not isinstance(v, bool)}
        copy = Visit(id=visit.id, service_id=original.id, card=visit.card, result=visit.result, payment=order,
                     inputs={k: str(v) for k, v in (answer.get("shown") or {}).items()}, choices=choices)
        return original.receipt(copy)

    def record(self, visit: Visit, outcome: str) -> dict:
        record = super().record(visit, outcome)
        record["method"] = visit.choices.get("method")
        record["applications"] = len(self._applications(visit))
        if "reprint" in visit.answers:  # central learns the order's receipt printed from its grant
            answer = visit.answers["reprint"]
            record["reprinted"] = answer.get("certificate_no") or answer.get("reference")
        return record
