"""Resident ID numbers (GB 11643-1999): the check character, validity and masking.

Strict on purpose, kiosk and central alike: ASCII digits only (`\\d` and `str.isdigit` take
fullwidth and Arabic-Indic digits, which `int()` then reads as the same number), the whole
string (`$` lets a trailing newline through; `re.fullmatch` does not), a real birth date, and
the check character. Nothing is stripped or normalised: a number that needs cleaning is not
the number on the card.
"""

from __future__ import annotations

import datetime
import re

_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = "10X98765432"
_SHAPE = re.compile(r"[1-9][0-9]{16}[0-9X]", re.ASCII)


def check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 over the first 17 digits (ASCII digits only)."""
    if not (len(first17) == 17 and first17.isascii() and first17.isdigit()):
        raise ValueError("the check character is over 17 ASCII digits")
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def is_valid(id_number: object) -> bool:
    """18 ASCII characters: 17 digits with a real birth date, and the right check character
    (a lower-case x counts)."""
    if not isinstance(id_number, str) or not id_number.isascii():
        return False
    id_number = id_number.upper()
    if not _SHAPE.fullmatch(id_number):
        return False
    try:
        datetime.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return False
    return check_character(id_number[:17]) == id_number[17]


def mask_id_number(id_number: str) -> str:
    """First 4 and last 4 characters kept, the rest starred: 1101**********1234. Anything too
    short to keep 8 characters is starred entirely."""
    if len(id_number) <= 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]
