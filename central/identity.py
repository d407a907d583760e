"""Resident ID numbers (GB 11643): check character, masking, keyed hashing."""

from __future__ import annotations

import hashlib
import hmac
import re

_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 over the first 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def is_valid_id_number(id_number: str) -> bool:
    id_number = id_number.upper()
    return bool(_SHAPE.match(id_number)) and check_character(id_number[:17]) == id_number[17]


def mask_id_number(id_number: str) -> str:
    """Keep the first 4 and last 4 characters: enough to recognise, not to reuse."""
    if len(id_number) <= 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***."""
    name = name.strip()
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def id_hash(key: str, id_number: str) -> str:
    """Keyed hash: ID numbers are too few for a plain hash to hide them."""
    return hmac.new(bytes.fromhex(key), id_number.upper().encode(), hashlib.sha256).hexdigest()
