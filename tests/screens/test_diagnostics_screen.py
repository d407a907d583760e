"""The technicians' mode on the real window: corner taps, PIN, status, a fault injected into the
printer emulator and seen by a self-test, exit. Real core, real emulators, offscreen widgets."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QImage

from kiosk.core import KioskCore
from kiosk.demo_env import DemoEnvironment
from kiosk.diagnostics import Diagnostics, hash_pin
from kiosk.pin import CHEAPEST
from screens.app import make_window
from screens.diagnostics import TAPS_TO_OPEN, attach_diagnostics
from screens.remote_capture import attach_remote_capture
from support.kiosk_core import until

PIN = "2468"


@contextlib.contextmanager
def diagnostics_kiosk(tmp_path, qtbot, cost=CHEAPEST, **settings):
    """The demo's kiosk in its window with the diagnostics overlay; `settings`: more config."""
    overrides = {"diagnostics.pin_hash": hash_pin(PIN, **cost), "speech.enabled": False,
                 "diagnostics.export_dir": str(tmp_path / "usb"), **settings}
    with DemoEnvironment(tmp_path, overrides=overrides) as env:
        core = KioskCore(env.config).start(ticker=False)
        window = make_window(core.session, size=(1080, 1920))
        qtbot.addWidget(window)
        diagnostics = Diagnostics(core, emulators={"idcard": env.idcard, "printer": env.printer})
        overlay = attach_diagnostics(window, diagnostics)
        try:
            yield env, window, overlay, core
        finally:
            overlay.close_mode()
            diagnostics.close()
            window.shutdown()
            core.stop()


@pytest.fixture
def kiosk(tmp_path, qtbot, request):
    # the cheapest accepted hash, unless a test asks
    with diagnostics_kiosk(tmp_path, qtbot, getattr(request, "param", CHEAPEST)) as started:
        yield started


def tap_corner(qtbot, window, times=TAPS_TO_OPEN):
    for _ in range(times):
        qtbot.mouseClick(window, Qt.LeftButton, pos=QPoint(20, 20))


def enter_pin(qtbot, overlay, pin):
    for digit in pin:
        qtbot.mouseClick(overlay.pin_pad.buttons[digit], Qt.LeftButton)
    qtbot.mouseClick(overlay.pin_pad.buttons["OK"], Qt.LeftButton)
    qtbot.waitUntil(lambda: not overlay.checking, timeout=10_000)


def test_corner_taps_and_pin_open_diagnostics_and_a_fault_shows_up(qtbot, kiosk):
    _env, window, overlay, _core = kiosk
    tap_corner(qtbot, window, TAPS_TO_OPEN - 1)
    assert not overlay.isVisible()  # four taps are not enough
    tap_corner(qtbot, window, 1)
    assert overlay.isVisible() and overlay.pin_pad.isVisible() and not overlay.panel.isVisible()

    enter_pin(qtbot, overlay, "1357")
    assert not overlay.panel.isVisible()
    assert "wrong PIN" in overlay.pin_pad.message.text()
    enter_pin(qtbot, overlay, PIN)
    assert overlay.panel.isVisible()
    assert overlay.pin_pad.digits.text() == ""
    qtbot.waitUntil(lambda: {"idcard", "printer"} <= set(overlay.panel.device_rows), timeout=10_000)
    qtbot.waitUntil(lambda: "printer: online" in overlay.panel.device_rows["printer"].text(), timeout=10_000)

    fault, clear = overlay.panel.fault_buttons["printer"]
    qtbot.mouseClick(fault, Qt.LeftButton)
    qtbot.waitUntil(lambda: "printer fault" in overlay.panel.output.toPlainText()
                    and '"ok": true' in overlay.panel.output.toPlainText(), timeout=10_000)
    qtbot.wait(3_500)  # the running log refreshes every 3 s; an action's result stays to be read
    assert overlay.panel.output.toPlainText().startswith("printer fault\n")
    overlay.panel.show_log()
    assert not overlay.panel.output.toPlainText().startswith("printer fault\n")
    qtbot.mouseClick(overlay.panel.test_buttons["printer"], Qt.LeftButton)
    qtbot.waitUntil(lambda: "hardware_error" in overlay.panel.output.toPlainText(), timeout=15_000)
    qtbot.waitUntil(lambda: "printer: hardware_error" in overlay.panel.device_rows["printer"].text(),
                    timeout=10_000)
    qtbot.waitUntil(lambda: "self-test failed" in overlay.panel.device_rows["printer"].text(), timeout=10_000)

    qtbot.mouseClick(clear, Qt.LeftButton)
    qtbot.mouseClick(overlay.panel.test_buttons["printer"], Qt.LeftButton)
    qtbot.waitUntil(lambda: '"state": "online"' in overlay.panel.output.toPlainText(), timeout=15_000)
    qtbot.waitUntil(lambda: "self-test passed" in overlay.panel.device_rows["printer"].text()
                    and "test receipt printed" in overlay.panel.device_rows["printer"].text(), timeout=10_000)

    overlay.close_mode()
    assert not overlay.isVisible() and overlay.panel.output.toPlainText() == ""


