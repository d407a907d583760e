"""Masking personal data for screens, receipts, web pages and logs: one rule everywhere."""

from __future__ import annotations

import re

# An 18-character resident ID number anywhere in a text.
_ID_NUMBER = re.compile(r"(?<![0-9])([1-9][0-9]{3})([0-9]{10})([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧**娜, ZHANG WEI → Z*******I: the first and last character kept
    (only the first of a two-character name), enough for the holder to recognise, not for a
    passer-by. The citizen sees this on screens and receipts, so logs and pages use it too."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_numbers(text: str) -> str:
    """Every ID number in `text` masked as `idnumber.mask_id_number` masks one."""
    return _ID_NUMBER.sub(lambda m: m.group(1) + "*" * 10 + m.group(3)[-4:], text)
