"""Is the picture usable? Dark (lens covered, lamp off) or frozen (the same frame again and
again: a hung camera keeps its stream open). Pure numpy on a thumbnail, cheap per frame.

A live camera never sends two identical frames (sensor noise), so a run of identical frames
lasting seconds means the image is stuck. Played-back media may legitimately repeat (a still
picture looped), so the camera only asks about freezing for live sources.
"""

from __future__ import annotations

import numpy as np

DARK_LEVEL = 20  # mean grey (0–255) below which a frame counts as dark
HOLD_S = 1.5  # a condition must last this long …
HOLD_FRAMES = 3  # … and over this many frames before it is reported
_STRIDE = 8  # every 8th pixel in each direction: 80×60 for 640×480


class ImageWatch:
    def __init__(self) -> None:
        self._previous: np.ndarray | None = None
        self._dark = _Run()
        self._same = _Run()
        self.mean_level = 0.0

    def update(self, image: np.ndarray, now: float) -> None:
        thumb = image[::_STRIDE, ::_STRIDE]
        self.mean_level = float(thumb.mean())
        self._dark.observe(self.mean_level < DARK_LEVEL, now)
        self._same.observe(self._previous is not None and np.array_equal(thumb, self._previous), now)
        self._previous = thumb.copy()

    def verdict(self, *, live: bool) -> str:
        """"ok", "dark" or "frozen"."""
        if live and self._same.holds():
            return "frozen"
        if self._dark.holds():
            return "dark"
        return "ok"


class _Run:
    """How long, and over how many frames, a condition has held without a break."""

    def __init__(self) -> None:
        self.since: float | None = None
        self.frames = 0
        self.last = 0.0

    def observe(self, true: bool, now: float) -> None:
        if not true:
            self.since, self.frames = None, 0
            return
        if self.since is None:
            self.since = now
        self.frames += 1
        self.last = now

    def holds(self) -> bool:
        return self.since is not None and self.frames >= HOLD_FRAMES and self.last - self.since >= HOLD_S
