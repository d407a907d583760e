"""A citizen visit through the real widgets, offscreen: the GA 467 driver over a pty to the reader
emulator, the OpenCV camera playing a cooperative citizen's video into the real face worker (dlib),
the AS608 driver over a pty to the fingerprint emulator, python-escpos over TCP to the printer
emulator, the real SQLite outbox, and a real central server on loopback. Only the session's clock
is ours, so timeouts take no real time."""

from __future__ import annotations

import time

import pytest
from PySide6.QtWidgets import QAbstractButton, QLabel

from central.server import EmbeddedCentral
from central.stats import fleet as central_fleet
from central.stats import stats as central_stats
from drivers.idcard.demo_cards import load_demo_card
from kiosk.demo_env import DemoEnvironment
from support.kiosk_ui import (VERIFY_MS, all_texts, central_visit_records, click, running_kiosk, start_visit,
                              verified, wait_delivered, wait_state)

CARD = "zhang-wei"
SERVICE = "no_criminal_record"


def through_to_confirm(qtbot, env, window, purpose="study_abroad"):
    start_visit(qtbot, window)
    env.place_card()
    verified(qtbot, env, window)
    qtbot.waitUntil(lambda: purpose in window.pages["choose"].choices.buttons)
    click(qtbot, window.pages["choose"].choices.buttons[purpose])
    wait_state(qtbot, window, "confirm")


def test_certificate_visit_end_to_end(qtbot, env, kiosk):
    core, window = kiosk
    card = load_demo_card(CARD)
    start_visit(qtbot, window)
    env.place_card()
    # The identity check: the camera's picture in the guide, and the challenges asked in turn.
    wait_state(qtbot, window, "verify")
    page = window.pages["verify"]
    qtbot.waitUntil(lambda: window.view.state != "verify" or page.camera.frame is not None, timeout=30_000)
    challenges = set()
    qtbot.waitUntil(lambda: (challenges.add(window.view.verify.challenge)
                             if window.view.state == "verify" and window.view.verify else None)
                    or window.view.state == "choose", timeout=VERIFY_MS)
    assert {"blink"} <= challenges and challenges & {"turn_left", "turn_right"}
    assert page.camera.frame is None  # the picture is dropped when the page is left
    click(qtbot, window.pages["choose"].choices.buttons["study_abroad"])
    wait_state(qtbot, window, "confirm")
    confirm_text = all_texts(window)
    assert card.masked_id in confirm_text and card.id_number not in confirm_text
    click(qtbot, window.pages["confirm"].ok)
    view = wait_state(qtbot, window, "rate", timeout=20_000)
    assert view.outcome == "issued" and view.receipt_printed is True

    job = env.printer.wait_for_job(timeout=5)
    assert card.masked_id in job.text
    assert card.id_number not in job.text
    assert "出国留学" in job.text and "无犯罪记录证明" in job.text
    assert job.cut and job.qr_codes and job.qr_codes[0].endswith(view.reference)

    click(qtbot, window.pages["rate"].ratings.buttons["5"])
    wait_state(qtbot, window, "done")
    click(qtbot, window.pages["done"].finish)
    wait_state(qtbot, window, "attract")
    assert card.id_number not in all_texts(window)

    assert wait_delivered(core, 2)  # the visit and its rating
    stats = central_stats(env.central.database_url)
    assert stats["completed_visits"] == 1
    [record] = central_visit_records(env)
    [identity] = record["identity"]  # the decision, a score, a time: nothing else of the face
    assert set(identity) == {"method", "decision", "score", "at"}
    assert identity["method"] == "face" and identity["decision"] == "match" and identity["score"] < 0.6

    # However often the outbox resends, central keeps one record.
    core.sync.sync_once()
    core.central.post_batch([{"key": view.visit_id, "kind": "visit", "created_at": time.time(),
                              "payload": {"outcome": "completed", "visit_id": view.visit_id}}])
    assert central_stats(env.central.database_url)["completed_visits"] == 1


