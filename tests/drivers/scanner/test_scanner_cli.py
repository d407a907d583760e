"""`kiosk device scanner …` and `kiosk emulate scanner …` as real subprocesses."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from drivers.base import DeviceState, NotPresent, ProtocolError
from drivers.emulation.control import send_control
from drivers.registry import open_device

KIOSK = str(Path(sys.executable).with_name("kiosk"))
RECEIPT = "RCPT-20261202-000123"


def assert_clean_failure(result: subprocess.CompletedProcess, started: float, expected: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and expected in lines[0] and "Traceback" not in result.stderr
    assert time.monotonic() - started < 10


@contextlib.contextmanager
def held_in_view(emulator, code: str, every: float = 0.2):
    """The citizen holds `code` in front of the scanner until the block ends: the command gets it
    however long it takes to start (codes sent before it opens the port are dropped)."""
    stop = threading.Event()

    def hold():
        emulator.scan(code)
        while not stop.wait(every):
            emulator.scan(code)

    holding = threading.Thread(target=hold)
    holding.start()
    try:
        yield
    finally:
        stop.set()
        holding.join()


def test_read_prints_a_code_scanned_after_it_started(endpoint, emulator, kiosk_cli):
    emulator.scan("BEFORE-THE-COMMAND")  # on the line before: dropped when the command opens the port
    deadline = time.monotonic() + 2
    while emulator.describe()["queued"] and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    with held_in_view(emulator, RECEIPT):
        result = kiosk_cli("device", "scanner", "read", "--url", f"scanner://{endpoint.device}", "--timeout", "8")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"code": RECEIPT, "characters": len(RECEIPT)}


def test_status_prints_the_device_status(endpoint, kiosk_cli):
    result = kiosk_cli("device", "scanner", "status", "--url", f"scanner://{endpoint.device}?terminator=crlf")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["device_class"] == "scanner" and data["state"] == "online"
    assert data["detail"]["terminator"] == "crlf"


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("no_read", "no_media: 请扫描二维码 / nothing scanned within 1.5 s"),
        ("garbage", "protocol_error: unreadable scan: 7 bytes with control characters"),
        ("unplugged", "not_present: cannot open barcode scanner"),
    ],
)
def test_read_failures_are_one_line(endpoint, emulator, kiosk_cli, fault, expected):
    if fault:
        emulator.set_fault(fault)
    deadline = time.monotonic() + 5
    while fault == "unplugged" and os.path.lexists(endpoint.device) and time.monotonic() < deadline:
        time.sleep(0.05)  # let the unplug take effect
    started = time.monotonic()
    with held_in_view(emulator, RECEIPT):  # every scan of it bent by the (sticky) fault
        result = kiosk_cli("device", "scanner", "read", "--url", f"scanner://{endpoint.device}", "--timeout", "1.5")
    assert_clean_failure(result, started, expected)
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("status", "--url", "scanner:///dev/nonexistent-scanner"), "no_device: cannot open barcode scanner"),
        (("read", "--url", "scanner:///dev/nonexistent-scanner"), "not_present: cannot open barcode scanner"),
        (("read", "--url", "scanner:///dev/ttyACM0?speed=9600"), "unknown option 'speed'"),
        (("read", "--url", "scanner:///dev/ttyACM0?terminator=tab"), "terminator must be one of"),
    ],
)
def test_bad_input_fails_cleanly(kiosk_cli, args, expected):
    started = time.monotonic()
    assert_clean_failure(kiosk_cli("device", "scanner", *args), started, expected)


class EmulatorProcess:
    """`kiosk emulate scanner …` running in the background; reads its one JSON line."""

    def __init__(self, *args: str):
        self.process = subprocess.Popen([KIOSK, "emulate", "scanner", *args], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        line: list[str] = []
        reading = threading.Thread(target=lambda: line.append(self.process.stdout.readline()))
        reading.start()
        reading.join(10)
        if not (line and line[0]):
            self.process.kill()
            self.process.wait(5)
            pytest.fail(f"emulator did not start: {self.process.stderr.read()}")
        self.info = json.loads(line[0])
        host, port = self.info["control"].split(":")
        self.control = (host, int(port))

    def send(self, command: dict) -> dict:
        return send_control(*self.control, command)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(5)
        finally:
            self.process.stdout.close()
            self.process.stderr.close()


@pytest.fixture
def emulator_process():
    started = []

    def start(*args: str) -> EmulatorProcess:
        started.append(EmulatorProcess(*args))
        return started[-1]

    yield start
    for each in started:
        if each.process.poll() is None:
            each.stop()


def test_emulate_serves_a_scanner_the_driver_can_use(emulator_process, tmp_path):
    link = tmp_path / "ttySCANNER"
    emulated = emulator_process("--pty", "--terminator", "crlf", "--prefix", "\x02", "--suffix", "\x03",
                                "--pace", "--link", str(link))
    assert emulated.info["device"] == str(link)
    assert emulated.info["url"] == f"scanner://{link}?baudrate=9600&terminator=crlf&prefix=%02&suffix=%03"
    scanner = open_device(emulated.info["url"])
    try:
        assert emulated.send({"op": "scan", "code": RECEIPT})["ok"]
        assert scanner.read_code(timeout_s=2) == RECEIPT
        assert emulated.send({"op": "fault", "kind": "garbage", "times": 1})["faults"] == {"garbage": 1}
        emulated.send({"op": "scan", "code": "X"})
        emulated.send({"op": "scan", "code": "AFTER-NOISE"})
        with pytest.raises(ProtocolError, match="unreadable scan"):
            scanner.read_code(timeout_s=2)
        assert scanner.read_code(timeout_s=2) == "AFTER-NOISE"
        answer = emulated.send({"op": "scan"})
        assert answer["ok"] is False and "scan needs a code" in answer["error"]
        answer = emulated.send({"op": "teleport"})
        assert answer["ok"] is False and "unknown op 'teleport'" in answer["error"]
        assert emulated.send({"op": "fault", "kind": "unplugged"})["faults"] == {"unplugged": "sticky"}
        with pytest.raises(NotPresent):
            scanner.read_code(timeout_s=2)
        assert emulated.send({"op": "clear_fault"})["faults"] == {}
        deadline = time.monotonic() + 3
        while scanner.status().state is not DeviceState.ONLINE and time.monotonic() < deadline:
            time.sleep(0.05)
        emulated.send({"op": "scan", "code": "BACK"})
        assert scanner.read_code(timeout_s=2) == "BACK"
    finally:
        scanner.close()
    assert emulated.stop() == 0
    assert not os.path.lexists(link)


def test_emulate_holds_a_code_in_view(emulator_process, kiosk_cli):
    emulated = emulator_process("--pty", "--code", RECEIPT, "--every", "0.2")
    scanner = open_device(emulated.info["url"])
    try:
        assert scanner.read_code(timeout_s=2) == RECEIPT
        scanner.discard_pending()
        assert scanner.read_code(timeout_s=2) == RECEIPT  # read again after the discard
    finally:
        scanner.close()
    result = kiosk_cli("device", "scanner", "read", "--url", emulated.info["url"], "--timeout", "3")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["code"] == RECEIPT


def test_emulate_starts_with_a_fault(emulator_process):
    emulated = emulator_process("--pty", "--fault", "no_read")
    assert emulated.send({"op": "status"})["faults"] == {"no_read": "sticky"}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), "choose a transport: --pty"),
        (("--pty", "--fault", "fire"), "Invalid value for '--fault'"),
        (("--pty", "--code", "X", "--every", "0"), "Invalid value for '--every'"),
        (("--pty", "--code", "a\rb"), "cannot scan that code"),
    ],
)
def test_emulate_refuses_bad_options(kiosk_cli, args, expected):
    result = kiosk_cli("emulate", "scanner", *args)
    assert result.returncode != 0 and expected in result.stderr and "Traceback" not in result.stderr
