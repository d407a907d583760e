"""`kiosk run` picks up a published operator config between visits and starts again on it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from central.stats import fleet
from kiosk.demo_env import DemoEnvironment

from support.signed_config import GROUP


def test_run_applies_a_published_config_and_starts_again_on_it(tmp_path, repo, keys, served, trust):
    repo.publish(GROUP, {"language": "en", "notices": [{"text": {"zh": "通知", "en": "Notice"}}]}, keys)
    with DemoEnvironment(tmp_path / "demo") as env:
        config = env.config
        state = tmp_path / "state"
        sets = [f"data_dir={config.data_dir}", f"devices.idcard.url={config.devices['idcard'].url}",
                f"devices.printer.url={config.devices['printer'].url}", f"central.url={config.central.url}",
                "central.enrol_if_missing=true", "speech.enabled=false", f"updates.group={GROUP}",
                f"updates.url={served}", f"updates.trust={trust}", f"updates.state_dir={state}",
                "updates.poll_s=5", "updates.jitter_s=0"]
        log = tmp_path / "run.log"
        with open(log, "w") as out:
            proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "run",
                                     *[a for s in sets for a in ("--set", s)]],
                                    stdout=out, stderr=subprocess.STDOUT,
                                    env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
        try:
            deadline = time.monotonic() + 40
            while not (state / "good.json").exists() and time.monotonic() < deadline:
                assert proc.poll() is None, log.read_text()
                time.sleep(0.2)
            text = log.read_text()
            assert "operator config version 1 applied" in text, text
            assert json.loads((state / "good.json").read_text())["version"] == 1  # started on it
            assert text.count("device printer: online") >= 1
            # Central hears of it in the heartbeat of the core started again on version 1.
            reported = None
            while time.monotonic() < deadline:
                status = (fleet(env.central.database_url)[0]["status"] or {}).get("operator_config")
                reported = status and (status["group"], status["running"], status["seen"])
                if reported == (GROUP, 1, 1):
                    break
                time.sleep(0.2)
            assert reported == (GROUP, 1, 1)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=15) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert "Traceback" not in log.read_text()
