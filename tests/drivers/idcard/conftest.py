"""Fixtures for the ID card reader: a real emulator on a real pty, and the real driver on it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from drivers.emulation.pty import PtyEndpoint
from drivers.idcard.demo_cards import load_demo_card
from drivers.idcard.emulator import Ga467Emulator
from drivers.idcard.ga467 import Ga467Reader
from drivers.idcard.model import IdCard

KIOSK = str(Path(sys.executable).with_name("kiosk"))
TIMEOUT = 0.5  # the reader's command timeout in these tests


@pytest.fixture
def card() -> IdCard:
    return load_demo_card("zhang-wei")


@pytest.fixture
def emulator(card) -> Ga467Emulator:
    return Ga467Emulator(card)


@pytest.fixture
def endpoint(emulator, tmp_path):
    """The emulator on a pty, reachable through a stable link (it survives unplug/replug)."""
    pty = PtyEndpoint(emulator, link=str(tmp_path / "ttyIDCARD")).start()
    yield pty
    pty.stop()


@pytest.fixture
def reader(endpoint):
    device = Ga467Reader(endpoint.device, timeout=TIMEOUT, retries=2)
    device.open()
    yield device
    device.close()


@pytest.fixture
def run_kiosk():
    """Run the installed `kiosk` command as a real subprocess."""

    def run(*args: str, timeout: float = 15) -> subprocess.CompletedProcess:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        return subprocess.run([KIOSK, *args], capture_output=True, text=True, timeout=timeout, env=env)

    run.kiosk = KIOSK
    return run
