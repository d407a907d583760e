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


def new_visit_id(kiosk_id: str) -> str:
    return f"{kiosk_id}-{datetime.now(timezone.utc):%Y%m%d}-{uuid.uuid4().hex[:12]}"


@dataclass
class ServiceResult:
    """What a service's back office answered."""

    outcome: str  # "issued" | "refused" | "accepted_offline"
    reference: str | None = None  # certificate or application number
    verify_url: str | None = None
    issued_at: str | None = None
    reason: str | None = None  # shown to the citizen when refused

    @property
    def printable(self) -> bool:
        return self.outcome in ("issued", "accepted_offline")


@dataclass
class Visit:
    id: str
    started_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    service_id: str | None = None
    card: Any = None  # drivers.idcard.model.IdCard once read
    choices: dict[str, str] = field(default_factory=dict)
    result: ServiceResult | None = None
    receipt_printed: bool | None = None
    rating: int | None = None
    furthest_state: str = "home"

    def wipe(self) -> None:
        if self.card is not None and hasattr(self.card, "wipe"):
            self.card.wipe()
        self.card = None
        self.choices.clear()
        self.result = None
