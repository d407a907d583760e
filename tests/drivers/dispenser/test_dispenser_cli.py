"""`kiosk device dispenser …` and `kiosk emulate dispenser …` as real subprocesses."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from drivers.base import DeviceState, NotPresent
from drivers.emulation.control import send_control
from drivers.registry import open_device

KIOSK = str(Path(sys.executable).with_name("kiosk"))


def assert_clean_failure(result: subprocess.CompletedProcess, started: float, expected: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and expected in lines[0] and "Traceback" not in result.stderr
    assert time.monotonic() - started < 10


def url_of(endpoint, extra: str = "") -> str:
    return f"crt591://{endpoint.device}?timeout=1{extra}"


def test_status_prints_the_device_status(endpoint, kiosk_cli):
    result = kiosk_cli("device", "dispenser", "status", "--url", url_of(endpoint))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["device_class"] == "dispenser" and data["state"] == "online"
    assert data["detail"]["card"] == "none" and data["detail"]["slots"] == ["ok", "empty"]


def test_dispense_presents_one_card_and_retract_bins_it(endpoint, emulator, kiosk_cli):
    result = kiosk_cli("device", "dispenser", "dispense", "--url", url_of(endpoint))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"slot": 0, "card": "mouth"}
    card = emulator.describe()["channel"]
    assert card["at"] == "mouth"
    result = kiosk_cli("device", "dispenser", "retract", "--url", url_of(endpoint))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"retracted": True}
    assert emulator.describe()["bin"] == [card["card"]]
    result = kiosk_cli("device", "dispenser", "retract", "--url", url_of(endpoint))
    assert json.loads(result.stdout) == {"retracted": False}


def test_dispense_can_wait_for_the_citizen(endpoint, emulator, kiosk_cli):
    def take_when_presented():
        deadline = time.monotonic() + 8
        while not emulator.take() and time.monotonic() < deadline:
            time.sleep(0.05)

    taker = threading.Thread(target=take_when_presented)
    taker.start()
    result = kiosk_cli("device", "dispenser", "dispense", "--url", url_of(endpoint), "--wait", "5")
    taker.join()
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"slot": 0, "card": "none", "taken": True}
    assert len(emulator.describe()["taken"]) == 1


@pytest.mark.parametrize(("fault", "args", "expected"), [
    ("jam", ("dispense",), "jam: to read position: card jammed in the channel (E10)"),
    ("empty", ("dispense",), "slot_empty: to read position: card slot empty (EA0)"),
    ("no_answer", ("dispense",), "timeout: to read position: no answer from the card dispenser within 1 s"),
    ("garbage", ("dispense",), "protocol_error: to read position: garbled answer 3 time(s)"),
    ("unplugged", ("dispense",), "not_present: cannot open card dispenser"),
    ("bin_full", ("status",), "hardware_error: reject bin full"),
    ("no_answer", ("status",), "no_device: status: no answer"),
])
def test_failures_are_one_line(endpoint, emulator, kiosk_cli, fault, args, expected):
    emulator.set_fault(fault)
    deadline = time.monotonic() + 5
    while fault == "unplugged" and os.path.lexists(endpoint.device) and time.monotonic() < deadline:
        time.sleep(0.05)
    started = time.monotonic()
    result = kiosk_cli("device", "dispenser", *args, "--url", url_of(endpoint))
    assert_clean_failure(result, started, expected)
    assert emulator.describe()["taken"] == []


def test_dispense_with_the_bin_full_still_presents_but_retract_fails(endpoint, emulator, kiosk_cli):
    emulator.set_fault("bin_full")
    started = time.monotonic()
    assert kiosk_cli("device", "dispenser", "dispense", "--url", url_of(endpoint)).returncode == 0
    result = kiosk_cli("device", "dispenser", "retract", "--url", url_of(endpoint))
    assert_clean_failure(result, started, "bin_full: retract: reject bin full (EA1)")
    assert emulator.describe()["channel"]["at"] == "mouth"


@pytest.mark.parametrize(("args", "expected"), [
    (("status", "--url", "crt591:///dev/nonexistent-dispenser"), "no_device: cannot open card dispenser"),
    (("dispense", "--url", "crt591:///dev/nonexistent-dispenser"), "not_present: cannot open card dispenser"),
    (("dispense", "--url", "crt591:///dev/ttyUSB2?speed=9600"), "unknown option 'speed'"),
    (("dispense", "--url", "crt591:///dev/ttyUSB2", "--slot", "300"), "Invalid value for '--slot'"),
])
def test_bad_input_fails_cleanly(kiosk_cli, args, expected):
    started = time.monotonic()
    result = kiosk_cli("device", "dispenser", *args)
    assert result.returncode != 0 and expected in result.stderr and "Traceback" not in result.stderr
    assert time.monotonic() - started < 10


class EmulatorProcess:
    """`kiosk emulate dispenser …` running in the background; reads its one JSON line."""

    def __init__(self, *args: str):
        self.process = subprocess.Popen([KIOSK, "emulate", "dispenser", *args], stdout=subprocess.PIPE,
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


def test_emulate_serves_a_dispenser_the_driver_can_use(emulator_process, kiosk_cli, tmp_path):
    link = tmp_path / "ttyDISPENSER"
    emulated = emulator_process("--pty", "--cards", "2", "--pace", "--link", str(link))
    assert emulated.info["url"] == f"crt591://{link}?baudrate=9600&address=0"
    result = kiosk_cli("device", "dispenser", "dispense", "--url", emulated.info["url"])
    assert result.returncode == 0, result.stderr
    state = emulated.send({"op": "take"})
    assert state["took"] is True and state["taken"] == ["card-1"]
    dispenser = open_device(emulated.info["url"] + "&timeout=1")
    try:
        assert emulated.send({"op": "load", "count": 3})["loaded"] == ["card-3", "card-4", "card-5"]
        dispenser.to_read_position()
        assert emulated.send({"op": "fault", "kind": "not_taken"})["faults"] == {"not_taken": "sticky"}
        dispenser.present()
        assert emulated.send({"op": "take"})["took"] is False
        assert dispenser.wait_taken(0.3) is False
        assert dispenser.retract() is True
        assert emulated.send({"op": "fault", "kind": "unplugged"})["faults"]["unplugged"] == "sticky"
        with pytest.raises(NotPresent):
            for _ in range(50):
                dispenser.card_position()
                time.sleep(0.05)
        emulated.send({"op": "clear_fault"})
        deadline = time.monotonic() + 3
        while dispenser.status().state is not DeviceState.ONLINE and time.monotonic() < deadline:
            time.sleep(0.05)
        assert dispenser.card_position() == "none"
        answer = emulated.send({"op": "teleport"})
        assert answer["ok"] is False and "unknown op 'teleport'" in answer["error"]
        answer = emulated.send({"op": "load", "slot": 4})
        assert answer["ok"] is False and "no slot 4" in answer["error"]
        state = emulated.send({"op": "status"})
        assert state["taken"] == ["card-1"] and state["bin"] == ["card-2"]
    finally:
        dispenser.close()
    assert emulated.stop() == 0
    assert not os.path.lexists(link)


def test_emulate_starts_with_a_fault(emulator_process):
    emulated = emulator_process("--pty", "--fault", "jam")
    assert emulated.send({"op": "status"})["faults"] == {"jam": "sticky"}


@pytest.mark.parametrize(("args", "expected"), [
    ((), "choose a transport: --pty"),
    (("--pty", "--fault", "fire"), "Invalid value for '--fault'"),
    (("--pty", "--cards", "-1"), "Invalid value for '--cards'"),
])
def test_emulate_refuses_bad_options(kiosk_cli, args, expected):
    result = kiosk_cli("emulate", "dispenser", *args)
    assert result.returncode != 0 and expected in result.stderr and "Traceback" not in result.stderr
