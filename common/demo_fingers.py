"""Fictitious fingers shared by the fingerprint emulator and central's demo back office.

Each name stands for one finger of one person. A finger's features are deterministic bytes
derived from its name; every press of it gives a template that differs from the others in a
few bytes (as real presses do), so matching has to compare bytes rather than names. The demo
back office hands out the template "recorded at application" (`press(name, APPLICATION_PRESS)`)
and the emulator scores it against a live press with `similarity`. This is not the AS608's real
character-file format, which is undocumented.
"""

from __future__ import annotations

import hashlib

TEMPLATE_SIZE = 512  # bytes of an AS608 character file (drivers/fingerprint/as608_codec.py)
DEMO_FINGERS = (
    "zhang-wei-right-index",
    "zhang-wei-left-index",
    "li-na-right-index",
    "li-na-right-thumb",
    "wang-fang-right-index",
    "chen-siyuan-right-index",
    "ayigul-maimaiti-right-index",
)
MATCH_THRESHOLD = 50  # a score at or above this is "the same finger"
NOISE = 0.1  # share of template bytes that change from one press to the next
APPLICATION_PRESS = 1_000_000  # the press taken when the citizen applied for the card


def _stream(*parts: str | int, size: int) -> bytes:
    return hashlib.shake_256(":".join(str(p) for p in ("as608-demo", *parts)).encode()).digest(size)


def features(name: str) -> bytes:
    """The finger itself: what every press of it shares."""
    return _stream("finger", name, size=TEMPLATE_SIZE)


def press(name: str, number: int) -> bytes:
    """The template of press `number` of finger `name`: its features with ~10% of bytes changed."""
    template = bytearray(features(name))
    noise = _stream("press", name, number, size=2 * TEMPLATE_SIZE)
    for position in range(TEMPLATE_SIZE):
        if noise[position] < 256 * NOISE:
            template[position] = noise[TEMPLATE_SIZE + position]
    return bytes(template)


def similarity(a: bytes, b: bytes) -> int:
    """The module's score: half the number of template bytes that agree (0..256)."""
    return sum(x == y for x, y in zip(a, b)) // 2
