"""`kiosk device idcard …` and `kiosk emulate idcard …` as real subprocesses."""

import json
import os
import signal
import subprocess
import threading
import time

import pytest

from drivers.emulation.control import send_control
from drivers.idcard.demo_cards import demo_card_names, load_demo_card
from drivers.idcard.ga467 import Ga467Reader
from drivers.registry import open_device


def assert_clean_failure(result: subprocess.CompletedProcess, started: float, expected: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0] and "Traceback" not in result.stderr
    assert time.monotonic() - started < 10


def test_read_prints_the_card_as_json(endpoint, card, run_kiosk):
    result = run_kiosk("device", "idcard", "read", "--url", f"ga467://{endpoint.device}?baudrate=115200")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data == {**card.to_json(), "photo_bytes": 1024, "fingerprint_bytes": 0}


def test_status_prints_the_device_status(endpoint, run_kiosk):
    result = run_kiosk("device", "idcard", "status", "--url", f"ga467://{endpoint.device}")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["state"] == "online"


@pytest.mark.parametrize(
    ("setup", "query", "expected"),
    [
        ({"op": "remove_card"}, "", "no_media: 请放置身份证 / no card"),
        ({"op": "fault", "kind": "no_answer"}, "?timeout=1", "timeout: find card: no answer within 1 s"),
        ({"op": "fault", "kind": "sam_failure"}, "", "hardware_fault: find card: SAM self-test failed"),
        ({"op": "fault", "kind": "truncated"}, "?timeout=1", "protocol_error: find card: truncated answer"),
        ({"op": "fault", "kind": "unplugged"}, "", "not_present: "),
    ],
)
def test_read_failures_are_one_line(endpoint, emulator, run_kiosk, setup, query, expected):
    emulator.handle_control(setup)
    time.sleep(0.1)  # let an unplug take effect
    started = time.monotonic()
    result = run_kiosk("device", "idcard", "read", "--url", f"ga467://{endpoint.device}{query}")
    assert_clean_failure(result, started, expected)
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("ga467:///dev/nonexistent-reader", "not_present: cannot open ID card reader at /dev/nonexistent-reader"),
        ("ga467:///dev/ttyUSB0?speed=9600", "unknown option 'speed'"),
        ("nosuch:///dev/ttyUSB0", "unknown device scheme 'nosuch'"),
    ],
)
def test_bad_urls_fail_cleanly(run_kiosk, url, expected):
    started = time.monotonic()
    assert_clean_failure(run_kiosk("device", "idcard", "read", "--url", url), started, expected)


def test_status_of_a_missing_reader_fails_cleanly(run_kiosk):
    started = time.monotonic()
    result = run_kiosk("device", "idcard", "status", "--url", "ga467:///dev/nonexistent-reader")
    assert_clean_failure(result, started, "error: no_device: cannot open ID card reader")
    assert json.loads(result.stdout)["state"] == "no_device"


class EmulatorProcess:
    """`kiosk emulate idcard --pty …` running in the background; reads its one JSON line."""

    def __init__(self, kiosk: str, *args: str):
        self.process = subprocess.Popen(
            [kiosk, "emulate", "idcard", "--pty", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.process.stdout.readline()))
        reader.start()
        reader.join(10)
        assert line and line[0], self.stop_and_get_stderr()
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

    def stop_and_get_stderr(self) -> str:
        self.process.kill()
        self.process.wait(5)
        return self.process.stderr.read()


@pytest.fixture
def emulator_process(run_kiosk):
    started = []

    def start(*args: str) -> EmulatorProcess:
        started.append(EmulatorProcess(run_kiosk.kiosk, *args))
        return started[-1]

    yield start
    for each in started:
        if each.process.poll() is None:
            each.stop()


def test_emulate_serves_a_reader_the_driver_can_read(emulator_process):
    emulated = emulator_process("--pace")
    device = emulated.info["device"]
    assert device.startswith("/dev/pts/") and emulated.info["url"] == f"ga467://{device}?baudrate=115200"
    first = load_demo_card(demo_card_names()[0])
    reader = open_device(emulated.info["url"] + "&timeout=2")
    try:
        assert reader.read_card().to_json() == first.to_json()
        zhang = load_demo_card("zhang-wei")
        assert emulated.send({"op": "load_card", "card": zhang.to_json()})["ok"]
        assert reader.read_card().to_json() == zhang.to_json()
        assert emulated.send({"op": "remove_card"})["card"] is None
        with pytest.raises(Exception, match="no card"):
            reader.read_card()
        answer = emulated.send({"op": "teleport"})
        assert answer["ok"] is False and "unknown op 'teleport'" in answer["error"]
    finally:
        reader.close()
    assert emulated.stop() == 0
    assert not os.path.exists(device)


def test_emulate_options(emulator_process, tmp_path, card):
    card_file = tmp_path / "card.json"
    card_file.write_text(json.dumps(card.to_json(), ensure_ascii=False), encoding="utf-8")
    link = tmp_path / "ttyIDCARD"
    emulated = emulator_process("--card", str(card_file), "--fault", "sam_failure", "--link", str(link))
    assert emulated.info["device"] == str(link)
    status = emulated.send({"op": "status"})
    assert status["card"] == card.masked_id and status["faults"] == {"sam_failure": "sticky"}
    reader = Ga467Reader(str(link), timeout=1)
    try:
        assert reader.status().state.value == "hardware_error"
        emulated.send({"op": "clear_fault"})
        assert reader.read_card().to_json() == card.to_json()
    finally:
        reader.close()
    emulated.stop()
    assert not os.path.lexists(link)


def test_emulate_starts_empty_or_with_a_named_demo_card(emulator_process):
    assert emulator_process("--empty").send({"op": "status"})["card"] is None
    li_na = load_demo_card("li-na")
    assert emulator_process("--card", "li-na").send({"op": "status"})["card"] == li_na.masked_id


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), "choose a transport: --pty"),
        (("--pty", "--card", "nobody"), "no demo card 'nobody'"),
    ],
)
def test_emulate_refuses_bad_options_cleanly(run_kiosk, args, expected):
    started = time.monotonic()
    assert_clean_failure(run_kiosk("emulate", "idcard", *args), started, expected)
