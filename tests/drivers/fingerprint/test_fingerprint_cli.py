"""`kiosk device fingerprint …` and `kiosk emulate fingerprint …` as real subprocesses."""

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from drivers.emulation.control import send_control
from drivers.fingerprint import demo_fingers
from drivers.registry import open_device

KIOSK = str(Path(sys.executable).with_name("kiosk"))


def assert_clean_failure(result: subprocess.CompletedProcess, started: float, expected: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and expected in lines[0] and "Traceback" not in result.stderr
    assert time.monotonic() - started < 10


def test_capture_prints_size_and_hash_and_writes_only_when_asked(endpoint, kiosk_cli, tmp_path):
    url = f"as608://{endpoint.device}?baudrate=57600"
    result = kiosk_cli("device", "fingerprint", "capture", "--url", url)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["template_bytes"] == 512 and len(data["sha256"]) == 12 and data["out"] is None
    out = tmp_path / "finger.tpl"
    result = kiosk_cli("device", "fingerprint", "capture", "--url", url, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert demo_fingers.identify(out.read_bytes()) == "zhang-wei-right-index"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_match_compares_a_live_finger_with_a_file(endpoint, emulator, kiosk_cli, tmp_path):
    template = tmp_path / "enrolled.tpl"
    template.write_bytes(demo_fingers.press("zhang-wei-right-index", 500))
    args = ("device", "fingerprint", "match", "--url", f"as608://{endpoint.device}", "--template", str(template))
    result = kiosk_cli(*args)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["matched"] is True and answer["score"] >= demo_fingers.MATCH_THRESHOLD
    emulator.place_finger("li-na-right-index")
    result = kiosk_cli(*args)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"matched": False, "score": 0, "template": None}


def test_match_takes_the_fingers_recorded_at_application(endpoint, emulator, kiosk_cli, tmp_path):
    """Two templates as central hands them out: one press of the left index matches the second."""
    files = []
    for name in ("zhang-wei-right-index", "zhang-wei-left-index"):
        files += ["--template", str(tmp_path / f"{name}.tpl")]
        (tmp_path / f"{name}.tpl").write_bytes(demo_fingers.press(name, demo_fingers.APPLICATION_PRESS))
    emulator.place_finger("zhang-wei-left-index")
    result = kiosk_cli("device", "fingerprint", "match", "--url", f"as608://{endpoint.device}", *files)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["matched"] is True and answer["template"] == 1
    emulator.place_finger("li-na-right-thumb")
    result = kiosk_cli("device", "fingerprint", "match", "--url", f"as608://{endpoint.device}", *files)
    assert json.loads(result.stdout) == {"matched": False, "score": 0, "template": None}


def test_status_prints_the_device_status(endpoint, kiosk_cli):
    result = kiosk_cli("device", "fingerprint", "status", "--url", f"as608://{endpoint.device}")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["state"] == "online" and data["detail"]["capacity"] == 300


@pytest.mark.parametrize(
    ("setup", "args", "expected"),
    [
        ({"op": "lift_finger"}, ("--timeout", "1"), "no_media: 请按手指 / no finger on the sensor within 1 s"),
        ({"op": "fault", "kind": "wet_finger"}, (), "user_error: Img2Tz: image too messy"),
        ({"op": "fault", "kind": "no_answer"}, (), "timeout: VerifyPassword: no answer within 1 s"),
        ({"op": "fault", "kind": "truncated"}, (), "protocol_error: VerifyPassword: truncated answer"),
        ({"op": "fault", "kind": "wrong_address"}, (), "protocol_error: VerifyPassword: packet for module address"),
        ({"op": "fault", "kind": "unplugged"}, (), "not_present: "),
    ],
)
def test_capture_failures_are_one_line(endpoint, emulator, kiosk_cli, setup, args, expected):
    emulator.handle_control(setup)
    deadline = time.monotonic() + 5
    while setup.get("kind") == "unplugged" and os.path.exists(endpoint.device) and time.monotonic() < deadline:
        time.sleep(0.05)  # let the unplug take effect
    started = time.monotonic()
    result = kiosk_cli("device", "fingerprint", "capture", "--url", f"as608://{endpoint.device}?timeout=1", *args)
    assert_clean_failure(result, started, expected)
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("status", "--url", "as608:///dev/nonexistent-finger"), "no_device: cannot open fingerprint module"),
        (("capture", "--url", "as608:///dev/nonexistent-finger"), "not_present: cannot open fingerprint module"),
        (("capture", "--url", "as608:///dev/ttyS1?speed=9600"), "unknown option 'speed'"),
        (("match", "--url", "as608:///dev/ttyS1", "--template", "/nonexistent/finger.tpl"), "No such file"),
    ],
)
def test_bad_input_fails_cleanly(kiosk_cli, args, expected):
    started = time.monotonic()
    assert_clean_failure(kiosk_cli("device", "fingerprint", *args), started, expected)


