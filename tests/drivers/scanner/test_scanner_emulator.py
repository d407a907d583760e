"""The emulator on its own: scans become frames, faults bend them, control ops."""

import time

import pytest

from drivers.emulation.control import ControlError, dispatch
from drivers.scanner.emulator import GARBAGE, ScannerEmulator


def test_a_scan_is_one_framed_code():
    emulator = ScannerEmulator(terminator="crlf", prefix="]Q1", suffix="#")
    woken = []
    emulator.set_output_listener(lambda: woken.append(1))
    emulator.scan("回执")
    assert woken == [1]
    assert emulator.take_output() == "]Q1回执#\r\n".encode()
    assert emulator.take_output() == b""  # handed out once
    assert emulator.feed(b"\x16T\r") == b""  # presentation mode: commands get no answer


def test_faults_bend_scans():
    emulator = ScannerEmulator()
    emulator.set_fault("no_read", times=1)
    emulator.scan("A")
    assert emulator.take_output() == b""
    emulator.set_fault("garbage", times=1)
    emulator.scan("B")
    assert emulator.take_output() == GARBAGE + b"\r"
    emulator.set_fault("slow", times=1, delay=0.2)
    emulator.scan("C")
    assert emulator.take_output() == b""
    time.sleep(0.25)
    assert emulator.take_output() == b"C\r"
    emulator.scan("D")
    assert emulator.take_output() == b"D\r"
    counters = emulator.describe()["counters"]
    assert (counters["scans"], counters["not read"], counters["garbage"], counters["frames sent"]) == (4, 1, 1, 3)


def test_unplugged_loses_what_was_queued_and_what_is_scanned():
    emulator = ScannerEmulator()
    emulator.scan("QUEUED")
    emulator.set_fault("unplugged", times=1)
    assert emulator.unplugged
    emulator.scan("WHILE-UNPLUGGED")
    assert emulator.take_output() == b""
    assert emulator.describe()["faults"] == {"unplugged": "sticky"}
    emulator.clear_fault("unplugged")
    assert not emulator.unplugged and emulator.take_output() == b""


def test_control_ops():
    emulator = ScannerEmulator()
    assert dispatch(emulator, {"op": "scan", "code": "X1"})["queued"] == 1
    assert dispatch(emulator, {"op": "fault", "kind": "slow", "delay": 3})["delay"] == 3
    assert dispatch(emulator, {"op": "clear_fault", "kind": "slow"})["faults"] == {}
    status = dispatch(emulator, {"op": "status"})
    assert status["ok"] and status["device_class"] == "scanner" and "X1" not in str(status)
    for command, error in [({"op": "scan", "code": 5}, "scan needs a code"),
                           ({"op": "scan", "code": "a\nb"}, "cannot scan that code"),
                           ({"op": "fault", "kind": "fire"}, "unknown fault 'fire'"),
                           ({"op": "fault", "kind": "slow", "delay": -1}, "delay must be"),
                           ({"op": "dance"}, "unknown op 'dance'")]:
        answer = dispatch(emulator, command)
        assert answer["ok"] is False and error in answer["error"]


def test_a_bad_configuration_is_refused():
    with pytest.raises(ValueError, match="terminator must be one of"):
        ScannerEmulator(terminator="tab")
    with pytest.raises(ControlError, match="cannot scan that code"):
        ScannerEmulator(encoding="ascii").scan("回执")