@pytest.mark.parametrize("kiosk", [{}], indirect=True, ids=["kiosk-cost"])  # the cost `pin-hash` uses
def test_the_panel_fits_the_portrait_screen_and_cuts_no_label(qtbot, kiosk):
    """Every device's block, however many: the panel scrolls rather than growing past the
    window, and each button is as wide as its label needs."""
    _env, window, overlay, _core = kiosk
    tap_corner(qtbot, window)
    enter_pin(qtbot, overlay, PIN)
    panel = overlay.panel
    qtbot.waitUntil(lambda: {"idcard", "printer"} <= set(panel.device_rows), timeout=10_000)
    qtbot.wait(200)  # the layout settles
    assert panel.geometry().bottom() <= window.height()
    buttons = [*panel.action_buttons.values(), *panel.test_buttons.values(), *panel.reconnect_buttons.values(),
               *(b for pair in panel.fault_buttons.values() for b in pair)]
    cut = [b.text() for b in buttons if b.width() < b.fontMetrics().horizontalAdvance(b.text())]
    assert cut == []
    panel.show_device("printer")
    overlay.close_mode()


def test_the_pin_is_checked_off_the_gui_thread(qtbot, kiosk):
    _env, window, overlay, _core = kiosk
    tap_corner(qtbot, window)
    for digit in PIN:
        qtbot.mouseClick(overlay.pin_pad.buttons[digit], Qt.LeftButton)
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(10)
    qtbot.mouseClick(overlay.pin_pad.buttons["OK"], Qt.LeftButton)
    # the click returned before the hash was checked: the pad says so and the panel is not open yet
    assert overlay.checking and "checking" in overlay.pin_pad.message.text()
    assert not overlay.panel.isVisible()
    qtbot.mouseClick(overlay.pin_pad.buttons["OK"], Qt.LeftButton)  # a second OK starts no second check
    qtbot.waitUntil(lambda: overlay.panel.isVisible(), timeout=10_000)
    timer.stop()
    assert len(ticks) >= 3  # the event loop kept running while argon2id worked


def test_without_a_pin_configured_the_taps_open_nothing(qtbot, tmp_path):
    with DemoEnvironment(tmp_path, overrides={"speech.enabled": False}) as env:
        core = KioskCore(env.config).start(ticker=False)
        window = make_window(core.session, size=(1080, 1920))
        qtbot.addWidget(window)
        diagnostics = Diagnostics(core)
        overlay = attach_diagnostics(window, diagnostics)
        try:
            tap_corner(qtbot, window)
            assert not overlay.isVisible()
        finally:
            diagnostics.close()
            window.shutdown()
            core.stop()