def test_a_template_of_the_wrong_size_is_refused(endpoint, kiosk_cli, tmp_path):
    bad = tmp_path / "short.tpl"
    bad.write_bytes(b"not a template")
    started = time.monotonic()
    result = kiosk_cli("device", "fingerprint", "match", "--url", f"as608://{endpoint.device}", "--template", str(bad))
    assert_clean_failure(result, started, "a template is 512 bytes, got 14")


class EmulatorProcess:
    """`kiosk emulate fingerprint …` running in the background; reads its one JSON line."""

    def __init__(self, *args: str):
        self.process = subprocess.Popen([KIOSK, "emulate", "fingerprint", *args], stdout=subprocess.PIPE,
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


def test_emulate_serves_a_module_the_driver_can_use(emulator_process, tmp_path):
    link = tmp_path / "ttyFINGER"
    emulated = emulator_process("--finger", "li-na-right-index", "--pace", "--link", str(link))
    assert emulated.info["device"] == str(link)
    assert emulated.info["url"] == f"as608://{link}?baudrate=57600"
    reader = open_device(emulated.info["url"] + "&timeout=2")
    try:
        template = reader.capture(timeout_s=2)
        assert demo_fingers.identify(template) == "li-na-right-index"
        assert emulated.send({"op": "place_finger", "finger": "wang-fang-right-index"})["ok"]
        assert reader.verify(template, timeout_s=2).matched is False
        assert emulated.send({"op": "enroll", "finger": "wang-fang-right-index", "page": 3})["templates"] == 1
        assert reader.search(timeout_s=2).page == 3
        assert emulated.send({"op": "list"})["pages"] == {"3": "wang-fang-right-index"}
        answer = emulated.send({"op": "teleport"})
        assert answer["ok"] is False and "unknown op 'teleport'" in answer["error"]
    finally:
        reader.close()
    assert emulated.stop() == 0
    assert not os.path.lexists(link)


def test_emulate_starts_with_a_fault(emulator_process):
    emulated = emulator_process("--fault", "dry_finger")
    status = emulated.send({"op": "status"})
    assert status["finger"] is None and status["faults"] == {"dry_finger": "sticky"}


@pytest.mark.parametrize(
    ("args", "expected"),
    [(("--finger", "nobody"), "Invalid value for '--finger'"), (("--fault", "fire"), "Invalid value for '--fault'")],
)
def test_emulate_refuses_bad_options(kiosk_cli, args, expected):
    result = kiosk_cli("emulate", "fingerprint", *args)
    assert result.returncode != 0 and expected in result.stderr and "Traceback" not in result.stderr


def test_capture_to_an_unwritable_path_fails_before_reading(endpoint, emulator, kiosk_cli, tmp_path):
    started = time.monotonic()
    out = tmp_path / "missing-dir" / "finger.tpl"
    result = kiosk_cli("device", "fingerprint", "capture", "--url", f"as608://{endpoint.device}", "--out", str(out))
    assert_clean_failure(result, started, "No such file or directory")
    assert emulator.counters["GenImg"] == 0


def test_a_failed_capture_keeps_the_existing_file(endpoint, emulator, kiosk_cli, tmp_path):
    (tmp_path / "templates").mkdir()
    out = tmp_path / "templates" / "finger.tpl"
    out.write_bytes(b"the template captured yesterday")
    emulator.lift_finger()
    started = time.monotonic()
    result = kiosk_cli("device", "fingerprint", "capture", "--url", f"as608://{endpoint.device}",
                       "--out", str(out), "--timeout", "0.5")
    assert_clean_failure(result, started, "no_media")
    assert out.read_bytes() == b"the template captured yesterday" and os.listdir(out.parent) == ["finger.tpl"]
