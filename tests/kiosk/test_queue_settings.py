"""The queue's retention and backoff cap come from the config and reach the sync worker."""

from __future__ import annotations

from kiosk.core import KioskCore
from kiosk.demo_env import DemoEnvironment


def test_queue_settings_reach_the_sync_worker(tmp_path):
    overrides = {"queue.retention_days": 2, "queue.max_backoff_s": 120, "speech.enabled": False}
    with DemoEnvironment(tmp_path, overrides=overrides) as env:
        core = KioskCore(env.config)
        try:
            assert core.sync.keep_delivered_s == 2 * 86_400
            assert core.sync.max_delay == 120
        finally:
            core.stop()
