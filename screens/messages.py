"""Message codes published by the core, in words a citizen understands (translated by Qt).

The texts live in kiosk/texts.py (code → Chinese source); Qt translates the source in the
"Messages" context from the same Linguist file the core speaks from, so screen and voice say the
same. Translation happens at lookup, so a language switch shows at the next render.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from kiosk.texts import CATALOGUE, CONTEXT, RATING_SCORES


def message_text(code: str | None) -> str:
    if not code:
        return ""
    return QCoreApplication.translate(CONTEXT, CATALOGUE[code]) if code in CATALOGUE else code


def summary_label(code: str) -> str:
    if code.startswith("text:"):
        return code[len("text:"):]  # a service's own text, already in the visit's language
    key = f"summary.{code}"
    return message_text(key) if key in CATALOGUE else code


def rating_labels() -> list[tuple[int, str]]:
    return [(score, message_text(f"rating.{score}")) for score in RATING_SCORES]


def rating_reason(code: str) -> str:
    key = f"rating.reason.{code}"
    return message_text(key) if key in CATALOGUE else code
