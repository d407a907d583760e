"""What a service is: its stages, the devices and central access it needs, and what it says to
central, on paper and in its record. A service never touches devices, threads or SQLite: the
stage handlers (kiosk/handlers/) do, and call back into the service for its content.

A new service is a package `kiosk/services/<id>/` whose `__init__.py` defines a `Service`
subclass with `id = "<id>"`, plus a `[[services]]` entry in the config (see
docs/architecture.md, "Adding a service").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from typing import ClassVar

from kiosk.config import KioskConfig, ServiceConfig
from kiosk.privacy import mask_name
from kiosk.services.stages import Act, Ask, Choose, Dispense, Pay, ReadDocument, Select, Stage, Verify, expand
from kiosk.site_clock import SiteClock
from kiosk.visit import ServiceResult, Visit

# The service's method each device action prints from.
ACTION_HOOKS = {"print_receipt": "receipt", "print_document": "document"}

# (label code or "text:<already translated>", value) rows for the confirm and result screens.
Rows = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class IdentityMaterial:
    """What a `Verify(source="service")` stage checks the citizen against: the fingerprint
    templates and the photo (JPEG) recorded at application, and who they are said to be
    (`subject`: the key failures are counted under, e.g. the typed ID number). Personal data:
    held in the visit for the check only."""

    templates: tuple[bytes, ...] = ()
    photo: bytes | None = None
    subject: str = ""

    def __repr__(self) -> str:
        return f"IdentityMaterial({len(self.templates)} templates, photo={self.photo is not None})"


@dataclass(frozen=True)
class Handout:
    """Which card a Dispense stage hands out: the dispenser slot, and the check that tells the
    card read at the read position is this citizen's (common/pickup.py)."""

    slot: int
    card_check: str = ""

    def __repr__(self) -> str:
        return f"Handout(slot={self.slot})"


@dataclass(frozen=True)
class Option:
    """One line of a Select stage: a fine with its amount, or one that must be handled at a
    counter (`selectable=False`, `reason` a message code)."""

    id: str
    label: str  # already in the citizen's language
    detail: str = ""
    amount_fen: int = 0
    selectable: bool = True
    reason: str | None = None


