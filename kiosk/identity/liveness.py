"""Active liveness: the citizen is asked to blink and/or turn the head, in a random order, and
the landmarks across frames must show it happen after it was asked.

A printed photo or a phone showing a still cannot blink or turn, so it runs out of time. A video
of the person that happens to blink and turn in the asked order within the time can pass: this
is not a defence against replayed or deep-faked video (docs/identity.md).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np

from kiosk.identity.face import eye_aspect_ratio, yaw

BLINK, TURN_LEFT, TURN_RIGHT = "blink", "turn_left", "turn_right"

CLOSED_RATIO = 0.65  # eyes count as closed below this share of the open eye aspect ratio
REOPENED_RATIO = 0.85
TURN_YAW = 0.11  # a turn is the nose moving this far (face widths) from where it sat frontal
BASELINE_FRAMES = 3  # frames of the frontal face needed before a challenge can be judged


def plan_challenges(kinds: list[str], rng: random.Random) -> list[str]:
    """One challenge per kind ("blink", "turn"), the turn's direction and the order at random."""
    plan = [BLINK if kind == "blink" else rng.choice((TURN_LEFT, TURN_RIGHT)) for kind in kinds]
    rng.shuffle(plan)
    return plan


@dataclass
class ActiveLiveness:
    plan: list[str]
    challenge_timeout_s: float = 8.0
    done: list[str] = field(default_factory=list)
    failed: bool = False
    _started_at: float | None = None
    _open_ear: list[float] = field(default_factory=list)
    _frontal_yaw: list[float] = field(default_factory=list)
    _eyes_closed: bool = False

    @property
    def current(self) -> str | None:
        return None if self.passed or self.failed else self.plan[len(self.done)]

    @property
    def pending(self) -> str | None:
        """The challenge not yet seen (also after the time ran out)."""
        return None if self.passed else self.plan[len(self.done)]

    @property
    def passed(self) -> bool:
        return len(self.done) == len(self.plan)

    @property
    def progress(self) -> float:
        return len(self.done) / len(self.plan) if self.plan else 1.0

    def observe(self, landmarks: np.ndarray | None, timestamp: float) -> None:
        """One frame's landmarks of the primary face (None when it was not usable)."""
        challenge = self.current
        if challenge is None:
            return
        if self._started_at is None:
            self._started_at = timestamp
        if timestamp - self._started_at > self.challenge_timeout_s:
            self.failed = True
            return
        if landmarks is None:
            return
        ear, turn = eye_aspect_ratio(landmarks), yaw(landmarks)
        baseline_ready = len(self._open_ear) >= BASELINE_FRAMES
        frontal = abs(turn) < TURN_YAW / 2  # judged absolutely: the baseline must not be a turned face
        if frontal and not self._eyes_closed and (not baseline_ready or ear >= REOPENED_RATIO * self._open()):
            # Eyes open and facing the camera: what "normal" looks like for this face.
            self._open_ear = (self._open_ear + [ear])[-15:]
            self._frontal_yaw = (self._frontal_yaw + [turn])[-15:]
        if not baseline_ready:
            return
        if challenge == BLINK:
            self._observe_blink(ear)
        elif (turn - self._frontal()) * (1 if challenge == TURN_LEFT else -1) >= TURN_YAW:
            self._complete()

    def _observe_blink(self, ear: float) -> None:
        if ear < CLOSED_RATIO * self._open():
            self._eyes_closed = True
        elif self._eyes_closed and ear >= REOPENED_RATIO * self._open():
            self._complete()

    def _complete(self) -> None:
        self.done.append(self.plan[len(self.done)])
        self._started_at = None
        self._eyes_closed = False

    def _open(self) -> float:
        return float(np.median(self._open_ear))

    def _frontal(self) -> float:
        return float(np.median(self._frontal_yaw))
