"""Certificate numbers and application references: what central issues and kiosks look up.

A certificate number is the service's prefix (2-6 capital letters: NCR, TID; an application
accepted for a later decision adds an A), the issue date in Beijing (8 digits) and 8
characters from an alphabet without 0/O and 1/I, the last a check character: it makes the
sum of each character's value within its part (letter, digit, alphabet index) times an odd
weight 0 mod 32, so any one wrong character is caught, and a swap of neighbours unless their
values differ by 16 (a swap across parts breaks the shape). A reference is what a receipt
shows: a certificate number, or a kiosk's offline reference (SQ + date + 8 characters of the
visit id), so lookups take any 4-32 ASCII capitals and digits.

ASCII only and `re.fullmatch`, as for ID numbers (common/idnumber.py).
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over a phone
_CERTIFICATE = re.compile(rf"[A-Z]{{2,6}}[0-9]{{8}}[{ALPHABET}]{{8}}", re.ASCII)
_REFERENCE = re.compile(r"[A-Z0-9]{4,32}", re.ASCII)


def _weighted(prefix: str, day: str, rest: str) -> int:
    values = [ord(c) - ord("A") for c in prefix] + [int(c) for c in day] + [ALPHABET.index(c) for c in rest]
    return sum((2 * i + 1) * value for i, value in enumerate(values)) % 32


def check_character(body: str) -> str:
    """The character that makes the weighted sum of the whole number 0 mod 32 (odd weights
    are invertible mod 32, so exactly one does)."""
    prefix, day, random = body[:-15], body[-15:-7], body[-7:]
    weight = 2 * len(body) + 1
    partial = _weighted(prefix, day, random)
    return next(c for i, c in enumerate(ALPHABET) if (partial + weight * i) % 32 == 0)


def certificate_number(prefix: str, day: str, random: str) -> str:
    """`prefix` + `day` (YYYYMMDD) + 7 characters of ALPHABET + the check character."""
    body = prefix + day + random
    number = body + check_character(body) if len(random) == 7 and set(random) <= set(ALPHABET) else body
    if not is_certificate_number(number):
        raise ValueError(f"prefix {prefix!r}, day {day!r} and {random!r} make no certificate number")
    return number


def new_certificate_number(prefix: str, day: str) -> str:
    return certificate_number(prefix, day, "".join(secrets.choice(ALPHABET) for _ in range(7)))


def is_certificate_number(text: object) -> bool:
    return (isinstance(text, str) and text.isascii() and bool(_CERTIFICATE.fullmatch(text))
            and _weighted(text[:-16], text[-16:-8], text[-8:]) == 0)


def is_reference(text: object) -> bool:
    """Shaped like anything a receipt shows (a certificate number or an offline reference)."""
    return isinstance(text, str) and text.isascii() and bool(_REFERENCE.fullmatch(text))
