"""Mainland Exit-Entry Permits for travelling to and from Hong Kong and Macao (往来港澳通行证).

The card-type permit's number is nine characters: "C", then a letter or a digit, then seven
digits (C03005988, CK7654321). ASCII only and the whole text (see common/plates.py for why the
classes are spelled out).
"""

from __future__ import annotations

import re

_NUMBER = re.compile("C[ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789][0123456789]{7}")


def is_permit_no(text: object) -> bool:
    return isinstance(text, str) and _NUMBER.fullmatch(text) is not None


def permit_no_error(text: object) -> str | None:
    """None for a valid permit number, else the message code "permit_no_invalid"."""
    return None if is_permit_no(text) else "permit_no_invalid"


def mask_permit_no(number: str) -> str:
    """C0*****88: enough to recognise one's own permit, not to use someone else's. Masking a
    masked number gives it back unchanged, so a reprinted receipt shows the same form."""
    return number[:2] + "*" * (len(number) - 4) + number[-2:] if len(number) > 4 else "*" * len(number)