def test_the_technician_fixes_a_dead_letter_and_takes_the_kiosk_out_of_service_from_the_screen(qtbot, kiosk):
    _env, window, overlay, core = kiosk
    Path(core.config.diagnostics.export_dir).mkdir()  # the USB stick, mounted
    core.outbox.enqueue("visit", "broken-1", {"applicant": {"id_number": "123", "name": "x"}})
    core.sync.wake()
    qtbot.waitUntil(lambda: core.outbox.dead_letters() != [], timeout=10_000)
    tap_corner(qtbot, window)
    enter_pin(qtbot, overlay, PIN)
    qtbot.waitUntil(lambda: "broken-1" in overlay.panel.dead_buttons, timeout=10_000)
    _retry, discard = overlay.panel.dead_buttons["broken-1"]
    qtbot.mouseClick(discard, Qt.LeftButton)
    qtbot.waitUntil(lambda: core.outbox.stats()["discarded"] == 1, timeout=10_000)
    qtbot.waitUntil(lambda: overlay.panel.dead_buttons == {}, timeout=10_000)

    qtbot.mouseClick(overlay.panel.action_buttons["service_off"], Qt.LeftButton)
    qtbot.waitUntil(lambda: window.view.state == "out_of_service", timeout=10_000)
    page = window.pages["out_of_service"]
    assert "Under maintenance" in page.notice.text() and page.reason.text()
    qtbot.mouseClick(overlay.panel.action_buttons["service_on"], Qt.LeftButton)
    qtbot.waitUntil(lambda: window.view.state == "attract", timeout=10_000)
    qtbot.mouseClick(overlay.panel.action_buttons["export"], Qt.LeftButton)
    qtbot.waitUntil(lambda: '"bytes"' in overlay.panel.output.toPlainText(), timeout=10_000)
    assert list(Path(core.config.diagnostics.export_dir).glob("kiosk-*.tar.gz"))
    overlay.close_mode()
    actions = [(e["action"], e["outcome"]) for e in core.audit.entries()]
    assert actions == [("enter", "done"), ("dead_letter_discard", "done"), ("service_off", "done"),
                       ("service_on", "done"), ("export", "done"), ("exit", "done")]


def at_central(env, key: str) -> str | None:
    """The kind of the record central stored under `key`, or None."""
    from sqlalchemy import select

    from central.db import create_engine_for, records

    engine = create_engine_for(env.central.database_url, create=False)
    try:
        with engine.connect() as conn:
            return conn.execute(select(records.c.kind).where(records.c.idempotency_key == key)).scalar()
    finally:
        engine.dispose()


def a_rating(core, key: str) -> None:
    """A record central takes, queued as a visit's rating is, without waking the sync worker:
    after its first pass it looks again only every 30 s (offline_queue/sync.py IDLE_INTERVAL_S)."""
    until(lambda: core.sync.state.online, what="the sync worker's first pass")
    core.outbox.enqueue("rating", key, {"visit_id": key, "service": "no_criminal_record", "score": 4})


def test_sync_now_on_the_screen_delivers_a_queued_record_to_central(qtbot, kiosk):
    env, window, overlay, core = kiosk
    tap_corner(qtbot, window)
    enter_pin(qtbot, overlay, PIN)
    a_rating(core, "rating-sync-now")
    qtbot.wait(1_000)
    assert at_central(env, "rating-sync-now") is None and core.outbox.stats()["pending"] >= 1  # waiting
    qtbot.mouseClick(overlay.panel.action_buttons["sync"], Qt.LeftButton)
    qtbot.waitUntil(lambda: at_central(env, "rating-sync-now") == "rating", timeout=5_000)
    qtbot.waitUntil(lambda: '"online": true' in overlay.panel.output.toPlainText(), timeout=5_000)
    assert [e["action"] for e in core.audit.entries()] == ["enter", "sync"]


def test_retry_on_the_screen_gets_a_dead_letter_delivered(qtbot, kiosk):
    env, window, overlay, core = kiosk
    a_rating(core, "rating-dead")
    # Dead as the sync worker leaves a record central refused; the cause is fixed at central now.
    core.outbox.mark_dead("rating-dead", "422 central could not take it then")
    tap_corner(qtbot, window)
    enter_pin(qtbot, overlay, PIN)
    qtbot.waitUntil(lambda: "rating-dead" in overlay.panel.dead_buttons, timeout=10_000)
    retry, _discard = overlay.panel.dead_buttons["rating-dead"]
    qtbot.mouseClick(retry, Qt.LeftButton)
    qtbot.waitUntil(lambda: at_central(env, "rating-dead") == "rating", timeout=10_000)
    qtbot.waitUntil(lambda: core.outbox.dead_letters() == [] and overlay.panel.dead_buttons == {}, timeout=10_000)
    assert core.outbox.stats()["dead"] == 0
    retried = core.audit.entries()[-1]
    assert (retried["action"], retried["outcome"], retried["detail"]) == ("dead_letter_retry", "done",
                                                                          {"key": "rating-dead"})


