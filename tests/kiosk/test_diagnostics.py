"""The technicians' mode without widgets: PIN lockout, snapshot, self-test, emulator control."""

from __future__ import annotations

import logging

import pytest

from kiosk.config import DiagnosticsConfig
from kiosk.core import KioskCore
from kiosk.demo_env import DemoEnvironment
from kiosk.diagnostics import Diagnostics, PinLock, hash_pin
from kiosk.pin import CHEAPEST

PIN = "2468"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_pin_is_checked_and_repeated_failures_lock_it():
    clock = Clock()
    lock = PinLock(DiagnosticsConfig(pin_hash=hash_pin(PIN, **CHEAPEST), lockout_failures=3, lockout_s=60),
                   clock=clock)
    assert lock.check(PIN)
    assert not lock.check("1111") and not lock.check("2222")
    assert lock.locked_for() == 0
    assert not lock.check("3333")  # the third wrong PIN locks it
    assert lock.locked_for() == 60
    assert not lock.check(PIN)  # even the right PIN, while locked
    clock.now += 61
    assert lock.check(PIN)


def test_without_a_configured_pin_diagnostics_cannot_be_entered():
    lock = PinLock(DiagnosticsConfig())
    assert not lock.enabled
    assert not lock.check("0000")


def test_a_pin_must_be_digits():
    with pytest.raises(ValueError):
        hash_pin("abcd")


@pytest.fixture
def kiosk(tmp_path):
    overrides = {"diagnostics.pin_hash": hash_pin(PIN, **CHEAPEST), "speech.enabled": False}
    with DemoEnvironment(tmp_path, overrides=overrides) as env:
        core = KioskCore(env.config).start(ticker=False)
        diagnostics = Diagnostics(core, emulators={"idcard": env.idcard, "printer": env.printer})
        try:
            yield env, core, diagnostics
        finally:
            diagnostics.close()
            core.stop()


def test_snapshot_shows_devices_queue_and_sync(kiosk):
    _env, _core, diagnostics = kiosk
    snapshot = diagnostics.snapshot()
    assert {"idcard", "printer"} <= set(snapshot["devices"])
    assert snapshot["devices"]["printer"]["state"] == "online"
    assert "pending" in snapshot["queue"] and "online" in snapshot["sync"]
    assert snapshot["emulated"] == ["idcard", "printer"]


def test_a_fault_injected_from_diagnostics_shows_in_self_test_events_and_log(kiosk, caplog):
    caplog.set_level(logging.INFO)  # the kiosk process logs at INFO (kiosk/logs.py)
    _env, _core, diagnostics = kiosk
    answer = diagnostics.control("printer", {"op": "fault", "kind": "paper_out"})
    assert answer["ok"], answer
    result = diagnostics.self_test("printer")
    assert result["state"] == "failed"
    assert result["details"]["status"]["detail"]["paper"] == "out"
    assert "paper_out" in [event["kind"] for event in diagnostics.snapshot()["events"]]
    assert diagnostics.control("printer", {"op": "clear_fault"})["ok"]
    assert diagnostics.self_test("printer")["state"] == "passed"
    assert any("self-test of printer" in line for line in diagnostics.log_lines())


def test_emulator_control_refuses_real_hardware_and_unknown_ops(kiosk):
    _env, _core, diagnostics = kiosk
    assert not diagnostics.control("camera", {"op": "status"})["ok"]
    answer = diagnostics.control("idcard", {"op": "explode"})
    assert not answer["ok"] and "unknown op" in answer["error"]
    with pytest.raises(ValueError):
        diagnostics.self_test("nonexistent")


def test_log_lines_are_masked(kiosk):
    _env, _core, diagnostics = kiosk
    logging.getLogger("kiosk.test").warning("card 110101198503121239 read")
    line = diagnostics.log_lines(1)[0]
    assert "110101198503121239" not in line and "1101" in line


def test_emulator_control_is_on_the_audit_trail(kiosk):
    _env, core, diagnostics = kiosk
    diagnostics.control("printer", {"op": "fault", "kind": "paper_out"})
    diagnostics.control("printer", {"op": "clear_fault"})
    diagnostics.control("camera", {"op": "fault", "kind": "black"})  # real hardware here: nothing sent
    assert [(e["action"], e["outcome"], e["detail"]) for e in core.audit.entries()] == [
        ("emulator_control", "done", {"device": "printer", "op": "fault", "kind": "paper_out"}),
        ("emulator_control", "done", {"device": "printer", "op": "clear_fault"}),
        ("emulator_control", "failed", {"device": "camera", "op": "fault", "kind": "black"}),
    ]
