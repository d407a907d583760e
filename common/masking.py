"""Masking personal data for screens, receipts, web pages and logs: one rule everywhere.

Log masking is broader than validation on purpose: `\\d` here takes any Unicode decimal digit,
so a fullwidth or Arabic-Indic ID number that validation refuses is still masked in the log
line that reports the refusal. A 15-digit number is a first-generation ID number.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

# An 18-character (or 15-digit, first-generation) resident ID number anywhere in a text.
_ID_NUMBER = re.compile(r"(?<!\d)(\d{4})(\d{7}|\d{10})(\d{3}[\dXx]|\d{4})(?![\dA-Za-z])")
# A mainland mobile number (+86 138 1234 5678, 138-1234-5678, 13812345678) or a landline
# with its area code (010-62345678).
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?(1[3-9]\d)[ -]?\d{4}[ -]?(\d{4})(?![\dA-Za-z])")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})-\d{3,4}(\d{4})(?![\dA-Za-z])")


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
    """Every ID number in `text` masked as `idnumber.mask_id_number` masks one: first 4 and
    last 4 kept."""
    return _ID_NUMBER.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)


# Names of the visits in progress (kiosk/visit.py adds a card holder's, and drops it at wipe):
# a name in a log line is masked only while the process knows it. Replaced whole, never
# changed in place, so a logging thread always reads a consistent tuple.
_names: tuple[str, ...] = ()
_names_lock = threading.Lock()


def remember_name(name: str) -> None:
    global _names
    name = name.strip()
    if len(name) >= 2:
        with _names_lock:
            _names = tuple(sorted({*_names, name}, key=len, reverse=True))  # longest first


def forget_name(name: str) -> None:
    global _names
    with _names_lock:
        _names = tuple(known for known in _names if known != name.strip())


def mask_personal(text: str) -> str:
    """ID numbers, phone numbers and the names of visits in progress in `text` masked (phones
    keep the first 3 and last 4)."""
    for name in _names:
        if name in text:
            text = text.replace(name, mask_name(name))
    text = mask_id_numbers(text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    return _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(2)}", text)


class MaskingFormatter(logging.Formatter):
    """The last step of a handler's formatting: the whole formatted line masked — message,
    traceback, stack and whatever else the format holds (thread names, extras, exception
    notes). The kiosk's own handlers use this; MaskingFilter is for handlers others format."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_personal(super().format(record))


class MaskingFilter(logging.Filter):
    """Installed on every handler: whatever a log record holds — message, arguments, traceback,
    stack — no ID number or phone number leaves it whole, whatever the handler's formatter."""

    _traceback = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = mask_personal(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            # Formatter.format uses a cached exc_text as it is, so the masked one is what prints.
            record.exc_text = self._traceback.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal(record.stack_info)
        return True


def install_masking(logger_names: Iterable[str] = ("",)) -> None:
    """A MaskingFilter on every handler of these loggers ("" is the root), once each; for
    handlers configured by others (uvicorn's)."""
    for name in logger_names:
        for handler in logging.getLogger(name or None).handlers:
            if not any(isinstance(existing, MaskingFilter) for existing in handler.filters):
                handler.addFilter(MaskingFilter())
