"""Masking personal data for screens, receipts and logs."""

from __future__ import annotations

import logging
import re

# An 18-character resident ID number (or a 15-digit old one) anywhere in a text.
_ID_NUMBER = re.compile(r"(?<![0-9])([1-9][0-9]{3})([0-9]{10})([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧**娜: enough for the citizen to recognise, not for a passer-by."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_numbers(text: str) -> str:
    return _ID_NUMBER.sub(lambda m: m.group(1) + "*" * 10 + m.group(3)[-4:], text)


class MaskingFilter(logging.Filter):
    """Installed on every handler: whatever a log line says, no ID number leaves it whole."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_id_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
