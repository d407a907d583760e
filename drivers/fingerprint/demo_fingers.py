"""Fictitious fingers for the emulator: each name stands for one finger of one person.

A finger's features are deterministic bytes derived from its name; every press of it gives a
template that differs from the others in a few bytes (as real presses do), so matching has to
compare bytes rather than names. `similarity` is the emulated module's matching algorithm:
presses of one finger score about 200, different fingers about 1. This is not the AS608's
real character-file format, which is undocumented.
"""

from __future__ import annotations

import hashlib

from drivers.fingerprint.as608_codec import TEMPLATE_SIZE

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


def _stream(*parts: str | int, size: int) -> bytes:
    return hashlib.shake_256(":".join(str(p) for p in ("as608-demo", *parts)).encode()).digest(size)


def check_finger(name: str) -> str:
    if name not in DEMO_FINGERS:
        raise ValueError(f"no demo finger {name!r} (known: {', '.join(DEMO_FINGERS)})")
    return name


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


def identify(template: bytes) -> str | None:
    """The demo finger a template was pressed by, if any (for the emulator's `list`)."""
    best = max(DEMO_FINGERS, key=lambda name: similarity(template, features(name)))
    return best if similarity(template, features(best)) >= MATCH_THRESHOLD else None
