"""What central knows of a service besides its routes: its names, numbers and validity."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ServiceInfo:
    id: str  # the path segment: /api/v1/services/<id>/…
    title_zh: str  # shown on the verify page and in stats
    title_en: str
    prefix: str = ""  # of its certificate numbers (NCR…, TID…); "" for services that issue nothing
    valid_months: int = 0  # how long an issued document is valid, in calendar months
    # What a reprinted document takes from the ID card the citizen inserts again, because
    # central does not keep it in clear.
    card_fields: tuple[str, ...] = field(default=("name",))

    @property
    def title(self) -> str:
        return f"{self.title_zh} / {self.title_en}"