def test_the_mode_is_not_entered_during_a_visit(qtbot, kiosk):
    _env, window, overlay, core = kiosk
    core.session.touch()
    tap_corner(qtbot, window)
    enter_pin(qtbot, overlay, PIN)
    assert not overlay.panel.isVisible() and "visit is in progress" in overlay.pin_pad.message.text()
    assert core.audit.entries()[-1]["detail"]["reason"] == "visit_in_progress"
    assert core.audit.entries()[-1]["detail"]["account"] == "technician"  # the site PIN's, the only account


IDLE_EXIT_S = 15  # the shortest idle_exit_s the configuration takes


def test_a_forgotten_mode_closes_itself_after_the_configured_idle_time_and_says_so(qtbot, tmp_path):
    """diagnostics.idle_exit_s as configured: a touch keeps the mode open, and it closes that long
    after the last one."""
    settings = {"diagnostics.idle_exit_s": IDLE_EXIT_S}
    with diagnostics_kiosk(tmp_path, qtbot, **settings) as (_env, window, overlay, core):
        tap_corner(qtbot, window)
        enter_pin(qtbot, overlay, PIN)
        assert overlay.panel.isVisible()
        qtbot.wait((IDLE_EXIT_S - 5) * 1000)
        qtbot.mouseClick(overlay.panel.summary, Qt.LeftButton)  # a touch, IDLE_EXIT_S - 5 s after the PIN
        touched = time.monotonic()
        qtbot.wait(8_000)  # past IDLE_EXIT_S since the PIN, not since the touch
        assert overlay.panel.isVisible()
        qtbot.waitUntil(lambda: not overlay.isVisible(), timeout=(IDLE_EXIT_S + 2) * 1000)
        assert IDLE_EXIT_S - 1 <= time.monotonic() - touched <= IDLE_EXIT_S + 2
        last = core.audit.entries()[-1]
        assert last["action"] == "exit" and last["detail"] == {"reason": "idle"}


# ---- named accounts: pick, then PIN; each account's lockout, then the entry's -----------------
TECHNICIANS = [{"id": "T-07", "name": "王工", "pin_hash": hash_pin("1357", **CHEAPEST)},
               {"id": "T-09", "name": "李工", "pin_hash": hash_pin("9753", **CHEAPEST)}]


def accounts_kiosk(tmp_path, qtbot, technicians, data_dir=None, **settings):
    """A kiosk on the demo's emulators whose operator config holds `technicians`, a site PIN too,
    two wrong PINs locking an account and three across accounts the entry; `settings`: more config."""
    from kiosk.config import KioskConfig
    from kiosk.operator_config import overlay

    overrides = {"diagnostics.pin_hash": hash_pin(PIN, **CHEAPEST), "speech.enabled": False,
                 "diagnostics.lockout_failures": 2, "diagnostics.lockout_s": 60,
                 "diagnostics.entry_lockout_failures": 3, "diagnostics.entry_lockout_s": 600, **settings}
    env = DemoEnvironment(tmp_path, overrides=overrides).start()
    local = env.config.model_dump(mode="json")
    if data_dir is not None:
        local["data_dir"] = str(data_dir)
    config = KioskConfig.model_validate(overlay(local, {"technicians": technicians}))
    core = KioskCore(config).start(ticker=False)
    window = make_window(core.session, size=(1080, 1920))
    qtbot.addWidget(window)
    diagnostics = Diagnostics(core)
    overlay_widget = attach_diagnostics(window, diagnostics)

    def stop():
        overlay_widget.close_mode()
        diagnostics.close()
        window.shutdown()
        core.stop()
        env.stop()

    window.diagnostics = diagnostics
    return window, overlay_widget, core, stop


def pick(qtbot, overlay, account):
    qtbot.mouseClick(overlay.accounts.buttons[account], Qt.LeftButton)
    assert overlay.pin_pad.isVisible() and not overlay.accounts.isVisible()


def enter_as(qtbot, window, overlay, account, pin):
    """Corner taps, the account, its PIN: the panel opens."""
    tap_corner(qtbot, window)
    pick(qtbot, overlay, account)
    enter_pin(qtbot, overlay, pin)
    assert overlay.panel.isVisible()


