"""The face worker is a separate process: killing it does not hurt the kiosk, and the next
request starts a new one."""

from __future__ import annotations

import os
import signal
import time

from identity_helpers import feed_frames, id_photo, verifier_for
from drivers.emulation import face_scenes
from kiosk.identity.worker import FaceWorker


def test_a_killed_worker_is_restarted_by_the_next_verification(astronaut):
    worker = FaceWorker()
    try:
        worker.ensure_started()
        first_pid = worker.pid
        assert first_pid != os.getpid()
        os.kill(first_pid, signal.SIGKILL)
        verifier = verifier_for(worker, id_photo("astronaut"), liveness=False)
        decision = feed_frames(verifier, face_scenes.citizen(astronaut))[-1].decision
        assert decision.decision == "match"
        assert worker.starts == 2 and worker.pid not in (None, first_pid)
    finally:
        worker.close()
    assert worker.pid is None


def test_closing_while_the_models_load_does_not_wait_for_them(caplog):
    """A SIGTERM right after start-up: the load under way is cut short, not waited for."""
    worker = FaceWorker()
    thread = worker.prewarm()
    deadline = time.monotonic() + 10
    while worker.pid is None and time.monotonic() < deadline:  # the process is there, loading
        time.sleep(0.01)
    started = time.monotonic()
    with caplog.at_level("WARNING", logger="kiosk.identity.worker"):
        worker.close()
        thread.join(10)
    assert time.monotonic() - started < 1.5  # the models alone take ~1.7 s
    assert not thread.is_alive() and worker.pid is None
    assert "could not load the face models" in caplog.text  # it was cut short, not finished
