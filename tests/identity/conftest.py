"""Shared by the identity tests: one face worker per session (the models load once) and the
bundled faces with their landmarks (found once)."""

from __future__ import annotations

import pytest

from drivers.emulation import face_scenes
from kiosk.identity.worker import FaceWorker


@pytest.fixture(scope="session")
def worker():
    face_worker = FaceWorker()
    face_worker.ensure_started()
    yield face_worker
    face_worker.close()


@pytest.fixture(scope="session")
def astronaut():
    return face_scenes.load_face(str(face_scenes.bundled("astronaut")))


@pytest.fixture(scope="session")
def hopper():
    return face_scenes.load_face(str(face_scenes.bundled("grace-hopper")))

