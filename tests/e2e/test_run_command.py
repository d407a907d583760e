"""`kiosk run` as systemd runs it: a real process against emulated devices, stopped by SIGTERM."""

import os
import subprocess
import time

from kiosk.demo_env import DemoEnvironment
from support.kiosk_process import demo_sets, kiosk_command, kiosk_run, stop


def test_run_starts_serves_and_stops_cleanly_on_sigterm(tmp_path):
    with DemoEnvironment(tmp_path) as env:
        log = tmp_path / "run.log"
        with kiosk_run(demo_sets(env), log) as proc:
            deadline = time.monotonic() + 30
            while "device printer: online" not in log.read_text() and time.monotonic() < deadline:
                assert proc.poll() is None, log.read_text()
                time.sleep(0.1)
            assert "device idcard: online" in log.read_text()
            assert stop(proc) == 0
        assert (tmp_path / "kiosk" / "outbox.db").exists()
        assert (tmp_path / "kiosk" / "kiosk.secret").stat().st_mode & 0o077 == 0  # secret not readable by others
        assert "Traceback" not in log.read_text()


def test_run_without_credentials_says_so_in_one_line(tmp_path):
    result = subprocess.run(kiosk_command("run", "--set", f"data_dir={tmp_path}"), capture_output=True, text=True,
                            timeout=30, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode != 0
    assert "no kiosk credentials" in result.stderr and "Traceback" not in result.stderr
