"""What one citizen visit knows, and how it is forgotten.

Everything personal about a visit lives here and nowhere else in the core, so that ending a visit
is one call to `wipe()`. Python cannot scrub immutable strings from memory; wiping drops every
reference so the data is unreachable and collected, and the screens clear their widgets in the
same step (see docs/privacy.md).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from common.masking import forget_name, remember_name


def new_visit_id(kiosk_id: str) -> str:
    return f"{kiosk_id}-{datetime.now(timezone.utc):%Y%m%d}-{uuid.uuid4().hex[:12]}"


@dataclass
class ServiceResult:
    """What a service's back office answered."""

    outcome: str  # issued | refused | accepted_offline | answered (a query) | paid | refunded |
    #               handed_over (a card) | stored (a photo) | not_kept
    reference: str | None = None  # certificate or application number
    verify_url: str | None = None
    issued_at: str | None = None  # ISO 8601 (UTC)
    reason: str | None = None  # shown to the citizen when refused
    valid_until: str | None = None  # ISO date
    data: dict[str, Any] = field(default_factory=dict)  # the rest of central's answer

    @property
    def printable(self) -> bool:
        # A paid service prints its receipt; so does a refund, which the citizen keeps as proof.
        return self.outcome in ("issued", "accepted_offline", "paid", "refunded", "stored")


@dataclass
class Visit:
    id: str
    started_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    service_id: str | None = None
    stage_id: str | None = None
    card: Any = None  # drivers.idcard.model.IdCard once read
    choices: dict[str, str] = field(default_factory=dict)  # Choose stage id -> choice id
    inputs: dict[str, str] = field(default_factory=dict)  # Enter/Scan stage id -> text
    selected: dict[str, tuple[str, ...]] = field(default_factory=dict)  # Select stage id -> option ids
    answers: dict[str, dict] = field(default_factory=dict)  # Ask operation -> central's answer
    result: ServiceResult | None = None
    printed: dict[str, bool] = field(default_factory=dict)  # action -> printed or not
    payment: Any = None  # kiosk.payments.Order of the visit's Pay stage, as central last said
    rating: int | None = None
    rating_reason: str | None = None
    furthest_state: str = "home"
    # The identity check: what the record keeps of it ({method, decision, score, at} per
    # decision), whether it refused the citizen, and the check itself while it runs (holds the
    # ID photo's encoding and the card number; wiped with the visit).
    identity: list[dict] = field(default_factory=list)
    identity_refused: bool = False
    verification: Any = None
    # What a service without the citizen's card checks them against (kiosk.services.base.
    # IdentityMaterial), the card being handed out (its journal state), the ID photo taken
    # (GA 461 JPEG bytes) and how many were taken: personal data, wiped with the visit.
    material: Any = None
    handout: str | None = None
    photo: bytes | None = field(default=None, repr=False)
    photo_tries: int = 0

    @property
    def receipt_printed(self) -> bool | None:
        return self.printed.get("print_receipt")

    @property
    def document_printed(self) -> bool | None:
        return self.printed.get("print_document")

    def __setattr__(self, name: str, value: Any) -> None:
        # While a card is in the visit, its holder's name is masked in every log line too.
        if name == "card":
            _holder_name(getattr(self, "card", None), forget_name)
            _holder_name(value, remember_name)
        super().__setattr__(name, value)

    def wipe(self) -> None:
        _holder_name(self.card, forget_name)  # before the card's own wipe blanks the name
        if self.card is not None and hasattr(self.card, "wipe"):
            self.card.wipe()
        self.card = None
        if self.verification is not None:
            self.verification.wipe()
        self.verification = None
        self.material = None
        self.photo = None
        self.choices.clear()
        self.inputs.clear()
        self.selected.clear()
        self.answers.clear()
        self.result = None
        self.payment = None
        self.rating_reason = None


def _holder_name(card: Any, action: Any) -> None:
    name = getattr(card, "name", None)
    if isinstance(name, str):
        action(name)
