"""身份证自助领证 end to end: central's lookup over HTTP, the citizen's finger on the AS608
emulator against the templates recorded at application, the CRT-591 dispenser emulator on a pty
(whose card model says where every card went) feeding the GA 467 reader emulator at its read
position, the report reaching central through the outbox. One visit through the real widgets;
the faults drive the same kiosk core without a window, as the fleet simulator does."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from drivers.idcard.demo_cards import load_demo_card
from support.kiosk_core import choose_service, kiosk_core, until
from support.kiosk_ui import central_visit_records, click, start_visit, wait_delivered, wait_state

ZHANG = load_demo_card("zhang-wei")
PICKUP = "id_card_pickup"


@pytest.fixture
def env(demo_env):
    return demo_env(overrides={"timeouts.card_take_s": 5})


def central_pickups(env) -> dict[str, tuple[str, str | None]]:
    """visit id -> (state, reason) of central's card_pickups table."""
    with contextlib.closing(sqlite3.connect(env.central.database_url.removeprefix("sqlite:///"))) as db:
        return {v: (s, r) for v, s, r in db.execute("SELECT visit_id, state, reason FROM card_pickups")}


def type_id_number(session, number=ZHANG.id_number):
    """Home → the pickup → the keypad, as the widgets would call the session."""
    choose_service(session, PICKUP)
    session.choose("method", "id_number")
    for char in number:
        session.key("id_number", char)
    session.submit_entry("id_number")


def finger_until_result(env, session, finger="zhang-wei-right-index"):
    """At the identity check: the finger, then whatever the hand-out does, up to the result."""
    until(lambda: session.view().state == "verify")
    env.place_finger(finger)
    until(lambda: session.view().state == "result", timeout=40, what="the result")
    return session.view()


def outcome_of(env, core, visit_count=1):
    """The visit's record as central got it, once the citizen has left the last screen."""
    if core.session.view().state == "done":
        core.session.finish()
    assert wait_delivered(core, visit_count)
    return central_visit_records(env)[-1]


def test_the_right_finger_gets_the_card_read_checked_presented_and_taken(qtbot, env, kiosk):
    core, window = kiosk
    start_visit(qtbot, window, PICKUP, first_stage="choose")
    click(qtbot, window.pages["choose"].choices.buttons["id_number"])
    wait_state(qtbot, window, "enter")
    page = window.pages["enter"]
    for key in ZHANG.id_number:
        click(qtbot, page.keys.buttons[key])
    click(qtbot, page.ok)
    wait_state(qtbot, window, "verify")
    qtbot.waitUntil(lambda: window.view.verify is not None and window.view.verify.method is not None)
    assert window.view.verify.method == "fingerprint"  # the fingers recorded at application come first
    env.place_finger("zhang-wei-right-index")
    qtbot.waitUntil(lambda: window.view.state == "dispense" and window.view.handout == "presented", timeout=30_000)
    assert "请从出证口取走您的身份证" in window.pages["dispense"].title.text()
    assert env.dispenser.describe()["channel"] == {"card": "card-1", "at": "mouth"}
    env.take_card()
    wait_state(qtbot, window, "result", timeout=20_000)
    assert window.view.outcome == "handed_over"
    assert env.dispenser.describe()["taken"] == ["card-1"] and env.dispenser.describe()["bin"] == []
    record = outcome_of(env, core)
    assert record["handout"] == {"state": "taken", "reason": None}
    assert central_pickups(env)[record["visit_id"]][0] == "handed_over"
    again = core.central.call(PICKUP, "lookup", {"visit_id": "v-again", "id_number": ZHANG.id_number})
    assert again["reason"] == "collected" and not again["ready"]


def test_a_wrong_finger_three_times_is_refused_and_nothing_moves(env, face_worker):
    with kiosk_core(env, face_worker) as core:
        session = core.session
        type_id_number(session)
        until(lambda: session.view().state == "verify")
        env.place_finger("li-na-right-index")  # somebody else's finger
        until(lambda: session.view().state == "done", timeout=60, what="the refusal")
        view = session.view()
        assert view.message == "identity_failed" and view.verify.result == "refused"
        record = outcome_of(env, core)
    assert record["outcome"] == "identity_refused"
    assert [step["method"] for step in record["identity"]] == ["fingerprint"] * 3  # no face after a mismatch
    state = env.dispenser.describe()
    assert state["counters"].get("to read position", 0) == 0 and state["slots"][0] == ["card-1"]
    assert central_pickups(env)[record["visit_id"]][0] == "looked_up"


def test_a_jam_tells_the_citizen_and_the_technician_and_nothing_is_presented(env, face_worker):
    env.dispenser.set_fault("jam", times=1)
    with kiosk_core(env, face_worker) as core:
        session = core.session
        type_id_number(session)
        assert finger_until_result(env, session).reason == "pickup.dispenser_fault"
        record = outcome_of(env, core)
        # The technician's side: the dispenser reports the jam, and pickup is closed until it is cleared.
        until(lambda: core.devices.statuses()["dispenser"].state.value != "online", what="the jam reported")
        until(lambda: core._availability.get(PICKUP) == "dispenser_fault", what="pickup closed")
        until(lambda: [e.kind for _at, e in core.devices.recent_events if e.device == "dispenser"].count("jam") == 1,
              what="the jam event")
    assert record["handout"]["state"] == "jammed"
    state = env.dispenser.describe()
    assert state["counters"].get("present", 0) == 0 and state["taken"] == [] and state["jammed"]
    assert central_pickups(env)[record["visit_id"]][0] == "looked_up"  # the card is not lost: staff clear the jam


