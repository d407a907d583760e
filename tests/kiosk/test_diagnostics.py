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
    assert lock.check("technician", PIN)
    assert not lock.check("technician", "1111") and not lock.check("technician", "2222")
    assert lock.locked_for("technician") == 0
    assert not lock.check("technician", "3333")  # the third wrong PIN locks it
    assert lock.locked_for("technician") == 60
    assert not lock.check("technician", PIN)  # even the right PIN, while locked
    clock.now += 61
    assert lock.check("technician", PIN)


def test_without_a_configured_pin_diagnostics_cannot_be_entered():
    lock = PinLock(DiagnosticsConfig())
    assert not lock.enabled
    assert not lock.check("technician", "0000")


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


# ---- the overview ----------------------------------------------------------------------------
def a_card_read_and_a_receipt_printed(env, core):
    """What a visit asks of the devices, through the same monitor the services borrow them from."""
    from drivers.printer.receipt import Receipt

    env.place_card()
    with core.devices.in_use("idcard") as reader:
        reader.read_card().wipe()
    env.lift_card()
    with core.devices.in_use("printer") as printer:
        printer.print_receipt(Receipt().title("测试 test").line("counter").cut())
    env.printer.wait_for_job(timeout=10)


def counts(snapshot, device, since):
    return snapshot["devices"][device][since]


def test_the_overview_counts_what_the_devices_did_and_a_technician_visit_restarts_its_counts(kiosk):
    env, core, diagnostics = kiosk
    a_card_read_and_a_receipt_printed(env, core)
    snapshot = diagnostics.snapshot()
    assert counts(snapshot, "idcard", "since_start")["cards_read"] == 1
    assert counts(snapshot, "printer", "since_start")["pages_printed"] == 1
    assert counts(snapshot, "printer", "since_visit") == {"cards_read": 0, "pages_printed": 1,
                                                          "cards_dispensed": 0, "failures": 0}
    assert snapshot["last_technician_visit_at"] is None

    assert diagnostics.enter("technician", PIN)
    snapshot = diagnostics.snapshot()
    assert counts(snapshot, "printer", "since_visit")["pages_printed"] == 0  # since this visit
    assert counts(snapshot, "printer", "since_start")["pages_printed"] == 1  # since the start, still
    assert snapshot["last_technician_visit_at"] is not None
    diagnostics.exit()
    a_card_read_and_a_receipt_printed(env, core)
    snapshot = diagnostics.snapshot()
    assert counts(snapshot, "idcard", "since_visit")["cards_read"] == 1
    assert counts(snapshot, "idcard", "since_start")["cards_read"] == 2


def test_no_card_on_the_reader_is_no_failure_but_a_device_fault_is_and_is_its_last_error(kiosk):
    from drivers.base import DeviceError, NoMedia
    from drivers.printer.receipt import Receipt

    env, core, diagnostics = kiosk
    env.lift_card()
    with pytest.raises(NoMedia), core.devices.in_use("idcard") as reader:
        reader.read_card()  # the citizen has not placed it yet
    assert counts(diagnostics.snapshot(), "idcard", "since_start")["failures"] == 0
    assert diagnostics.control("printer", {"op": "fault", "kind": "paper_out"})["ok"]
    with pytest.raises(DeviceError), core.devices.in_use("printer") as printer:
        printer.print_receipt(Receipt().line("x").cut())
    printer_now = diagnostics.snapshot()["devices"]["printer"]
    assert printer_now["since_start"]["failures"] == 1 and printer_now["since_start"]["pages_printed"] == 0
    assert printer_now["last_error"]["kind"] == "hardware_fault" and "paper" in printer_now["last_error"]["message"]


def test_the_counts_since_the_last_visit_survive_a_restart(tmp_path):
    overrides = {"diagnostics.pin_hash": hash_pin(PIN, **CHEAPEST), "speech.enabled": False}
    with DemoEnvironment(tmp_path, overrides=overrides) as env:
        for run in (1, 2):
            core = KioskCore(env.config).start(ticker=False)
            diagnostics = Diagnostics(core)
            try:
                if run == 1:
                    assert diagnostics.enter("technician", PIN)
                    visit_at = diagnostics.snapshot()["last_technician_visit_at"]
                    diagnostics.exit()
                    a_card_read_and_a_receipt_printed(env, core)
                else:
                    snapshot = diagnostics.snapshot()
                    assert counts(snapshot, "printer", "since_start")["pages_printed"] == 0  # a new start
                    assert counts(snapshot, "printer", "since_visit")["pages_printed"] == 1
                    assert counts(snapshot, "idcard", "since_visit")["cards_read"] == 1
                    assert snapshot["last_technician_visit_at"] == visit_at
            finally:
                diagnostics.close()
                core.stop()


def test_the_overview_shows_network_queue_config_app_and_machine(kiosk):
    env, core, diagnostics = kiosk
    core.outbox.enqueue("visit", "broken-1", {"applicant": {"id_number": "123", "name": "x"}})
    core.sync.wake()
    from support.kiosk_core import until

    until(lambda: core.outbox.dead_letters(), what="central's refusal")
    snapshot = diagnostics.snapshot()
    assert snapshot["network"]["central_reachable"] is True
    assert isinstance(snapshot["network"]["default_route"], bool)
    assert snapshot["dead_letters"][0]["key"] == "broken-1" and snapshot["dead_letters"][0]["reason"]
    assert snapshot["queue"]["dead"] == 1 and "oldest_pending_age_s" in snapshot["queue"]
    assert snapshot["config_version"] == core.config_version
    app = snapshot["app"]
    assert app["version"] and app["uptime_s"] >= 0
    assert 10_000_000 < app["memory_rss_bytes"] < 8_000_000_000  # this very Python process
    assert 0 < app["disk"]["free_bytes"] <= app["disk"]["total_bytes"]
    for name, device in snapshot["devices"].items():
        assert {"state", "last_error", "since_start", "since_visit", "model", "firmware"} <= set(device), name
    # the receipt printer answers GS I with what it is; the ID-card reader's protocol has no such question
    assert (snapshot["devices"]["printer"]["model"], snapshot["devices"]["printer"]["firmware"]) == (
        "ESC/POS emulator", "emulator-1")
    assert snapshot["devices"]["idcard"]["model"] is None
    env.central.stop()  # central goes away: the overview says so within a few pings
    until(lambda: diagnostics.snapshot()["network"]["central_reachable"] is False, timeout=20,
          what="central unreachable")


def test_the_overview_shows_the_operator_config_run_and_the_last_one_refused_with_why(tmp_path):
    from kiosk.config_updates import ConfigUpdates

    overrides = {"diagnostics.pin_hash": hash_pin(PIN, **CHEAPEST), "speech.enabled": False,
                 "updates.group": "district-a"}
    with DemoEnvironment(tmp_path, overrides=overrides) as env:
        updates = ConfigUpdates(env.config)
        updates.store.refused(7, "bad signature on targets.json")  # as the updater records a refusal
        core = KioskCore(env.config, config_updates=updates).start(ticker=False)
        diagnostics = Diagnostics(core)
        try:
            shown = diagnostics.snapshot()["operator_config"]
            assert shown["running"] == 0  # no operator config applied yet: the local file alone
            assert shown["rejected"]["version"] == 7 and shown["rejected"]["reason"] == "bad signature on targets.json"
        finally:
            diagnostics.close()
            core.stop()


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
