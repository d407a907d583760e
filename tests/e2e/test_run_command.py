"""`kiosk run` as systemd runs it: a real process against emulated devices, stopped by SIGTERM."""

import os
import signal
import subprocess
import time
from pathlib import Path

from kiosk.demo_env import DemoEnvironment
from support.kiosk_process import demo_sets, kiosk_command, kiosk_run, stop

ROOT = Path(__file__).resolve().parents[2]


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


def wait_for(log, text: str, proc, count: int = 1, timeout: float = 30) -> str:
    """The log once `text` appears `count` times; the process must stay up meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = log.read_text(errors="replace")
        if out.count(text) >= count:
            return out
        assert proc.poll() is None, out
        time.sleep(0.1)
    raise AssertionError(f"no {text!r} in {timeout} s:\n{log.read_text(errors='replace')}")


def test_production_run_with_a_broken_config_is_out_of_service_until_it_is_fixed(tmp_path):
    with DemoEnvironment(tmp_path) as env:
        config = tmp_path / "kiosk.toml"
        config.write_text("[devices\n", encoding="utf-8")  # a technician's typo
        log = tmp_path / "run.log"
        with kiosk_run(["--production", "--config", str(config), "--retry-every", "0.5", *demo_sets(env)], log) as proc:
            out = wait_for(log, "kiosk cannot start (E-CONFIG)", proc, count=3)  # it keeps trying
            assert "out of service, trying again in 0.5 s" in out
            assert "device printer: online" not in out
            config.write_text((ROOT / "config" / "default.toml").read_text(encoding="utf-8"), encoding="utf-8")
            out = wait_for(log, "kiosk started after being out of service (E-CONFIG)", proc)
            wait_for(log, "device printer: online", proc)
            assert stop(proc) == 0
        out = log.read_text(errors="replace")
        assert "Traceback" not in out
        assert (tmp_path / "kiosk" / "logs" / "kiosk.log").exists()  # the file log once the config loads


def test_production_run_without_credentials_is_out_of_service_and_stops_on_sigterm(tmp_path):
    log = tmp_path / "run.log"
    with kiosk_run(["--production", "--retry-every", "0.5", "--set", f"data_dir={tmp_path / 'kiosk'}"], log) as proc:
        out = wait_for(log, "kiosk cannot start (E-START): kiosk cannot start: no kiosk credentials", proc, count=2)
        assert stop(proc) == 0
    assert "Traceback" not in log.read_text(errors="replace")


def test_production_run_with_a_required_device_missing_serves_out_of_service(tmp_path):
    with DemoEnvironment(tmp_path) as env:
        log = tmp_path / "run.log"
        missing = ["--set", "devices.idcard.url=ga467:///dev/kiosk-no-such-reader?timeout=1"]
        with kiosk_run(["--production", *demo_sets(env), *missing], log) as proc:
            wait_for(log, "device printer: online", proc)
            out = wait_for(log, "device idcard: ", proc)
            assert "device idcard: online" not in out
            time.sleep(2)  # and it stays up
            assert proc.poll() is None
            # Not stop(): a stop while the face worker still loads its models waits for them
            # (kiosk/identity/worker.py close), longer than stop()'s 15 s on a busy machine.
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=90) == 0
        out = log.read_text(errors="replace")
        assert "Traceback" not in out and "kiosk cannot start" not in out