def test_timeout_prompts_then_cancels_and_wipes(qtbot, env, kiosk, clock):
    core, window = kiosk
    card = load_demo_card(CARD)
    through_to_confirm(qtbot, env, window)
    assert card.masked_id in all_texts(window)

    clock.now += core.config.timeouts.default_s - core.config.timeouts.warning_s + 1
    core.session.tick()
    qtbot.waitUntil(lambda: window.prompt.isVisible())
    assert "需要更多时间吗" in window.prompt.question.text()
    assert "剩余" in window.countdown.text()

    click(qtbot, window.prompt.more)  # one more minute
    qtbot.waitUntil(lambda: not window.prompt.isVisible())
    assert window.view.state == "confirm"

    clock.now += core.config.timeouts.extend_s + 1  # walked away
    core.session.tick()
    wait_state(qtbot, window, "attract")
    texts = all_texts(window)
    assert card.masked_id not in texts and card.id_number not in texts and card.name not in texts
    assert core.session.visit is None


def test_cancel_returns_to_attract_and_wipes(qtbot, env, kiosk):
    core, window = kiosk
    through_to_confirm(qtbot, env, window)
    click(qtbot, window.cancel)
    wait_state(qtbot, window, "attract")
    assert load_demo_card(CARD).masked_id not in all_texts(window)
    assert env.printer.jobs == []


def test_english_toggle(qtbot, env, kiosk):
    core, window = kiosk
    wait_state(qtbot, window, "attract")
    click(qtbot, window.pages["attract"])
    wait_state(qtbot, window, "home")
    click(qtbot, window.language)
    qtbot.waitUntil(lambda: window.view.language == "en")
    # the home title is the sentence the voice says there: one English for both
    qtbot.waitUntil(lambda: window.pages["home"].title.text() == "Please choose a service")
    assert "No-Criminal-Record Certificate" in window.pages["home"].tiles.buttons[SERVICE].text()
    assert window.cancel.text() == "Cancel"
    click(qtbot, window.language)
    qtbot.waitUntil(lambda: window.pages["home"].title.text() == "请选择要办理的业务")


@pytest.mark.parametrize("fault, message", [
    ("bad_checksum", "card_read_failed"),
    ("truncated", "card_read_failed"),
    ("no_answer", "card_read_failed"),
    ("read_failed", "card_read_again"),  # the card was lifted mid-read
])
def test_bad_reads_guide_the_citizen_and_recover(qtbot, env, kiosk, fault, message):
    core, window = kiosk
    start_visit(qtbot, window)
    env.idcard.set_fault(fault)
    env.place_card()
    qtbot.waitUntil(lambda: window.view.message == message, timeout=15_000)
    assert window.pages["identify"].message.text()  # the citizen is told, in words
    env.idcard.clear_fault()
    env.idcard.remove_card()
    env.place_card()  # lifted and placed again
    verified(qtbot, env, window)


def test_garbage_before_a_frame_is_read_correctly(qtbot, env, kiosk):
    core, window = kiosk
    start_visit(qtbot, window)
    env.idcard.set_fault("garbage_prefix")
    env.place_card()
    wait_state(qtbot, window, "verify", timeout=15_000)


def test_central_down_accepts_offline_and_syncs_later(qtbot, env, kiosk):
    core, window = kiosk
    through_to_confirm(qtbot, env, window)
    port = int(env.central.url.rsplit(":", 1)[1])
    env.central.stop()
    click(qtbot, window.pages["confirm"].ok)
    view = wait_state(qtbot, window, "rate", timeout=30_000)
    assert view.outcome == "accepted_offline"
    job = env.printer.wait_for_job(timeout=5)
    assert "申请已受理" in job.text
    stats = core.outbox.stats()
    assert stats["pending"] + stats["in_flight"] == 1 and stats["delivered"] == 0, stats

    restarted = EmbeddedCentral(env.central.database_url, dev=True, port=port).start()
    try:
        assert wait_delivered(core, 1, timeout=20)
        assert central_stats(env.central.database_url)["completed_visits"] == 1
    finally:
        restarted.stop()


def test_live_service_says_plainly_when_central_is_down(qtbot, env, clock, face_worker):
    """A service that needs central's answer during the visit does not pretend to work offline."""
    env.config.service(SERVICE).central = "live"
    with running_kiosk(env, clock, qtbot, face_worker) as (core, window):
        through_to_confirm(qtbot, env, window)
        env.central.stop()
        click(qtbot, window.pages["confirm"].ok)
        view = wait_state(qtbot, window, "done", timeout=30_000)
        assert view.message == "central_unreachable"
        assert "暂时无法连接公安业务系统" in window.pages["done"].message.text()
        assert env.printer.jobs == []
        click(qtbot, window.pages["done"].finish)
        wait_state(qtbot, window, "attract")
        # While central stays away the live service is greyed out, or the kiosk is out of service.
        qtbot.waitUntil(lambda: window.view.state == "out_of_service", timeout=15_000)
        assert window.view.out_of_service_reason == "central_unreachable"


