"""Faces in a frame: detection, the primary face, landmark geometry, encodings, distance.

The geometry helpers are plain numpy and run anywhere. Detection, landmarks and encodings use
dlib's models through face_recognition; importing those loads ~170 MB and takes ~1.7 s, so they
are loaded on first use and, in the kiosk, only inside the worker process (worker.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

# HOG detector scores: real faces in our photos score >= 1.2, a mission patch on a space suit
# 0.16. Anything under this is a pattern on clothing, not a face.
MIN_DETECTION_SCORE = 0.5
DETECT_WIDTH = 320  # live frames are downscaled to this width before detection (~30 ms vs ~210 ms)

# dlib's 68-point layout
JAW_LEFT, JAW_RIGHT, NOSE_TIP = 0, 16, 30
RIGHT_EYE = slice(36, 42)  # the subject's right eye: on the left of the image
LEFT_EYE = slice(42, 48)


@dataclass(frozen=True)
class FaceBox:
    left: float
    top: float
    right: float
    bottom: float
    score: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def centre(self) -> tuple[float, float]:
        return (self.left + self.right) / 2, (self.top + self.bottom) / 2


def pick_primary(faces: list[FaceBox], frame_width: int, frame_height: int) -> int | None:
    """The largest face, discounted by its distance from the centre: the citizen stands in front
    of the camera, a passer-by or a pattern is smaller or off to the side."""
    if not faces:
        return None

    def weight(face: FaceBox) -> float:
        cx, cy = face.centre
        off = np.hypot((cx - frame_width / 2) / frame_width, (cy - frame_height / 2) / frame_height)
        return face.width * face.width * (1.0 - min(off, 0.9))

    return max(range(len(faces)), key=lambda i: weight(faces[i]))


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance between two 128-d encodings (face_recognition's measure)."""
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)))


def eye_aspect_ratio(landmarks: np.ndarray) -> float:
    """Mean eye aspect ratio of both eyes (Soukupová & Čech 2016): ~0.3 open, < 0.2 closed."""

    def ear(eye: np.ndarray) -> float:
        vertical = np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])
        return float(vertical / (2.0 * max(np.linalg.norm(eye[0] - eye[3]), 1e-6)))

    return (ear(landmarks[RIGHT_EYE]) + ear(landmarks[LEFT_EYE])) / 2


def yaw(landmarks: np.ndarray) -> float:
    """Where the nose tip sits between the two sides of the face outline, -0.5..0.5; 0 is
    frontal, positive when the nose moves to the right of the image (the subject's left)."""
    left, right = landmarks[JAW_LEFT], landmarks[JAW_RIGHT]
    width = max(right[0] - left[0], 1e-6)
    return float((landmarks[NOSE_TIP][0] - left[0]) / width - 0.5)


def roll_degrees(landmarks: np.ndarray) -> float:
    """Tilt of the line through both eye centres."""
    right_eye, left_eye = landmarks[RIGHT_EYE].mean(axis=0), landmarks[LEFT_EYE].mean(axis=0)
    dx, dy = left_eye - right_eye
    return float(np.degrees(np.arctan2(dy, dx)))


# ---- dlib models (loaded on first use) ---------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _models():
    import face_recognition.api as models  # loads the detector, landmark and encoder models

    return models


def load_models() -> None:
    _models()


def detect(image_bgr: np.ndarray, *, width: int | None = DETECT_WIDTH, upsample: int = 1) -> list[FaceBox]:
    """Faces in a BGR image, in the image's own coordinates. With `width`, detection runs on a
    copy downscaled to that width (never upscaled)."""
    import cv2

    scale = 1.0
    small = image_bgr
    if width and image_bgr.shape[1] > width:
        scale = width / image_bgr.shape[1]
        small = cv2.resize(image_bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    rgb = cv2.cvtColor(small, cv2.COLOR_BGR2RGB)
    rects, scores, _ = _models().face_detector.run(rgb, upsample, 0.0)
    return [
        FaceBox(r.left() / scale, r.top() / scale, r.right() / scale, r.bottom() / scale, float(s))
        for r, s in zip(rects, scores)
        if s >= MIN_DETECTION_SCORE
    ]


def _rectangle(box: FaceBox):
    import dlib

    return dlib.rectangle(int(box.left), int(box.top), int(box.right), int(box.bottom))


def landmark_shape(image_rgb: np.ndarray, box: FaceBox):
    """dlib's 68-point shape for `box` (kept as dlib's object: the encoder takes it as is)."""
    return _models().pose_predictor_68_point(image_rgb, _rectangle(box))


def shape_points(shape) -> np.ndarray:
    return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)


def encode(image_rgb: np.ndarray, shape, *, jitters: int = 1) -> np.ndarray:
    """The 128-d encoding of the face whose landmarks are `shape`."""
    return np.array(_models().face_encoder.compute_face_descriptor(image_rgb, shape, jitters))
