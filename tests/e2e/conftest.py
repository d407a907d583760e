"""Fixtures for visits through the real widgets: one face worker for the session, the camera's
video written once, demo environments, the test's session clock (helpers: support/kiosk_ui.py)."""

from __future__ import annotations

import os

import pytest

from kiosk.demo_env import DemoEnvironment
from kiosk.identity.worker import FaceWorker
from support.kiosk_ui import Clock, running_kiosk

CARD = "zhang-wei"


@pytest.fixture(scope="session")
def face_worker():
    """One face worker for all the visits here: the models load once."""
    worker = FaceWorker()
    worker.prewarm()
    yield worker
    worker.close()


@pytest.fixture(scope="session")
def camera_cache(tmp_path_factory):
    """Where each face's camera video is written once (it takes seconds to encode)."""
    return tmp_path_factory.mktemp("camera")


def _with_cached_video(env: DemoEnvironment, cache) -> DemoEnvironment:
    env.data_dir.mkdir(parents=True, exist_ok=True)
    cached = cache / env.camera_video_name
    if not cached.exists():
        os.link(env.camera_video(), cached)
    else:
        os.link(cached, env.data_dir / cached.name)
    return env


@pytest.fixture
def demo_env(tmp_path, camera_cache):
    """make(card=…, overrides=…) → a started DemoEnvironment, stopped after the test."""
    started: list[DemoEnvironment] = []

    def make(card: str = CARD, overrides: dict | None = None, **options) -> DemoEnvironment:
        env = DemoEnvironment(tmp_path / f"env{len(started)}", card=card, overrides=overrides, **options)
        started.append(_with_cached_video(env, camera_cache))
        return env.start()

    yield make
    for env in started:
        env.stop()


@pytest.fixture
def env(demo_env):
    return demo_env()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def kiosk(env, clock, qtbot, face_worker):
    with running_kiosk(env, clock, qtbot, face_worker) as running:
        yield running
