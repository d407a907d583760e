"""The check a kiosk makes before it presents a dispensed ID card (id_card_pickup).

Central answers a pickup lookup with `card_check(visit_id, id_number)` of the card it expects
instead of the ID number itself (a citizen who scanned the application receipt has not typed
it); the kiosk reads the card at the dispenser's read position and presents it only if the same
function over that card's number gives the same value. Bound to the visit, so the value is
useless for any other visit. It is not a secret against the kiosk, which reads the card anyway.
"""

from __future__ import annotations

import hashlib
import hmac


def card_check(visit_id: str, id_number: str) -> str:
    return hashlib.sha256(f"id-card-pickup:{visit_id}:{id_number.strip().upper()}".encode()).hexdigest()


def is_the_card(check: str, visit_id: str, id_number: str) -> bool:
    """True when the card read (`id_number`) is the one central expects for this visit."""
    return hmac.compare_digest(check, card_check(visit_id, id_number))
