"""Resident ID numbers (GB 11643-1999): the check character, validity and masking."""

from __future__ import annotations

import re

_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = "10X98765432"
# ASCII digits only (\d takes full-width ones too), and fullmatch: "$" allows a trailing newline.
_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


def check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 over the first 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def is_valid(id_number: str) -> bool:
    """18 characters, 17 digits and the right check character (a lower-case x counts)."""
    if not isinstance(id_number, str):
        return False
    id_number = id_number.upper()
    return bool(_SHAPE.fullmatch(id_number)) and check_character(id_number[:17]) == id_number[17]


def mask_id_number(id_number: str) -> str:
    """First 4 and last 4 characters kept, the rest starred: 1101**********1234. Anything too
    short to keep 8 characters is starred entirely."""
    if len(id_number) <= 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]
