"""What the worker process computes: one frame's faces, quality and (when wanted) encoding,
and the ID photo's encoding. Runs where dlib's models are loaded (worker.py)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.identity import face
from kiosk.identity.quality import Quality, QualityLimits, assess

REFERENCE_MIN_WIDTH = 300  # an ID photo is 102×126 px: upscaled before detection


class NoFaceInPhoto(ValueError):
    """The reference photo has no usable face."""


@dataclass(frozen=True)
class FrameAnalysis:
    faces: int  # faces found (above the detector's score floor)
    box: face.FaceBox | None  # the primary face
    landmarks: np.ndarray | None  # its 68 points
    quality: Quality
    encoding: np.ndarray | None  # only when asked for and the quality allows it


def analyse(image_bgr: np.ndarray, limits: QualityLimits, want_encoding: bool, jitters: int = 1) -> FrameAnalysis:
    import cv2

    faces = face.detect(image_bgr)
    h, w = image_bgr.shape[:2]
    primary = face.pick_primary(faces, w, h)
    if primary is None:
        return FrameAnalysis(0, None, None, assess(image_bgr, faces, None, None, limits), None)
    rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
    shape = face.landmark_shape(rgb, faces[primary])
    points = face.shape_points(shape)
    quality = assess(image_bgr, faces, primary, points, limits)
    encoding = face.encode(rgb, shape, jitters=jitters) if want_encoding and quality.usable_for_encoding else None
    return FrameAnalysis(len(faces), faces[primary], points, quality, encoding)


def reference_encoding(image_bgr: np.ndarray, jitters: int = 1) -> np.ndarray:
    """The encoding of the face in an ID photo (the largest, most central one)."""
    import cv2

    if image_bgr.shape[1] < REFERENCE_MIN_WIDTH:
        scale = REFERENCE_MIN_WIDTH / image_bgr.shape[1]
        image_bgr = cv2.resize(image_bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    # Once per visit, so it may look harder than on live frames: a second, finer pass.
    faces = face.detect(image_bgr, width=None) or face.detect(image_bgr, width=None, upsample=2)
    primary = face.pick_primary(faces, image_bgr.shape[1], image_bgr.shape[0])
    if primary is None:
        raise NoFaceInPhoto("no face found in the ID photo")
    rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
    return face.encode(rgb, face.landmark_shape(rgb, faces[primary]), jitters=jitters)
