"""What every service provides to the core: ask the back office, build a receipt, build the
record that goes to the outbox. Services never touch devices or threads themselves."""

from __future__ import annotations

import abc
from datetime import datetime, timezone
from typing import ClassVar

from drivers.printer.receipt import Receipt
from kiosk.config import KioskConfig, ServiceConfig
from kiosk.visit import ServiceResult, Visit


class Service(abc.ABC):
    id: ClassVar[str]

    def __init__(self, config: ServiceConfig, kiosk: KioskConfig):
        self.config = config
        self.kiosk = kiosk

    @abc.abstractmethod
    def request(self, visit: Visit, central) -> ServiceResult:
        """Ask central for the outcome. Raises the central client's errors unchanged."""

    @abc.abstractmethod
    def accept_offline(self, visit: Visit) -> ServiceResult:
        """Central is unreachable and the service allows it: accept for later processing."""

    @abc.abstractmethod
    def receipt(self, visit: Visit, result: ServiceResult) -> Receipt: ...

    def record(self, visit: Visit, result: ServiceResult | None, outcome: str) -> dict:
        """The visit record for central. Personal fields only where central needs them."""
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
            "receipt_printed": visit.receipt_printed,
            # Only the decisions of the identity check: method, decision, score, time.
            "identity": [dict(r) for r in visit.identity] or None,
        }

    def choice_label(self, visit: Visit, step_id: str, language: str = "zh") -> str:
        chosen = visit.choices.get(step_id)
        for step in self.config.steps:
            if step.id == step_id:
                for choice in step.choices:
                    if choice.id == chosen:
                        return choice.label.pick(language)
        return ""
