"""`kiosk run` as a real process against a DemoEnvironment, as systemd starts it: its output in
a log file, stopped by the test (SIGTERM) or killed at the end whatever happened."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path


def kiosk_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "kiosk.cli", *args]


def demo_sets(env) -> list[str]:
    """`--set` arguments for the demo environment's devices and central."""
    config = env.config
    sets = [f"data_dir={config.data_dir}", f"devices.idcard.url={config.devices['idcard'].url}",
            f"devices.printer.url={config.devices['printer'].url}", f"central.url={config.central.url}",
            "central.enrol_if_missing=true"]
    return [a for s in sets for a in ("--set", s)]


@contextlib.contextmanager
def kiosk_run(args: list[str], log: Path, extra_env: dict[str, str] | None = None):
    with kiosk_process(["run", *args], log, extra_env=extra_env) as proc:
        yield proc


@contextlib.contextmanager
def kiosk_process(args: list[str], log: Path, *, cwd: Path | None = None, extra_env: dict[str, str] | None = None):
    """`kiosk ARGS…` offscreen, its output in `log`; killed at the end if still running."""
    with open(log, "w") as out:
        proc = subprocess.Popen(kiosk_command(*args), stdout=out, stderr=subprocess.STDOUT, cwd=cwd,
                                env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **(extra_env or {})})
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def stop(proc: subprocess.Popen) -> int:
    """SIGTERM, as systemd stops the unit; the exit status."""
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=15)
