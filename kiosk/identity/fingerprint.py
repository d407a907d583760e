"""A live finger against the card's fingerprint template, or against one enrolled on the module.

Goes through the fingerprint driver (drivers/fingerprint/base.py: `FingerprintReader`); the
module does the matching. The template is used for the one call and not kept; the decision
carries only the module's score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from drivers.base import DeviceError, DeviceUserError, NoMedia

MATCH, NO_MATCH = "match", "no_match"
NO_FINGER, POOR_QUALITY, ERROR = "no_finger", "poor_quality", "error"


@dataclass(frozen=True)
class FingerprintDecision:
    decision: str  # match | no_match | no_finger | poor_quality | error
    score: int | None
    reason: str | None = None  # what the module said (press flat, too dry …) or the error kind
    decided_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))

    @property
    def matched(self) -> bool:
        return self.decision == MATCH

    def record(self) -> dict:
        """What the visit record may keep: the decision, a score, a timestamp."""
        return {"method": "fingerprint", "decision": self.decision, "score": self.score, "at": self.decided_at}


def verify_finger(reader, *, template: bytes | None = None, templates: tuple[bytes, ...] = (),
                  enrolled_page: int | None = None, timeout_s: float = 10.0) -> FingerprintDecision:
    """Wait up to `timeout_s` for a finger on `reader` (a FingerprintReader) and compare it with
    `template` (the card's), with any of `templates` (the fingers recorded at application), or
    look it up in the module's library and accept it only on `enrolled_page`. Never raises for
    what the citizen or the device did: that is the decision."""
    if sum((template is not None, bool(templates), enrolled_page is not None)) != 1:
        raise ValueError("give exactly one of template, templates or enrolled_page")
    try:
        if template is not None or templates:
            result = reader.verify(template, timeout_s) if template is not None \
                else reader.verify_any(list(templates), timeout_s)
            return FingerprintDecision(MATCH if result.matched else NO_MATCH, result.score)
        found = reader.search(timeout_s)
        matched = found.found and found.page == enrolled_page
        return FingerprintDecision(MATCH if matched else NO_MATCH, found.score if matched else 0)
    except NoMedia as exc:
        return FingerprintDecision(NO_FINGER, None, exc.message)
    except DeviceUserError as exc:
        return FingerprintDecision(POOR_QUALITY, None, exc.message)
    except DeviceError as exc:
        return FingerprintDecision(ERROR, None, exc.kind)
