"""Line breaking for Chinese body text, without I/O: characters in, lines out.

Chinese breaks between any two characters; runs of Latin letters and digits (an ID number, a URL)
stay whole unless longer than a line. The usual rules of Chinese typesetting (避头尾) hold:
closing punctuation never starts a line and opening punctuation never ends one, so each travels
with its neighbour.
"""

from __future__ import annotations

from collections.abc import Callable

# Never at the start of a line.
NO_LINE_START = set("，。、；：？！）》」』】〕〉〗”’…—·%‰,.;:?!)]}>～")
# Never at the end of a line.
NO_LINE_END = set("（《「『【〔〈〖“‘([{<")


def _is_word_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in "-_/@#&+=.:%")


def tokens(text: str) -> list[str]:
    """Unbreakable pieces: a CJK character, a Latin word or number, a space; punctuation glued
    to the piece it must stay with."""
    pieces: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if _is_word_char(char) and char not in NO_LINE_START:
            j = i + 1
            while j < len(text) and _is_word_char(text[j]):
                j += 1
            pieces.append(text[i:j])
            i = j
        else:
            pieces.append(char)
            i += 1
    glued: list[str] = []
    carry = ""
    for piece in pieces:
        if carry:
            piece, carry = carry + piece, ""
        if piece[-1] in NO_LINE_END and not piece.isspace():
            carry = piece
            continue
        if glued and piece[0] in NO_LINE_START and not glued[-1].isspace():
            glued[-1] += piece
        else:
            glued.append(piece)
    if carry:
        glued.append(carry)
    return glued


def wrap(text: str, width: float, measure: Callable[[str], float], *, first_indent: float = 0.0) -> list[str]:
    """Break `text` into lines no wider than `width` as `measure` sees them; "\\n" forces a break.

    `first_indent` narrows the first line (the two-character indent of a Chinese paragraph).
    """
    lines: list[str] = []
    for number, hard_line in enumerate(text.split("\n")):
        lines.extend(_wrap_one(hard_line, width, measure, first_indent if number == 0 else 0.0))
    return lines


def _wrap_one(text: str, width: float, measure: Callable[[str], float], first_indent: float) -> list[str]:
    lines: list[str] = []
    current = ""
    room = width - first_indent
    for piece in tokens(text):
        if not current and piece.isspace():
            continue
        if measure(current + piece) <= room:
            current += piece
            continue
        if current.strip():
            lines.append(current.rstrip())
            room = width
        current = "" if piece.isspace() else piece
        # a piece wider than a whole line (a long URL): break it per character
        while current and measure(current) > room:
            cut = len(current) - 1
            while cut > 1 and measure(current[:cut]) > room:
                cut -= 1
            lines.append(current[:cut])
            room = width
            current = current[cut:]
    if current.strip() or not lines:
        lines.append(current.rstrip())
    return lines
