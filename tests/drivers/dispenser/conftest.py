"""Fixtures for the card dispenser: the emulator on a real pty, and the real driver on it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from drivers.dispenser.crt591 import Crt591Dispenser
from drivers.dispenser.emulator import DispenserEmulator
from drivers.emulation.pty import PtyEndpoint

KIOSK = str(Path(sys.executable).with_name("kiosk"))


@pytest.fixture
def emulator() -> DispenserEmulator:
    return DispenserEmulator(slots=2, cards=5)


@pytest.fixture
def endpoint(emulator, tmp_path):
    """The emulator on a pty, reachable through a stable link (it survives unplug/replug)."""
    pty = PtyEndpoint(emulator, link=str(tmp_path / "ttyDISPENSER")).start()
    yield pty
    pty.stop()


@pytest.fixture
def dispenser(endpoint):
    device = Crt591Dispenser(endpoint.device, timeout=0.5)
    device.open()
    yield device
    device.close()


@pytest.fixture
def kiosk_cli():
    """Run the installed `kiosk` command as a real subprocess."""

    def run(*args: str, timeout: float = 15) -> subprocess.CompletedProcess:
        return subprocess.run([KIOSK, *args], capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})

    return run
