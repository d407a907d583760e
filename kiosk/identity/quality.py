"""Is this frame good enough to compare a face? Gates, each failure a guidance code.

The codes are what the screens tell the citizen (`move_closer`, `too_dark`, …); the verifier
shows the first one. `face_camera` and `hold_still` only stop an encoding being taken: during a
head-turn challenge a turned face is exactly what we want.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.identity.face import FaceBox, roll_degrees, yaw
from kiosk.identity.settings import QualityLimits  # noqa: F401 (also imported from here)

NO_FACE = "no_face"
MULTIPLE_FACES = "multiple_faces"
MOVE_CLOSER = "move_closer"
MOVE_BACK = "move_back"
CENTRE_FACE = "centre_face"
TOO_DARK = "too_dark"
TOO_BRIGHT = "too_bright"
FACE_CAMERA = "face_camera"
HOLD_STILL = "hold_still"

# Issues that make a frame useless even for liveness, in the order the citizen should fix them.
BLOCKING = (NO_FACE, MULTIPLE_FACES, MOVE_CLOSER, MOVE_BACK, CENTRE_FACE, TOO_DARK, TOO_BRIGHT)


@dataclass(frozen=True)
class Quality:
    issues: tuple[str, ...]
    brightness: float | None = None
    sharpness: float | None = None

    @property
    def guidance(self) -> str | None:
        return self.issues[0] if self.issues else None

    @property
    def usable_for_liveness(self) -> bool:
        return not any(issue in BLOCKING for issue in self.issues)

    @property
    def usable_for_encoding(self) -> bool:
        return not self.issues


def face_crop_measures(image_bgr: np.ndarray, box: FaceBox) -> tuple[float, float]:
    """(brightness, sharpness) of the face region; the crop is scaled to 128 px wide so sharpness
    does not depend on how close the citizen stands."""
    import cv2

    h, w = image_bgr.shape[:2]
    top, bottom = max(int(box.top), 0), min(int(box.bottom), h)
    left, right = max(int(box.left), 0), min(int(box.right), w)
    crop = image_bgr[top:bottom, left:right]
    if crop.size == 0:
        return 0.0, 0.0
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    grey = cv2.resize(grey, (128, max(1, round(128 * grey.shape[0] / grey.shape[1]))), interpolation=cv2.INTER_AREA)
    return float(grey.mean()), float(cv2.Laplacian(grey, cv2.CV_64F).var())


def assess(image_bgr: np.ndarray, faces: list[FaceBox], primary: int | None, landmarks: np.ndarray | None,
           limits: QualityLimits = QualityLimits()) -> Quality:
    if primary is None:
        return Quality((NO_FACE,))
    h, w = image_bgr.shape[:2]
    face = faces[primary]
    issues: list[str] = []
    if any(i != primary and other.width >= limits.second_face_ratio * face.width for i, other in enumerate(faces)):
        issues.append(MULTIPLE_FACES)
    ratio = face.width / w
    if ratio < limits.min_face_ratio:
        issues.append(MOVE_CLOSER)
    elif ratio > limits.max_face_ratio:
        issues.append(MOVE_BACK)
    cx, cy = face.centre
    if np.hypot((cx - w / 2) / w, (cy - h / 2) / w) > limits.max_offcentre:
        issues.append(CENTRE_FACE)
    brightness, sharpness = face_crop_measures(image_bgr, face)
    if brightness < limits.min_brightness:
        issues.append(TOO_DARK)
    elif brightness > limits.max_brightness:
        issues.append(TOO_BRIGHT)
    if landmarks is None or abs(yaw(landmarks)) > limits.max_yaw or abs(roll_degrees(landmarks)) > limits.max_roll_deg:
        issues.append(FACE_CAMERA)
    if sharpness < limits.min_sharpness:
        issues.append(HOLD_STILL)
    return Quality(tuple(issues), brightness, sharpness)
