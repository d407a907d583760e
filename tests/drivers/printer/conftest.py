"""Fixtures for the receipt printer: the real TCP emulator on 127.0.0.1 and the real driver on it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from drivers.printer.emulator import EscposEmulator
from drivers.printer.escpos_printer import EscposPrinter
from drivers.printer.receipt import Receipt
from drivers.registry import open_device

KIOSK = str(Path(sys.executable).with_name("kiosk"))
STATUS_TIMEOUT = 0.3  # the driver's status deadline in these tests


@pytest.fixture
def emulator():
    with EscposEmulator(port=0) as emu:
        yield emu


@pytest.fixture
def printer(emulator) -> EscposPrinter:
    device = open_device(f"{emulator.url}?timeout=2&status_timeout={STATUS_TIMEOUT}")
    yield device
    device.close()


@pytest.fixture
def receipt() -> Receipt:
    return (
        Receipt()
        .title("无犯罪记录证明")
        .line("受理回执", bold=True, align="center")
        .rule()
        .field("受理编号", "WF-2026-000123")
        .field("办理时间", "2026-11-23 10:15")
        .line("Please keep this receipt.")
        .qr("https://ga.example.gov.cn/q?no=WF-2026-000123")
        .feed(2)
        .cut()
    )


@pytest.fixture
def run_kiosk():
    """Run the installed `kiosk` command as a real subprocess."""

    def run(*args: str, timeout: float = 15) -> subprocess.CompletedProcess:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        return subprocess.run([KIOSK, *args], capture_output=True, text=True, timeout=timeout, env=env)

    return run


@pytest.fixture
def emulator_process():
    """`kiosk emulate printer` as its own process; yields (url, control port, process)."""
    process = subprocess.Popen(
        [KIOSK, "emulate", "printer", "--port", "0", "--control-port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        first = json.loads(process.stdout.readline())
        yield first["url"], int(first["control"].rsplit(":", 1)[1]), process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()