def test_services_grey_out_and_return_with_the_printer(qtbot, env, kiosk):
    core, window = kiosk
    wait_state(qtbot, window, "attract")
    env.printer.handle_control({"op": "fault", "kind": "paper_out"})
    click(qtbot, window.pages["attract"])
    wait_state(qtbot, window, "home")
    tiles = window.pages["home"].tiles  # its buttons are rebuilt at every render: look them up each time
    qtbot.waitUntil(lambda: not tiles.buttons[SERVICE].isEnabled(), timeout=10_000)
    assert "打印机缺纸" in tiles.buttons[SERVICE].text() and not tiles.buttons["temporary_id"].isEnabled()
    assert tiles.buttons["progress_query"].isEnabled()  # it prints nothing unless asked to reprint
    env.printer.handle_control({"op": "clear_fault"})
    qtbot.waitUntil(lambda: window.pages["home"].tiles.buttons[SERVICE].isEnabled(), timeout=10_000)


def test_the_kiosk_goes_out_of_service_when_no_service_can_be_offered(qtbot, env, kiosk):
    core, window = kiosk
    wait_state(qtbot, window, "attract")
    env.idcard.set_fault("unplugged")
    env.scanner.set_fault("unplugged")
    wait_state(qtbot, window, "attract")  # traffic fines by plate need neither: still offered
    qtbot.waitUntil(lambda: core._availability.get("no_criminal_record") == "idcard_unavailable", timeout=15_000)
    assert core._availability["traffic_fines"] is None
    env.printer.set_fault("paper_out")  # and now nothing can be offered
    view = wait_state(qtbot, window, "out_of_service", timeout=15_000)
    assert view.out_of_service_reason == "no_service_available"
    assert "设备维护中" in all_texts(window)
    env.idcard.clear_fault()
    env.scanner.clear_fault()
    env.printer.set_fault(None)
    wait_state(qtbot, window, "attract", timeout=15_000)


def test_card_reads_and_central_calls_run_off_the_gui_thread(qtbot, env, kiosk):
    """The states that follow device and network work are entered from the core's workers."""
    import threading

    core, window = kiosk
    entered_from = {}
    core.session.subscribe(lambda view: entered_from.setdefault(view.state, threading.current_thread()))
    through_to_confirm(qtbot, env, window)
    click(qtbot, window.pages["confirm"].ok)
    wait_state(qtbot, window, "rate", timeout=20_000)
    gui = threading.main_thread()
    assert entered_from["choose"] is not gui  # after the card read
    assert entered_from["act"] is not gui  # after central answered
    assert entered_from["rate"] is not gui  # after the record was written
    assert entered_from["confirm"] is gui  # a citizen's tap, handled where it happened


def test_full_queue_stops_new_visits_and_keeps_what_is_queued(qtbot, tmp_path, clock, face_worker):
    """Central is away and the outbox is at its bound: the kiosk says so and takes no new visit."""
    with (DemoEnvironment(tmp_path, card=CARD, overrides={"queue.max_items": 1}) as env,
          running_kiosk(env, clock, qtbot, face_worker) as (core, window)):
        through_to_confirm(qtbot, env, window)
        env.central.stop()
        click(qtbot, window.pages["confirm"].ok)
        view = wait_state(qtbot, window, "rate", timeout=30_000)
        assert view.outcome == "accepted_offline"
        click(qtbot, window.pages["rate"].skip)
        wait_state(qtbot, window, "done")
        click(qtbot, window.pages["done"].finish)
        view = wait_state(qtbot, window, "out_of_service", timeout=10_000)
        assert view.out_of_service_reason == "queue_full"
        assert "本机存储已满" in all_texts(window)
        assert core.outbox.stats()["pending"] + core.outbox.stats()["in_flight"] == 1


def assert_touch_sized(window):
    """Text at least 28 px, touch targets at least 60 px, on whatever is showing."""
    for button in window.findChildren(QAbstractButton):
        if button.isVisible():
            assert button.height() >= 60, f"{button.text()!r} is {button.height()} px high"
    for text in window.findChildren(QLabel):
        if text.isVisible() and text.text():
            assert text.fontInfo().pixelSize() >= 28, f"{text.text()!r} is {text.fontInfo().pixelSize()} px"


