"""Resident ID numbers on central: the shared rules (common/), and the keyed hash.

Central never stores an ID number in clear: a masked form to show, and a keyed hash to find a
person's applications again.
"""

from __future__ import annotations

import hashlib
import hmac

from common.idnumber import check_character, mask_id_number
from common.idnumber import is_valid as is_valid_id_number
from common.masking import mask_name

__all__ = ["check_character", "id_hash", "is_valid_id_number", "mask_id_number", "mask_name"]


def id_hash(key: str, id_number: str) -> str:
    """Keyed hash: ID numbers are too few for a plain hash to hide them."""
    return hmac.new(bytes.fromhex(key), id_number.upper().encode(), hashlib.sha256).hexdigest()
