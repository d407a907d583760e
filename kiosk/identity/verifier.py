"""Live face against the ID photo, with active liveness: the object a visit drives.

    verifier = FaceVerifier(worker, settings)
    verifier.prepare(id_photo_bgr)        # at card read: the photo's encoding, in the background
    decision = verifier.run(camera, on_update=publish, should_stop=cancelled)   # worker thread
    record = decision.record()            # decision, score, timestamp: all that is kept
    verifier.wipe()                       # at visit end, whatever happened

`run` reads frames from the camera (drivers.camera.base.Camera), sends each to the face worker,
and reports an `Update` (guidance code, current challenge, progress 0..1) whenever what the
citizen should see changes; the last one carries the `Decision`. Each frame is dropped once
analysed; live encodings are turned into a distance at once and dropped.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

import numpy as np

from drivers.base import DeviceError, DeviceTimeout
from kiosk.identity import quality
from kiosk.identity.face import distance
from kiosk.identity.liveness import ActiveLiveness, plan_challenges
from kiosk.identity.settings import FaceSettings  # noqa: F401 (also imported from here)
from kiosk.identity.worker import FaceWorker, WorkerRequestFailed, WorkerUnavailable

MATCH, NO_MATCH = "match", "no_match"
NO_FACE, POOR_QUALITY, LIVENESS_FAILED = "no_face", "poor_quality", "liveness_failed"
TIMEOUT, CANCELLED, ERROR = "timeout", "cancelled", "error"


@dataclass(frozen=True)
class Decision:
    decision: str  # match | no_match | no_face | poor_quality | liveness_failed | timeout | cancelled | error
    distance: float | None
    threshold: float
    frames_used: int
    elapsed_ms: int
    challenges: tuple[str, ...] = ()
    challenges_passed: tuple[str, ...] = ()
    reason: str | None = None  # the guidance code or failure behind a non-match decision
    decided_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))

    @property
    def matched(self) -> bool:
        return self.decision == MATCH

    def record(self) -> dict:
        """What the visit record may keep: the decision, a score, a timestamp. Nothing else."""
        score = None if self.distance is None else round(self.distance, 3)
        return {"method": "face", "decision": self.decision, "score": score, "at": self.decided_at}

    def to_json(self) -> dict:
        return {
            "decision": self.decision,
            "distance": None if self.distance is None else round(self.distance, 4),
            "threshold": self.threshold,
            "frames_used": self.frames_used,
            "elapsed_ms": self.elapsed_ms,
            "challenges": list(self.challenges),
            "challenges_passed": list(self.challenges_passed),
            "reason": self.reason,
            "decided_at": self.decided_at,
        }


@dataclass(frozen=True)
class Update:
    """What the screen shows: a guidance code (a quality issue or the current challenge), the
    challenge asked for, progress 0..1, and the decision once there is one."""

    guidance: str | None
    challenge: str | None
    progress: float
    decision: Decision | None = None


class FaceVerifier:
    def __init__(self, worker: FaceWorker, settings: FaceSettings = FaceSettings(), *, rng: random.Random | None = None):
        self._worker = worker
        self.settings = settings
        self._rng = rng or random.SystemRandom()
        self._reference: np.ndarray | None = None
        self._reference_error: Exception | None = None
        self._reference_ready = threading.Event()
        self._reset_attempt()

    # ---- the ID photo ----------------------------------------------------------------------
    def prepare(self, id_photo_bgr: np.ndarray) -> None:
        """Compute the ID photo's encoding in the background; returns at once."""
        self._reference, self._reference_error = None, None
        self._reference_ready.clear()

        def compute(photo=id_photo_bgr):
            try:
                self._reference = self._worker.reference_encoding(photo, self.settings.reference_jitters)
            except (WorkerUnavailable, WorkerRequestFailed) as exc:
                self._reference_error = exc
            finally:
                self._reference_ready.set()

        threading.Thread(target=compute, name="id-photo-encoding", daemon=True).start()

    def wait_reference(self, timeout_s: float = 60.0) -> None:
        """Block until the ID photo's encoding is ready; raise what went wrong with it."""
        if not self._reference_ready.wait(timeout_s):
            raise WorkerUnavailable("the ID photo's encoding was not ready in time")
        if self._reference_error is not None:
            raise self._reference_error

    # ---- one attempt -----------------------------------------------------------------------
    def run(self, camera, *, on_update: Callable[[Update], None] | None = None,
            should_stop: Callable[[], bool] = lambda: False) -> Decision:
        """One verification attempt on the camera's frames. Never raises: a dead camera or
        worker is an `error` decision."""
        if self._frames or self._decision is not None:
            self._reset_attempt()  # a new attempt, with a new random challenge plan
        deadline = time.monotonic() + self.settings.timeout_s
        last: Update | None = None
        while True:
            if should_stop():
                return self._decide(CANCELLED)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return self.time_up()
            try:
                update = self.feed(camera.read_frame(timeout_s=min(1.0, remaining)))
            except DeviceTimeout:
                continue
            except DeviceError as exc:
                return self._decide(ERROR, reason=f"camera: {exc.kind}")
            if on_update is not None and update != last:
                on_update(update)
                last = update
            if update.decision is not None:
                return update.decision

    def feed(self, frame) -> Update:
        """Analyse one camera frame (drivers.camera.base.Frame); the frame is not kept.
        One thread drives a verifier: `run` (or a caller of `feed`) on the core's worker."""
        if self._decision is not None:
            return self._update(None)
        if self._started is None:
            self._started = time.monotonic()
        self._frames += 1
        timestamp = frame.timestamp
        try:
            analysis = self._worker.analyse(frame.image, self.settings.limits, self._wants_encoding())
        except (WorkerUnavailable, WorkerRequestFailed) as exc:
            return self._update(self._decide(ERROR, reason=f"face worker: {exc}"))
        del frame
        if analysis.faces:
            self._seen_face = True
        usable = analysis.box is not None and analysis.quality.usable_for_liveness
        if usable:
            self._follow(analysis.box, timestamp)
            self._usable_frames += 1
        if analysis.quality.usable_for_encoding:
            self._clean_frames += 1
        elif self._last_face_at is not None and timestamp - self._last_face_at > self.settings.max_face_gap_s:
            self._restart_checks()  # somebody else may be standing here now
        guidance = analysis.quality.guidance
        self._issues[guidance] += 1
        if self._liveness is not None:
            self._liveness.observe(analysis.landmarks if usable else None, timestamp)
            if self._liveness.failed:
                return self._update(self._decide(LIVENESS_FAILED, reason=f"not seen: {self._liveness.pending}"))
        if analysis.encoding is not None:
            reference = self._reference_encoding()
            if reference is None:
                return self._update(self._decide(ERROR, reason=f"id photo: {self._reference_error}"))
            after_liveness = self._liveness is None or self._liveness.passed
            self._distances.append((distance(reference, analysis.encoding), after_liveness))
        del analysis
        decision = self._decide_if_ready()
        if decision is not None:
            return self._update(decision)
        return self._update(guidance)

    def time_up(self) -> Decision:
        """The attempt's time ran out: decide on what was seen."""
        if self._decision is not None:
            return self._decision
        if not self._seen_face:
            return self._decide(NO_FACE, reason=quality.NO_FACE)
        if self._usable_frames == 0 or self._clean_frames == 0:
            # Every frame had something to fix, if only a face turned away: say what, most often.
            worst = next((code for code, _ in self._issues.most_common() if code), None)
            return self._decide(POOR_QUALITY, reason=worst)
        return self._decide(TIMEOUT)

    @property
    def challenges(self) -> tuple[str, ...]:
        """The challenges of the current (or next) attempt, in the order they will be asked."""
        return tuple(self._liveness.plan) if self._liveness else ()

    @property
    def holds_biometrics(self) -> bool:
        """Whether an encoding or a distance is still held (False after wipe())."""
        return self._reference is not None or bool(self._distances)

    def wipe(self) -> None:
        """Forget the ID photo's encoding and everything measured: call at visit end."""
        self._reference = None
        self._reference_error = None
        self._reference_ready.clear()
        self._reset_attempt()

    # ---- inside ----------------------------------------------------------------------------
    def _reset_attempt(self) -> None:
        self._decision: Decision | None = None
        self._started: float | None = None
        self._frames = 0
        self._usable_frames = 0
        self._clean_frames = 0  # frames without any quality issue (an encoding could be taken)
        self._seen_face = False
        self._issues: Counter = Counter()
        self._restart_checks()

    def _restart_checks(self) -> None:
        s = self.settings
        self._liveness = ActiveLiveness(plan_challenges(list(s.challenges), self._rng), s.challenge_timeout_s) \
            if s.liveness and s.challenges else None
        self._distances: list[tuple[float, bool]] = []
        self._last_box = None
        self._last_face_at: float | None = None

    def _follow(self, box, timestamp: float) -> None:
        """A face that jumps more than half its width between frames is another face."""
        if self._last_box is not None:
            (x0, y0), (x1, y1) = self._last_box.centre, box.centre
            if np.hypot(x1 - x0, y1 - y0) > 0.5 * max(box.width, self._last_box.width):
                self._restart_checks()
        self._last_box, self._last_face_at = box, timestamp

    def _wants_encoding(self) -> bool:
        # A couple of encodings before the challenges, then none while they run (each costs
        # ~100 ms, and a blink is short), then one after, from the face that did them.
        if self._liveness is None:
            return True
        if self._liveness.passed:
            return True
        return len(self._distances) < self.settings.frames_to_match - 1

    def _reference_encoding(self) -> np.ndarray | None:
        self._reference_ready.wait(self.settings.timeout_s)
        return self._reference

    def _decide_if_ready(self) -> Decision | None:
        if self._liveness is not None and not self._liveness.passed:
            return None
        if len(self._distances) < self.settings.frames_to_match or not any(after for _, after in self._distances):
            return None
        median = statistics.median(d for d, _ in self._distances[-self.settings.frames_to_match:])
        return self._decide(MATCH if median <= self.settings.threshold else NO_MATCH, median)

    def _decide(self, kind: str, median: float | None = None, *, reason: str | None = None) -> Decision:
        elapsed = 0 if self._started is None else int((time.monotonic() - self._started) * 1000)
        liveness = self._liveness
        self._decision = Decision(
            decision=kind, distance=median, threshold=self.settings.threshold, frames_used=self._frames,
            elapsed_ms=elapsed, challenges=tuple(liveness.plan) if liveness else (),
            challenges_passed=tuple(liveness.done) if liveness else (), reason=reason,
        )
        self._distances = []
        return self._decision

    def _update(self, decision_or_guidance) -> Update:
        if isinstance(decision_or_guidance, Decision) or self._decision is not None:
            return Update(None, None, 1.0, self._decision)
        challenge = self._liveness.current if self._liveness else None
        guidance = decision_or_guidance
        if guidance is None or (challenge and guidance in (quality.FACE_CAMERA, quality.HOLD_STILL)):
            guidance = challenge  # turning away is the point of a turn challenge
        return Update(guidance, challenge, self._progress(), None)

    def _progress(self) -> float:
        k = self.settings.frames_to_match
        encoded = min(len(self._distances), k) / k
        if self._liveness is None:
            return round(0.95 * encoded, 3)
        return round(0.25 * encoded + 0.7 * self._liveness.progress, 3)
