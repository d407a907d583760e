"""Helpers for the identity tests (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

import random

import cv2
import numpy as np

from drivers.camera.base import Frame
from drivers.emulation import face_scenes
from kiosk.identity.verifier import FaceSettings, FaceVerifier

FPS = 15.0


def id_photo(name: str) -> np.ndarray:
    """A 102×126 ID-card-sized photo from a bundled face. Stands in for the decoded WLT photo:
    the licensed decoder cannot run here."""
    photo = face_scenes.load_face(str(face_scenes.bundled(name)))
    points = photo.landmarks
    cx, cy = points[[0, 16, 8, 27]].mean(axis=0)
    half_w = photo.face_width * 0.85
    half_h = half_w * 126 / 102
    h, w = photo.image.shape[:2]
    x0, x1 = int(max(cx - half_w, 0)), int(min(cx + half_w, w))
    y0, y1 = int(max(cy - half_h * 0.95, 0)), int(min(cy + half_h * 1.05, h))
    return cv2.resize(photo.image[y0:y1, x0:x1], (102, 126), interpolation=cv2.INTER_AREA)


def verifier_for(worker, reference: np.ndarray, seed: int = 1, **settings) -> FaceVerifier:
    verifier = FaceVerifier(worker, FaceSettings(**settings), rng=random.Random(seed))
    verifier.prepare(reference)
    verifier.wait_reference()
    return verifier


def feed_frames(verifier: FaceVerifier, frames: list[np.ndarray], *, max_frames: int = 200):
    """Feed the scene (looped) at 15 frames/s of camera time; returns the updates seen."""
    updates = []
    for i in range(max_frames):
        update = verifier.feed(Frame(frames[i % len(frames)], i, 1000.0 + i / FPS))
        updates.append(update)
        if update.decision is not None:
            break
    return updates
