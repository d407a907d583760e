"""The identity check of one visit (人证核验), as the core runs it, and the camera preview.

After the card is read the citizen proves they hold it: a live face against the card's photo with
a blink/turn challenge, the fingerprint as the fallback (kiosk/identity, docs/identity.md). The
policy decides the order, the retries and the refusals; this module drives the devices for it.

What it holds about the citizen (the ID photo's encoding, the card number, the card's fingerprint
template) lives in `Verification`, which the visit owns and wipes at its end. The visit record
keeps only each decision's {method, decision, score, at}.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from drivers.base import DeviceError
from kiosk.identity.fingerprint import NO_FINGER, verify_finger
from kiosk.identity.policy import IdentityCheck

if TYPE_CHECKING:  # numpy and the verifier load at the first face check, not at start-up
    import numpy as np

    from kiosk.identity.verifier import FaceVerifier

# Which device each identity method needs.
METHOD_DEVICES = {"face": "camera", "fingerprint": "fingerprint"}
FINGER_WAIT_S = 20.0  # how long one fingerprint attempt waits for a finger
FINGER_POLL_S = 2.0  # … asked of the reader in slices, so a cancelled visit stops soon
UNAVAILABLE = "error"  # the decision a method gets when it cannot run at all


@dataclass
class Verification:
    """The identity check's material for one visit."""

    verifier: FaceVerifier | None  # None when the card's photo cannot be decoded here
    template: bytes | None = field(default=None, repr=False)  # the card's finger, for the reader
    check: IdentityCheck | None = None
    # Or several: the fingers recorded at application (a service's identity material).
    templates: tuple[bytes, ...] = field(default=(), repr=False)

    @property
    def has_finger(self) -> bool:
        return self.template is not None or bool(self.templates)

    def wipe(self) -> None:
        if self.verifier is not None:
            self.verifier.wipe()
        if self.check is not None:
            self.check.wipe()
        self.template = None
        self.templates = ()


class Preview:
    """Camera frames for the screens while a face check runs, without the screens touching the
    camera: each frame is downscaled, handed to the subscribers and dropped. Nothing is kept."""

    def __init__(self, width: int = 480):
        self.width = width
        self._lock = threading.Lock()
        self._listeners: list[Callable[[np.ndarray | None], None]] = []

    def subscribe(self, listener: Callable[[np.ndarray | None], None]) -> Callable[[], None]:
        """`listener` gets a small BGR image per frame, and None when the preview stops; it runs
        on the camera's thread and must not block. Returns unsubscribe."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe():
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def publish(self, frame) -> None:
        with self._lock:
            listeners = list(self._listeners)
        if not listeners:
            return
        import cv2  # imported by the camera's driver already; not at start-up

        image = frame.image
        height, width = image.shape[:2]
        scale = self.width / width
        small = cv2.resize(image, (self.width, round(height * scale)), interpolation=cv2.INTER_AREA) \
            if scale < 1 else image.copy()
        small = cv2.flip(small, 1)  # a mirror: moving left moves left on the screen
        for listener in listeners:
            listener(small)

    def stop(self) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(None)


def run_check(visit, check: IdentityCheck, *, session, devices, preview: Preview,
              usable: Callable[[str], bool], still_verifying: Callable[[], bool],
              verified: Callable[[], None] = lambda: None) -> None:
    """Drive the identity policy to its end for `visit` (on a core worker thread); reports each
    step to the session and finishes with `session.verify_finished` (after `verified()` when the
    citizen passed)."""
    verification: Verification = visit.verification
    step = check.first
    while True:
        if step.action in ("verified", "refused", "locked"):
            if step.action == "verified":
                verified()
            session.verify_finished(visit.id, step)
            return
        if not still_verifying():
            return
        session.verify_step(visit.id, step)
        if step.method == "face":
            record, decision = _face(visit, verification, session, devices, preview, usable, still_verifying)
        else:
            record, decision = _finger(visit, verification, session, devices, usable, still_verifying)
        if not still_verifying():
            return
        if record is not None:
            visit.identity.append(record)
        step = check.after(decision)


def _face(visit, verification, session, devices, preview, usable, still_verifying):
    if verification.verifier is None or not usable("camera"):
        return None, UNAVAILABLE

    def publish(update):
        if update.decision is None:
            session.verify_update(visit.id, "face", update.guidance, update.challenge, update.progress)

    session.verify_update(visit.id, "face")
    try:
        with devices.in_use("camera") as camera:
            unsubscribe = camera.subscribe(preview.publish)
            try:
                decision = verification.verifier.run(camera, on_update=publish,
                                                     should_stop=lambda: not still_verifying())
            finally:
                unsubscribe()
                preview.stop()
    except DeviceError:  # the camera could not be opened: the method is unavailable, not failed
        return None, UNAVAILABLE
    if decision.decision == "cancelled":
        return None, decision.decision
    return decision.record(), decision.decision


def _finger(visit, verification, session, devices, usable, still_verifying):
    if not verification.has_finger or not usable("fingerprint"):
        return None, UNAVAILABLE
    session.verify_update(visit.id, "fingerprint")
    deadline = time.monotonic() + FINGER_WAIT_S
    try:
        with devices.in_use("fingerprint") as reader:
            while True:
                result = verify_finger(reader, template=verification.template, templates=verification.templates,
                                       timeout_s=FINGER_POLL_S)
                if result.decision != NO_FINGER or time.monotonic() >= deadline or not still_verifying():
                    break
    except DeviceError:
        return None, UNAVAILABLE
    return result.record(), result.decision
