"""The kiosk's own face worker (dlib's models, ~150 MB) is loaded only while someone is at the
kiosk: started at the touch on the attract screen, stopped once nobody has been there for
`identity.face_worker_idle_stop_s`."""

from __future__ import annotations

import time

from kiosk.core import KioskCore
from support.kiosk_core import until


def test_the_face_worker_starts_at_a_touch_and_stops_when_nobody_is_there(demo_env):
    env = demo_env(overrides={"identity.face_worker_idle_stop_s": 2})
    core = KioskCore(env.config, fingerprint_template=env.fingerprint_template).start()
    try:
        session = core.session
        until(lambda: session.view().state == "attract", what="the attract screen")
        time.sleep(3)  # longer than the idle stop: nothing was loaded to stop
        assert core.face_worker.pid is None and core.face_worker.starts == 0

        session.touch()
        until(lambda: core.face_worker.pid is not None, timeout=90, what="the face worker loaded")
        time.sleep(3)  # a citizen choosing a service: busy, not idle, whatever the clock says
        assert core.face_worker.pid is not None

        session.cancel()
        until(lambda: session.view().state == "attract", what="back to the attract screen")
        until(lambda: core.face_worker.pid is None, timeout=30, what="the idle face worker stopped")
        assert core.face_worker.starts == 1
    finally:
        core.stop()
