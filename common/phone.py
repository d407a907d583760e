"""Mainland mobile numbers as a citizen types them: 11 ASCII digits, 1[3-9] first, nothing else."""

from __future__ import annotations

import re

_MOBILE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)


def is_mobile_number(text: object) -> bool:
    return isinstance(text, str) and bool(_MOBILE.fullmatch(text))