class ServiceRefused(Exception):
    """A service cannot go on with what the citizen gave (a message code the screens know)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Service:
    id: ClassVar[str]
    stages: ClassVar[tuple[Stage, ...]]
    # Devices the service cannot do without; a tuple inside means any one of them will do.
    requires: ClassVar[tuple[str | tuple[str, ...], ...]] = ()
    # Default central access; a site's config may set it per service.
    central: ClassVar[str] = "live"  # live | offline_ok | none

    def __init__(self, config: ServiceConfig, kiosk: KioskConfig, clock: SiteClock | None = None):
        self.config = config
        self.kiosk = kiosk
        self.clock = clock or SiteClock(kiosk.kiosk.timezone)

    @cached_property
    def steps(self) -> tuple[Stage, ...]:
        """The stages as the visit runs them (with the identity check and the record added)."""
        # A stage for an optional device (a chip reader) is left out where none is configured.
        steps = tuple(s for s in expand(self.stages)
                      if getattr(s, "device", None) is None or s.device in self.kiosk.devices)
        for step in steps:
            if isinstance(step, Choose) and not step.from_answer:
                configured = self.config.step(step.id)
                if configured is None or not configured.choices:
                    raise ValueError(f"service {self.id!r}: stage {step.id!r} needs its choices in the config "
                                     f"([[services.steps]] id = {step.id!r})")
            self._check_hook(step)
        return steps

    def _check_hook(self, step: Stage) -> None:
        """A stage whose content this service does not provide fails at start-up, not mid-visit."""
        if isinstance(step, Act):
            hook = ACTION_HOOKS.get(step.action)
            if hook is None:
                raise ValueError(f"service {self.id!r}: device action {step.action!r} is not one the kiosk has "
                                 f"({', '.join(ACTION_HOOKS)})")
        elif isinstance(step, Ask):
            hook = "ask"
        elif isinstance(step, Pay):
            hook = "order"
        elif isinstance(step, Select):
            hook = "options"
        elif isinstance(step, ReadDocument):
            hook = "access_key"
        elif isinstance(step, Dispense):
            hook = "handout"
        elif isinstance(step, Verify) and step.source == "service":
            hook = "identity_material"
        else:
            return
        if getattr(type(self), hook) is getattr(Service, hook):
            raise ValueError(f"service {self.id!r}: stage {step.id!r} needs the service to define {hook}()")

    @property
    def central_mode(self) -> str:
        return self.config.central or self.central

    def step(self, step_id: str) -> Stage:
        return next(s for s in self.steps if s.id == step_id)

    # ---- texts -------------------------------------------------------------------------------
    def title(self, language: str) -> str:
        return self.config.title.pick(language)

    def stage_texts(self, stage: Stage, language: str) -> tuple[str, str]:
        """(title, prompt) of a citizen stage, from the service's config."""
        configured = self.config.step(stage.id)
        if configured is None:
            return "", ""
        return configured.title.pick(language), configured.prompt.pick(language)

    def choices(self, stage: Stage, visit: Visit, language: str) -> tuple[tuple[str, str], ...]:
        """The choices of a Choose stage: the configured ones, or for `from_answer` the
        service's own (override)."""
        configured = self.config.step(stage.id)
        return tuple((c.id, c.label.pick(language)) for c in configured.choices) if configured else ()

    def options(self, stage: Stage, visit: Visit, language: str) -> tuple[Option, ...]:
        """The lines of a Select stage, from central's answer. (A service with a Select stage
        must define it.)"""
        return ()

    def choice_label(self, visit: Visit, step_id: str, language: str = "zh") -> str:
        chosen = visit.choices.get(step_id)
        return next((label for cid, label in self.choices(self.step(step_id), visit, language) if cid == chosen), "")

    def summary(self, visit: Visit, language: str) -> Rows:
        """What the confirm screen shows. Personal values masked."""
        rows = [("service", self.title(language))]
        if visit.card is not None:
            rows += [("name", mask_name(visit.card.name)), ("id_number", visit.card.masked_id)]
        for stage in self.steps:
            if isinstance(stage, Choose) and stage.id in visit.choices:
                title, _prompt = self.stage_texts(stage, language)
                rows.append((f"text:{title}", self.choice_label(visit, stage.id, language)))
        return tuple(rows)

    def result_rows(self, visit: Visit, language: str) -> Rows:
        return ()

    def result_actions(self, visit: Visit, language: str) -> tuple[tuple[str, str], ...]:
        """Follow-up choices on the result screen (id, label); the citizen's pick is
        `visit.choices[<result stage id>]`."""
        return ()

    # ---- central -----------------------------------------------------------------------------
    def ask(self, operation: str, visit: Visit, central) -> ServiceResult:
        """Ask central for `operation`. Raises the central client's errors unchanged. (A service
        with an Ask stage must define it: `steps` checks that at start-up.)"""
        raise NotImplementedError(f"{self.id} has no operation {operation!r}")

    def access_key(self, visit: Visit, stage: Stage):
        """The key that opens the chip of a ReadDocument stage (drivers.pcsc.mrz.AccessKey)."""
        raise NotImplementedError(f"{self.id} reads no chip document")

    def check_document(self, visit: Visit, document) -> str | None:
        """None when the chip's document (drivers.pcsc.model.ChipDocument) is the one expected,
        else a message code that ends the visit."""
        return None

    def identity_material(self, visit: Visit) -> IdentityMaterial:
        """What a `Verify(source="service")` stage checks the citizen against."""
        raise NotImplementedError(f"{self.id} gives no identity material")

    def handout(self, visit: Visit) -> Handout:
        """The card a Dispense stage hands out."""
        raise NotImplementedError(f"{self.id} hands out no card")

    def handout_result(self, visit: Visit, state: str, reason: str | None) -> ServiceResult:
        """The visit's result once the hand-out ended (kiosk/card_handout.py's final state)."""
        raise NotImplementedError(f"{self.id} hands out no card")

    def order(self, visit: Visit, stage: Stage) -> dict:
        """What a Pay stage asks central to charge for: the service's order request (central
        prices it from its own records, never from an amount the kiosk sends)."""
        raise NotImplementedError(f"{self.id} takes no payment")

    def paid_result(self, visit: Visit, order) -> ServiceResult:
        """The visit's result once central's word on the order (kiosk.payments.Order) is final:
        delivered, or refunded with the reason."""
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        from kiosk.payments import reference as short_reference

        reference = short_reference(order.order_id)
        if order.outcome == "delivered":
            return ServiceResult(outcome="paid", reference=reference, issued_at=now, data=dict(order.result or {}))
        return ServiceResult(outcome="refunded", reference=reference, issued_at=now,
                             reason=order.reason or "payment_refunded")

    def accept_offline(self, operation: str, visit: Visit) -> ServiceResult:
        """Central is unreachable and the stage allows it: accept for later processing."""
        reference = f"SQ{self.clock.today_code()}{visit.id[-8:].upper()}"
        return ServiceResult(outcome="accepted_offline", reference=reference,
                             issued_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))

    # ---- paper -------------------------------------------------------------------------------
    def receipt(self, visit: Visit):
        """The receipt (drivers.printer.receipt.Receipt) for a Act(print_receipt) stage."""
        raise NotImplementedError(f"{self.id} prints no receipt")

    def document(self, visit: Visit):
        """The A4 document (kiosk.documents.Document) for a Act(print_document) stage."""
        raise NotImplementedError(f"{self.id} prints no document")

    # ---- the record --------------------------------------------------------------------------
    def record(self, visit: Visit, outcome: str) -> dict:
        """The visit record for central. Personal fields only where central needs them."""
        result = visit.result
        return {
            "visit_id": visit.id,
            "kiosk_id": self.kiosk.kiosk.id,
            "service": self.id,
            "outcome": outcome,
            "started_at": visit.started_at.isoformat(),
            "ended_at": datetime.now(timezone.utc).isoformat(),
            "furthest_state": visit.furthest_state,
            "choices": dict(visit.choices),
            "result": None if result is None else {
                "outcome": result.outcome,
                "reference": result.reference,
                "issued_at": result.issued_at,
            },
            "payment": None if visit.payment is None else {
                "order_id": visit.payment.order_id, "outcome": visit.payment.outcome,
                "amount_fen": visit.payment.amount_fen, "paid_fen": visit.payment.paid_fen,
                "refunded_fen": visit.payment.refunded_fen,
            },
            "receipt_printed": visit.receipt_printed,
            "document_printed": visit.document_printed,
            # Only the decisions of the identity check: method, decision, score, time.
            "identity": [dict(r) for r in visit.identity] or None,
        }
