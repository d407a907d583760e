"""Payment orders: the short reference a citizen reads, the same rule on kiosk and central.

An order's id is the kiosk's idempotency key "<visit_id>:<stage_id>", and a visit id ends in
random hex (kiosk/visit.py). The receipt, its QR code and the result screen show only that last
part, upper-cased; central stores it with the order so a progress query finds the order by it.
"""

from __future__ import annotations


def reference(order_id: str) -> str:
    """The short number a citizen sees on the screen and the receipt (the visit's own part)."""
    return order_id.split(":", 1)[0].rsplit("-", 1)[-1].upper()
