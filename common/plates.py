"""Mainland motor-vehicle plate numbers (GA 36-2018): one rule for the kiosk and central.

A plate is a province abbreviation, the issuing authority's letter, then five letters or
digits, or six for a new-energy plate: D or F (electric, hybrid) first on a small car, last on a
large one. Plates use neither I nor O (they read as 1 and 0).

Exact text only: the character classes are spelled out (`\\d` takes Arabic-Indic and fullwidth
digits, `[A-Z]` under re.IGNORECASE takes the Kelvin sign) and the whole text must match
(`$` allows a trailing newline), so nothing that only looks like a plate gets through.
"""

from __future__ import annotations

import re

# 省、自治区、直辖市 abbreviations that open a plate number.
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
DIGITS = "0123456789"
NEW_ENERGY = "DF"

_ORDINARY = re.compile(f"[{PROVINCES}][{LETTERS}][{LETTERS}{DIGITS}]{{5}}")
_NEW_ENERGY = re.compile(
    f"[{PROVINCES}][{LETTERS}](?:[{NEW_ENERGY}][{LETTERS}{DIGITS}][{DIGITS}]{{4}}|[{DIGITS}]{{5}}[{NEW_ENERGY}])")


def plate_error(text: object) -> str | None:
    """None for a valid plate number, else a message code: "plate_province" when it does not
    open with a province abbreviation, "plate_invalid" otherwise."""
    if not isinstance(text, str) or not text:
        return "plate_invalid"
    if text[0] not in PROVINCES:
        return "plate_province"
    if _ORDINARY.fullmatch(text) or _NEW_ENERGY.fullmatch(text):
        return None
    return "plate_invalid"


def is_plate(text: object) -> bool:
    return plate_error(text) is None


def is_new_energy(text: str) -> bool:
    return bool(isinstance(text, str) and _NEW_ENERGY.fullmatch(text))
