"""What the on-screen keyboard may type on an Enter stage, and whether the result is valid.

One rule per format, used by the session (keys and submit) and the screens (which keyboard to
show). Error results are message codes the screens translate.
"""

from __future__ import annotations

# Each rule is central's too (it looks fines up by plate, checks references …): one copy, in common/.
from common.certno import is_reference
from common.idnumber import is_valid as is_valid_id_number
from common.permits import permit_no_error
from common.phone import is_mobile_number
from common.plates import LETTERS as PLATE_LETTERS
from common.plates import PROVINCES, plate_error

KEYS = {
    "digits": "0123456789",
    "phone": "0123456789",
    "letters": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "code": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "plate": PROVINCES + PLATE_LETTERS + "0123456789",
    "permit": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "id_number": "0123456789X",
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
        return plate_error(value)
    if format == "phone":
        return None if is_mobile_number(value) else "phone_invalid"
    if format == "permit":
        return permit_no_error(value)
    if format == "id_number":
        return None if is_valid_id_number(value) else "id_number_invalid"
    if format == "digits":
        return None if value.isascii() and value.isdigit() else "entry_invalid"
    if format == "letters":
        return None if value.isalpha() else "entry_invalid"
    return None if is_reference(value) else "code_invalid"
