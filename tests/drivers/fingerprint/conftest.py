"""Fixtures for the fingerprint module: the emulator on a real pty, and the real driver on it."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from drivers.emulation.pty import PtyEndpoint
from drivers.fingerprint.as608 import As608Reader
from drivers.fingerprint.emulator import As608Emulator

TIMEOUT = 0.5  # the module's command timeout in these tests
FINGER = "zhang-wei-right-index"


@pytest.fixture
def emulator() -> As608Emulator:
    return As608Emulator(FINGER)


@pytest.fixture
def endpoint(emulator, tmp_path):
    """The emulator on a pty, reachable through a stable link (it survives unplug/replug)."""
    pty = PtyEndpoint(emulator, link=str(tmp_path / "ttyFINGER")).start()
    yield pty
    pty.stop()


@pytest.fixture
def reader(endpoint):
    device = As608Reader(endpoint.device, timeout=TIMEOUT, retries=2)
    device.open()
    yield device
    device.close()


@pytest.fixture
def repress(emulator):
    """An `on_lift` for enroll: the citizen lifts the finger and presses it again a moment later."""
    timers = []

    def on_lift(finger: str = FINGER):
        emulator.lift_finger()
        timers.append(threading.Timer(0.3, emulator.place_finger, [finger]))
        timers[-1].start()

    yield on_lift
    for timer in timers:
        timer.cancel()
        timer.join()


@pytest.fixture
def kiosk_cli():
    """Run the installed `kiosk` command as a real subprocess."""

    def run(*args: str, timeout: float = 15) -> subprocess.CompletedProcess:
        kiosk = str(Path(sys.executable).with_name("kiosk"))
        return subprocess.run([kiosk, *args], capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})

    return run
