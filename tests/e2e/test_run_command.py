"""`kiosk run` as systemd runs it: a real process against emulated devices, stopped by SIGTERM."""

import os
import signal
import subprocess
import sys
import time

from kiosk.demo_env import DemoEnvironment


def kiosk_command(*args):
    return [sys.executable, "-m", "kiosk.cli", *args]


def test_run_starts_serves_and_stops_cleanly_on_sigterm(tmp_path):
    with DemoEnvironment(tmp_path) as env:
        config = env.config
        sets = [
            f"data_dir={config.data_dir}",
            f"devices.idcard.url={config.devices['idcard'].url}",
            f"devices.printer.url={config.devices['printer'].url}",
            f"central.url={config.central.url}",
            "central.enrol_if_missing=true",
        ]
        args = [a for s in sets for a in ("--set", s)]
        log = tmp_path / "run.log"
        with open(log, "w") as out:
            proc = subprocess.Popen(kiosk_command("run", *args), stdout=out, stderr=subprocess.STDOUT,
                                    env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
        try:
            deadline = time.monotonic() + 30
            while "device printer: online" not in log.read_text() and time.monotonic() < deadline:
                assert proc.poll() is None, log.read_text()
                time.sleep(0.1)
            assert "device idcard: online" in log.read_text()
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=15) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert (tmp_path / "kiosk" / "outbox.db").exists()
        assert (tmp_path / "kiosk" / "kiosk.secret").stat().st_mode & 0o077 == 0  # secret not readable by others
        assert "Traceback" not in log.read_text()


def test_run_without_credentials_says_so_in_one_line(tmp_path):
    result = subprocess.run(kiosk_command("run", "--set", f"data_dir={tmp_path}"), capture_output=True, text=True,
                            timeout=30, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode != 0
    assert "no kiosk credentials" in result.stderr and "Traceback" not in result.stderr