def test_a_technician_picks_their_account_and_enters_with_its_pin(qtbot, tmp_path):
    window, overlay, core, stop = accounts_kiosk(tmp_path, qtbot, TECHNICIANS)
    try:
        tap_corner(qtbot, window)
        assert overlay.accounts.isVisible() and not overlay.pin_pad.isVisible()
        assert [b.text() for b in overlay.accounts.buttons.values()] == ["王工", "李工", "现场 PIN / Site PIN"]
        pick(qtbot, overlay, "technician:T-07")
        assert overlay.pin_pad.who.text() == "王工"
        enter_pin(qtbot, overlay, "9753")  # 李工's PIN is not 王工's
        assert not overlay.panel.isVisible() and "wrong PIN" in overlay.pin_pad.message.text()
        enter_pin(qtbot, overlay, "1357")
        assert overlay.panel.isVisible()
        overlay.close_mode()
        entries = [(e["actor"], e["action"], e["outcome"], e["detail"].get("account")) for e in core.audit.entries()]
        assert entries == [("technician:T-07", "enter", "refused", "technician:T-07"),  # their own refusal
                           ("technician:T-07", "enter", "done", None), ("technician:T-07", "exit", "done", None)]
        assert not any("1357" in json.dumps(e) or "9753" in json.dumps(e) for e in core.audit.entries())
    finally:
        stop()


def test_wrong_pins_lock_the_account_then_the_entry(qtbot, tmp_path):
    window, overlay, core, stop = accounts_kiosk(tmp_path, qtbot, TECHNICIANS)
    try:
        tap_corner(qtbot, window)
        pick(qtbot, overlay, "technician:T-07")
        enter_pin(qtbot, overlay, "0000")
        enter_pin(qtbot, overlay, "0001")
        assert "account locked: 60 s" in overlay.pin_pad.message.text()
        enter_pin(qtbot, overlay, "1357")  # the right PIN, on a locked account
        assert not overlay.panel.isVisible() and "account locked" in overlay.pin_pad.message.text()
        overlay.close_mode()

        tap_corner(qtbot, window)
        pick(qtbot, overlay, "technician:T-09")  # another account is not locked ...
        enter_pin(qtbot, overlay, "0002")  # ... but a third wrong PIN across accounts locks the entry
        assert "entry locked: 600 s" in overlay.pin_pad.message.text()
        enter_pin(qtbot, overlay, "9753")
        assert not overlay.panel.isVisible() and "entry locked" in overlay.pin_pad.message.text()
        overlay.close_mode()
        tap_corner(qtbot, window)
        assert "entry locked" in overlay.accounts.message.text()
        pick(qtbot, overlay, "technician")
        enter_pin(qtbot, overlay, PIN)
        assert not overlay.panel.isVisible() and "entry locked" in overlay.pin_pad.message.text()

        refusals = [(e["detail"]["account"], e["detail"]["reason"], e["detail"].get("locked"))
                    for e in core.audit.entries() if e["outcome"] == "refused"]
        assert refusals == [("technician:T-07", "wrong_pin", None), ("technician:T-07", "wrong_pin", "account"),
                            ("technician:T-07", "account_locked", None), ("technician:T-09", "wrong_pin", "entry"),
                            ("technician:T-09", "entry_locked", None), ("technician", "entry_locked", None)]
    finally:
        stop()


def test_a_technician_removed_from_the_operator_config_can_no_longer_enter(qtbot, tmp_path):
    data_dir = tmp_path / "kiosk-data"
    window, overlay, core, stop = accounts_kiosk(tmp_path / "before", qtbot, TECHNICIANS, data_dir)
    try:
        enter_as(qtbot, window, overlay, "technician:T-07", "1357")
    finally:
        stop()
    # the next operator config leaves 王工 out: the kiosk restarts on it (kiosk/config_updates/)
    window, overlay, core, stop = accounts_kiosk(tmp_path / "after", qtbot, TECHNICIANS[1:], data_dir)
    try:
        tap_corner(qtbot, window)
        assert list(overlay.accounts.buttons) == ["technician:T-09", "technician"]
        overlay.close_mode()
        refused = window.diagnostics.enter("technician:T-07", "1357")  # from a list shown before the change
        assert not refused and refused.reason == "unknown_account"
        last = core.audit.entries()[-1]
        assert (last["actor"], last["outcome"], last["detail"]["account"], last["detail"]["reason"]) == (
            "technician", "refused", "technician:T-07", "unknown_account")  # no account now: generic
        enter_as(qtbot, window, overlay, "technician:T-09", "9753")
    finally:
        stop()


