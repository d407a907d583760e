"""What the on-screen keyboard may type on an Enter stage, and whether the result is valid.

One rule per format, used by the session (keys and submit) and the screens (which keyboard to
show). Error results are message codes the screens translate.
"""

from __future__ import annotations

import re

from common.certno import is_reference
from common.phone import is_mobile_number

# 省、自治区、直辖市 abbreviations that open a mainland plate number.
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Plates use neither I nor O (they read as 1 and 0).
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_PLATE = re.compile(rf"^[{PROVINCES}][{PLATE_LETTERS}][{PLATE_LETTERS}0-9]{{5}}$")
# New-energy plates (GA 36-2018): six characters after the issuing letter, D or F (electric,
# hybrid) first for small cars, last for large ones.
_PLATE_NEW_ENERGY = re.compile(
    rf"^[{PROVINCES}][{PLATE_LETTERS}](?:[DF][{PLATE_LETTERS}0-9][0-9]{{4}}|[0-9]{{5}}[DF])$")

KEYS = {
    "digits": "0123456789",
    "phone": "0123456789",
    "letters": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "code": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "plate": PROVINCES + PLATE_LETTERS + "0123456789",
}


def keys_for(format: str, value: str) -> str:
    """The keys the keyboard offers next: a plate starts with its province, then letters."""
    if format == "plate":
        return PROVINCES if not value else PLATE_LETTERS + ("0123456789" if len(value) > 1 else "")
    return KEYS[format]


def normalise_key(format: str, key: str, value: str = "") -> str:
    """The character to add for `key` after `value`, or "" when the format does not take it."""
    key = key.upper()
    return key if len(key) == 1 and key in keys_for(format, value) else ""


def entry_error(format: str, value: str) -> str | None:
    """None when `value` is a valid entry of `format`, else a message code."""
    if not value:
        return "entry_empty"
    if format == "plate":
        if value[0] not in PROVINCES:
            return "plate_province"
        if _PLATE.match(value) or _PLATE_NEW_ENERGY.match(value):
            return None
        return "plate_invalid"
    if format == "phone":
        return None if is_mobile_number(value) else "phone_invalid"
    if format == "digits":
        return None if value.isascii() and value.isdigit() else "entry_invalid"
    if format == "letters":
        return None if value.isalpha() else "entry_invalid"
    return None if is_reference(value) else "code_invalid"
