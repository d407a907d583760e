"""Helpers for the identity tests (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

import random

import numpy as np

from drivers.camera.base import Frame
from drivers.emulation import face_video
from kiosk.identity.verifier import FaceSettings, FaceVerifier

FPS = 15.0


def id_photo(name: str) -> np.ndarray:
    """A 102×126 ID-card-sized crop of a bundled face. Stands in for the decoded WLT photo: the
    licensed decoder cannot run here."""
    return face_video.id_photo(face_video.load_face(name), name)


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