def test_the_overview_shows_counts_since_the_visit_and_since_start_and_the_machine(qtbot, kiosk):
    from drivers.printer.receipt import Receipt

    env, window, overlay, core = kiosk

    def print_one():
        with core.devices.in_use("printer") as printer:
            printer.print_receipt(Receipt().line("counter").cut())

    print_one()  # before the technician came
    tap_corner(qtbot, window)
    enter_pin(qtbot, overlay, PIN)
    qtbot.waitUntil(lambda: "printer" in overlay.panel.device_rows, timeout=10_000)
    qtbot.waitUntil(lambda: "printed 0 (1)" in overlay.panel.device_rows["printer"].text(), timeout=10_000)
    print_one()
    qtbot.waitUntil(lambda: "printed 1 (2)" in overlay.panel.device_rows["printer"].text(), timeout=10_000)
    summary = overlay.panel.summary.text()
    assert "central: reachable" in summary and "memory" in summary and "MiB free" in summary
    assert f"config {core.config_version}" in summary


def test_the_account_list_left_open_closes_itself_and_a_named_technicians_idle_exit_is_theirs(qtbot, tmp_path):
    window, overlay, core, stop = accounts_kiosk(tmp_path, qtbot, TECHNICIANS,
                                                 **{"diagnostics.idle_exit_s": IDLE_EXIT_S})
    try:
        tap_corner(qtbot, window)
        assert overlay.accounts.isVisible()
        qtbot.wait((IDLE_EXIT_S - 2) * 1000)
        assert overlay.accounts.isVisible()
        qtbot.waitUntil(lambda: not overlay.isVisible(), timeout=5_000)  # idle_exit_s as configured
        assert core.audit.entries() == []  # nobody entered: nothing to close
        enter_as(qtbot, window, overlay, "technician:T-09", "9753")
        qtbot.waitUntil(lambda: not overlay.isVisible(), timeout=(IDLE_EXIT_S + 3) * 1000)
        last = core.audit.entries()[-1]
        assert (last["actor"], last["action"], last["detail"]) == ("technician:T-09", "exit", {"reason": "idle"})
    finally:
        stop()


def test_the_camera_self_test_shows_its_last_frame_with_the_face_box_until_the_mode_closes(qtbot, kiosk):
    _env, window, overlay, core = kiosk
    panel = overlay.panel
    tap_corner(qtbot, window)
    enter_pin(qtbot, overlay, PIN)
    qtbot.waitUntil(lambda: "camera" in panel.test_buttons, timeout=10_000)
    assert not panel.camera_picture.isVisible()
    qtbot.mouseClick(panel.test_buttons["camera"], Qt.LeftButton)
    qtbot.waitUntil(lambda: panel.camera_picture.isVisible(), timeout=60_000)
    result = core.self_tests.results()["camera"]
    pixmap = panel.camera_picture.pixmap()
    assert 0 < pixmap.width() <= 360 and pixmap.width() < result["details"]["width"]  # downscaled
    assert panel.camera_picture.toolTip() == f"{result['details']['fps']:g} frames/s"  # a face was found
    left, top, right, bottom = (round(v * pixmap.width() / result["details"]["width"])
                                for v in result["details"]["face"]["box"])
    image = pixmap.toImage()
    assert image.pixelColor(left, (top + bottom) // 2).name() == "#00c853"  # the box is drawn on the face
    assert image.pixelColor(right, (top + bottom) // 2).name() == "#00c853"
    assert core.self_tests.store.path.stat().st_size < 10_000  # the kept results (and bundle) hold no picture
    on_face = panel.camera_picture.mapTo(window, QPoint(left, (top + bottom) // 2))
    screenshot = QImage.fromData(attach_remote_capture(window, core.remote)(lambda: True))
    assert screenshot.pixelColor(on_face).name() != "#00c853"  # support's screenshot leaves the picture out
    assert panel.camera_picture.isVisible()

    overlay.close_mode()
    assert panel.camera_picture.pixmap().isNull() and not panel.camera_picture.isVisible()
    tap_corner(qtbot, window)
    enter_pin(qtbot, overlay, PIN)
    qtbot.wait(300)
    assert not panel.camera_picture.isVisible()  # the next technician does not see it either