def test_every_screen_is_touch_sized(qtbot, env, kiosk):
    core, window = kiosk
    wait_state(qtbot, window, "attract")
    assert_touch_sized(window)
    through_to_confirm(qtbot, env, window)
    assert_touch_sized(window)
    click(qtbot, window.pages["confirm"].ok)
    wait_state(qtbot, window, "rate", timeout=20_000)
    qtbot.wait(50)
    assert_touch_sized(window)


def test_central_hears_of_device_faults_through_the_heartbeat(qtbot, env, kiosk):
    """Operators see a kiosk's devices, queue and greyed-out services without visiting it."""
    import json
    import subprocess
    import sys

    core, window = kiosk

    def reported():
        [kiosk_row] = central_fleet(env.central.database_url)
        return kiosk_row["status"] or {}

    qtbot.waitUntil(lambda: reported().get("devices", {}).get("printer", {}).get("state") == "online", timeout=10_000)
    env.printer.handle_control({"op": "fault", "kind": "paper_out"})
    qtbot.waitUntil(lambda: reported().get("services", {}).get(SERVICE) == "printer_paper_out", timeout=15_000)
    status = reported()
    assert status["devices"]["printer"]["detail"]["paper"] == "out"
    assert status["services"]["progress_query"] is None and status["out_of_service"] is None
    assert status["queue"]["pending"] == 0

    result = subprocess.run([sys.executable, "-m", "kiosk.cli", "central", "fleet", "--database",
                             env.central.database_url], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    [row] = json.loads(result.stdout)
    assert row["kiosk_id"] == core.config.kiosk.id and row["last_seen_s_ago"] < 60


def finish_visit(qtbot, window):
    click(qtbot, window.pages["choose"].choices.buttons["visa"])
    wait_state(qtbot, window, "confirm")
    click(qtbot, window.pages["confirm"].ok)
    wait_state(qtbot, window, "rate", timeout=30_000)
    click(qtbot, window.pages["rate"].skip)
    wait_state(qtbot, window, "done")
    click(qtbot, window.pages["done"].finish)
    wait_state(qtbot, window, "attract")


def test_a_face_that_is_not_the_card_holders_falls_back_to_the_fingerprint(qtbot, tmp_path, clock, face_worker):
    """Li Na's card, the astronaut at the camera: no match, then Li Na's finger on the reader."""
    overrides = {"identity.max_attempts": 1}
    with (DemoEnvironment(tmp_path, card="li-na", overrides=overrides) as env,
          running_kiosk(env, clock, qtbot, face_worker) as (core, window)):
        start_visit(qtbot, window)
        env.place_card()
        qtbot.waitUntil(lambda: window.view.state == "verify" and window.view.verify is not None
                        and window.view.verify.method == "fingerprint", timeout=VERIFY_MS)
        assert window.view.message == "identity_use_fingerprint"
        page = window.pages["verify"]
        qtbot.waitUntil(lambda: page.finger.isVisible())
        assert "指纹仪" in page.prompt.text() and not page.camera.isVisible()
        env.place_finger()
        wait_state(qtbot, window, "choose", timeout=30_000)
        env.lift_finger()
        finish_visit(qtbot, window)
        assert wait_delivered(core, 1)
        [record] = central_visit_records(env)
        assert [(r["method"], r["decision"]) for r in record["identity"]] == [("face", "no_match"),
                                                                              ("fingerprint", "match")]


def test_a_photo_that_does_not_decode_here_goes_straight_to_the_fingerprint(qtbot, tmp_path, clock, face_worker):
    """Chen Siyuan's photo is WLT, which needs the vendor library: no face check, his finger."""
    with (DemoEnvironment(tmp_path, card="chen-siyuan") as env,
          running_kiosk(env, clock, qtbot, face_worker) as (core, window)):
        start_visit(qtbot, window)
        env.place_card()
        qtbot.waitUntil(lambda: window.view.state == "verify" and window.view.verify is not None
                        and window.view.verify.method == "fingerprint", timeout=30_000)
        env.place_finger()
        wait_state(qtbot, window, "choose", timeout=30_000)
        env.lift_finger()
        finish_visit(qtbot, window)
        assert wait_delivered(core, 1)
        [record] = central_visit_records(env)
        assert [(r["method"], r["decision"]) for r in record["identity"]] == [("fingerprint", "match")]


def test_another_finger_is_refused_and_nothing_is_printed(qtbot, tmp_path, clock, face_worker):
    with (DemoEnvironment(tmp_path, card="chen-siyuan", overrides={"identity.max_attempts": 1}) as env,
          running_kiosk(env, clock, qtbot, face_worker) as (core, window)):
        start_visit(qtbot, window)
        env.place_card()
        env.place_finger("li-na-right-index")
        view = wait_state(qtbot, window, "done", timeout=30_000)
        assert view.message == "identity_failed" and view.verify.result == "refused"
        assert "服务窗口" in window.pages["done"].message.text()
        click(qtbot, window.pages["done"].finish)
        wait_state(qtbot, window, "attract")
        assert env.printer.jobs == []
        assert wait_delivered(core, 1)
        [record] = central_visit_records(env)
        assert record["outcome"] == "identity_refused"
        assert [(r["method"], r["decision"]) for r in record["identity"]] == [("fingerprint", "no_match")]


def test_a_card_nobody_can_verify_here_ends_the_visit_without_printing(qtbot, tmp_path, clock, face_worker):
    """No usable photo and the fingerprint reader gone: the kiosk says to go to a counter, prints
    nothing, and records why."""
    overrides = {"devices.fingerprint.url": f"as608://{tmp_path / 'unplugged'}?baudrate=57600"}
    with (DemoEnvironment(tmp_path, card="chen-siyuan", overrides=overrides) as env,
          running_kiosk(env, clock, qtbot, face_worker) as (core, window)):
        start_visit(qtbot, window)  # the camera works: the service is offered
        env.place_card()
        view = wait_state(qtbot, window, "done", timeout=30_000)
        assert view.message == "identity_unavailable"
        assert "服务窗口" in window.pages["done"].message.text()
        click(qtbot, window.pages["done"].finish)
        wait_state(qtbot, window, "attract")
        assert env.printer.jobs == []
        assert wait_delivered(core, 1)
        [record] = central_visit_records(env)
        assert record["outcome"] == "identity_refused" and record["identity"] is None


def test_with_the_camera_down_the_fingerprint_alone_serves(qtbot, tmp_path, clock, face_worker):
    """Face OR fingerprint suffices: a dead camera leaves the service available, and the check
    goes to the finger at once."""
    overrides = {"devices.camera.url": f"opencv://{tmp_path / 'unplugged.avi'}"}
    with (DemoEnvironment(tmp_path, overrides=overrides) as env,
          running_kiosk(env, clock, qtbot, face_worker) as (core, window)):
        qtbot.waitUntil(lambda: "camera" in core.devices.statuses(), timeout=10_000)
        assert not core.devices.statuses()["camera"].usable
        start_visit(qtbot, window)  # the tile is enabled
        env.place_card()
        qtbot.waitUntil(lambda: window.view.state == "verify" and window.view.verify is not None
                        and window.view.verify.method == "fingerprint", timeout=30_000)
        env.place_finger()
        wait_state(qtbot, window, "choose", timeout=30_000)
        env.lift_finger()
        finish_visit(qtbot, window)
        assert wait_delivered(core, 1)
        [record] = central_visit_records(env)
        assert [(r["method"], r["decision"]) for r in record["identity"]] == [("fingerprint", "match")]


def test_a_card_locked_for_the_day_is_refused_at_once(qtbot, tmp_path, clock, face_worker):
    """Someone else's face on Li Na's card reaches the day's failure limit: locked, nothing printed;
    the next visit with the card is refused before any check."""
    overrides = {"identity.lockout_failures_per_day": 1}
    with (DemoEnvironment(tmp_path, card="li-na", overrides=overrides) as env,
          running_kiosk(env, clock, qtbot, face_worker) as (core, window)):
        for _ in range(2):
            start_visit(qtbot, window)
            env.place_card()
            view = wait_state(qtbot, window, "done", timeout=VERIFY_MS)
            assert view.message == "identity_locked" and view.verify.result == "locked"
            assert "今日核验失败次数过多" in window.pages["done"].message.text()
            click(qtbot, window.pages["done"].finish)
            wait_state(qtbot, window, "attract")
            env.lift_card()
        assert env.printer.jobs == []
        assert wait_delivered(core, 2)
        first, second = sorted(central_visit_records(env), key=lambda r: r["started_at"])
        assert [r["decision"] for r in first["identity"]] == ["no_match"] and second["identity"] is None
        assert {first["outcome"], second["outcome"]} == {"identity_refused"}
