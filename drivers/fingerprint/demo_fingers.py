"""Fictitious fingers for the emulator: each name stands for one finger of one person.

The fingers themselves (features, presses, the matching score) live in common/demo_fingers.py,
shared with central's demo back office, which hands out the templates "recorded at
application"; presses of one finger score about 200, different fingers about 1.
"""

from __future__ import annotations

from common.demo_fingers import (  # noqa: F401  (the emulator's and the tests' names)
    APPLICATION_PRESS,
    DEMO_FINGERS,
    MATCH_THRESHOLD,
    NOISE,
    features,
    press,
    similarity,
)


def check_finger(name: str) -> str:
    if name not in DEMO_FINGERS:
        raise ValueError(f"no demo finger {name!r} (known: {', '.join(DEMO_FINGERS)})")
    return name


def identify(template: bytes) -> str | None:
    """The demo finger a template was pressed by, if any (for the emulator's `list`)."""
    best = max(DEMO_FINGERS, key=lambda name: similarity(template, features(name)))
    return best if similarity(template, features(best)) >= MATCH_THRESHOLD else None