def test_a_card_not_taken_is_retracted_and_recorded(env, face_worker):
    env.dispenser.set_fault("not_taken")
    with kiosk_core(env, face_worker) as core:
        session = core.session
        type_id_number(session)
        assert finger_until_result(env, session).reason == "pickup.not_taken"
        record = outcome_of(env, core)
    assert record["handout"] == {"state": "retracted", "reason": "not_taken"}
    assert env.dispenser.describe()["bin"] == ["card-1"] and env.dispenser.describe()["taken"] == []
    assert central_pickups(env)[record["visit_id"]] == ("retracted", "not_taken")


def test_a_wrong_card_in_the_slot_goes_to_the_reject_bin(env, face_worker):
    # Staff loaded li-na's card in front of zhang-wei's in slot 0.
    wrong = env.load_card(0, "li-na")
    env.dispenser.slots[0].remove(wrong)
    env.dispenser.slots[0].insert(0, wrong)
    with kiosk_core(env, face_worker) as core:
        session = core.session
        type_id_number(session)
        assert finger_until_result(env, session).reason == "pickup.wrong_card"
        record = outcome_of(env, core)
    state = env.dispenser.describe()
    assert state["bin"] == [wrong] and state["taken"] == [] and state["counters"].get("present", 0) == 0
    assert record["handout"] == {"state": "retracted", "reason": "wrong_card"}
    assert central_pickups(env)[record["visit_id"]][0] == "wrong_card"


KIOSK_CHILD = textwrap.dedent("""
    import json, sys, time
    from kiosk.config import KioskConfig
    from kiosk.core import KioskCore
    config = KioskConfig.model_validate(json.loads(sys.argv[1]))
    core = KioskCore(config).start()
    s = core.session
    def until(p):
        while not p():
            time.sleep(0.05)
    until(lambda: s.view().state == "attract" and core._availability.get("id_card_pickup") is None)
    s.touch(); s.choose_service("id_card_pickup"); s.choose("method", "id_number")
    for c in sys.argv[2]:
        s.key("id_number", c)
    s.submit_entry("id_number")
    until(lambda: s.view().state == "verify")
    print("verify", flush=True)
    time.sleep(600)
""")


def test_kill_9_between_moved_and_presented_the_restart_reports_the_card_and_does_not_dispense_again(
        env, face_worker, tmp_path):
    """The kiosk is killed while the card waits at the read position (the reader there finds no
    card: the test keeps it from the reader, so the kiosk is still reading). The restarted kiosk
    asks the dispenser, retracts the card, records the interrupted visit, and central hears the
    card is in the reject bin: a second pickup is refused until staff load it again."""
    env.dispenser.on_channel = None  # the card never reaches the reader: the kiosk keeps trying
    child = subprocess.Popen([sys.executable, "-c", KIOSK_CHILD, env.config.model_dump_json(), ZHANG.id_number],
                             stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert child.stdout.readline().strip() == "verify"
        env.place_finger("zhang-wei-right-index")
        until(lambda: (env.dispenser.describe()["channel"] or {}).get("at") == "read", timeout=60, what="the card moved")
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    env.lift_finger()
    journal = sqlite3.connect(env.config.data_path("handout.db"))
    visit_id, state = journal.execute("SELECT visit_id, state FROM handouts").fetchone()
    journal.close()
    assert state in ("at_read", "moving")
    with kiosk_core(env, face_worker) as core:
        assert wait_delivered(core, 1)
        record = next(r for r in central_visit_records(env) if r["visit_id"] == visit_id)
        assert record["outcome"] == "interrupted" and record["handout"] == {"state": "retracted", "reason": "restart"}
        assert central_pickups(env)[visit_id] == ("retracted", "restart")
        assert core.handout_journal.unfinished() == []
        again = core.central.call(PICKUP, "lookup", {"visit_id": "v-after", "id_number": ZHANG.id_number})
        assert again["reason"] == "retracted" and not again["ready"]
    state = env.dispenser.describe()
    assert state["bin"] == ["card-1"] and state["taken"] == [] and state["counters"].get("present", 0) == 0
    assert json.dumps(state["slots"][0]) == "[]"


def test_the_application_receipt_qr_finds_the_card_too(env, face_worker):
    """Card-free and keypad-free: the receipt handed out at application, under the scanner."""
    with kiosk_core(env, face_worker) as core:
        session = core.session
        choose_service(session, PICKUP)
        session.choose("method", "receipt")
        until(lambda: session.view().state == "scan")
        env.scan("https://gab.example/slip/SL20261120000101")  # zhang-wei's application receipt
        until(lambda: session.view().state == "verify")
        env.place_finger("zhang-wei-right-index")
        until(lambda: session.view().handout == "presented", timeout=40, what="the card presented")
        env.take_card()
        until(lambda: session.view().state == "result")
        assert session.view().outcome == "handed_over"
        record = outcome_of(env, core)
    assert record["method"] == "receipt" and record["handout"]["state"] == "taken"
    assert env.dispenser.describe()["taken"] == ["card-1"]
