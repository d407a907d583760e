"""The journaled card hand-out (kiosk/card_handout.py) on the real CRT-591 driver over a pty to
the dispenser emulator, whose card model shows where every card went; a kill -9 between "moved"
and "presented"; and a pickup over every part below the visit stages: central's lookup over HTTP,
the fingers on the AS608 emulator, the card read with the GA 467 reader emulator, the report."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from drivers.base import NoMedia
from drivers.dispenser.crt591_codec import CardJam
from drivers.dispenser.crt591 import Crt591Dispenser
from drivers.dispenser.emulator import DispenserEmulator
from drivers.emulation.pty import PtyEndpoint
from drivers.idcard.demo_cards import load_demo_card
from common.pickup import card_check
from kiosk.card_handout import CardHandout, HandoutRefused, Journal, Settled

ZHANG_WEI = load_demo_card("zhang-wei")
LI_NA = load_demo_card("li-na")


@pytest.fixture
def emulator() -> DispenserEmulator:
    return DispenserEmulator(slots=2, cards=3)


@pytest.fixture
def endpoint(emulator, tmp_path):
    pty = PtyEndpoint(emulator, link=str(tmp_path / "ttyDISPENSER")).start()
    yield pty
    pty.stop()


@pytest.fixture
def dispenser(endpoint):
    device = Crt591Dispenser(endpoint.device, timeout=0.5)
    device.open()
    yield device
    device.close()


@pytest.fixture
def journal(tmp_path):
    opened = Journal(tmp_path / "data" / "handout.db")
    yield opened
    opened.close()


@pytest.fixture
def handout(dispenser, journal):
    return CardHandout(dispenser, journal)


def check(visit_id: str, card=ZHANG_WEI) -> str:
    return card_check(visit_id, card.id_number)


def test_a_checked_card_is_presented_and_taken(handout, emulator, journal):
    handout.move_to_read("v-1", 0)
    assert emulator.describe()["channel"]["at"] == "read"
    assert handout.check_card("v-1", ZHANG_WEI.id_number, check("v-1")) is True
    handout.present("v-1")
    assert emulator.take()
    assert handout.wait_taken("v-1", 2) is True
    assert emulator.describe()["taken"] == ["card-1"] and emulator.describe()["bin"] == []
    assert [state for state, _ in journal.steps("v-1")] == ["moving", "at_read", "checked", "presenting",
                                                            "presented", "taken"]


def test_a_card_not_taken_is_retracted_and_recorded(handout, emulator, journal):
    handout.move_to_read("v-1", 0)
    handout.check_card("v-1", ZHANG_WEI.id_number, check("v-1"))
    handout.present("v-1")
    assert handout.wait_taken("v-1", 0.3) is False
    assert emulator.describe()["bin"] == ["card-1"] and emulator.describe()["taken"] == []
    assert journal.state("v-1") == ("retracted", "not_taken")


def test_a_wrong_card_goes_to_the_reject_bin_and_is_never_presented(handout, emulator, journal):
    handout.move_to_read("v-1", 0)
    assert handout.check_card("v-1", LI_NA.id_number, check("v-1")) is False
    assert emulator.describe()["bin"] == ["card-1"] and emulator.describe()["channel"] is None
    assert journal.state("v-1") == ("retracted", "wrong_card")
    with pytest.raises(HandoutRefused, match="is retracted, not checked"):
        handout.present("v-1")
    assert emulator.counters["present"] == 0 and emulator.describe()["taken"] == []


def test_an_unreadable_card_is_a_wrong_card(handout, emulator):
    handout.move_to_read("v-1", 0)
    assert handout.check_card("v-1", None, check("v-1")) is False
    assert emulator.describe()["bin"] == ["card-1"]


def test_nothing_is_presented_twice(handout, emulator):
    handout.move_to_read("v-1", 0)
    handout.check_card("v-1", ZHANG_WEI.id_number, check("v-1"))
    handout.present("v-1")
    with pytest.raises(HandoutRefused, match="is presented, not checked"):
        handout.present("v-1")
    with pytest.raises(HandoutRefused, match="already had a card moved"):
        handout.journal.begin("v-1", 0)


def test_an_empty_slot_moves_nothing(handout, emulator, journal):
    with pytest.raises(NoMedia):
        handout.move_to_read("v-1", 1)  # slot 1 was never loaded
    assert journal.state("v-1") == ("not_moved", "slot_empty")
    assert emulator.describe()["slots"][0] == ["card-1", "card-2", "card-3"]


def test_a_jam_is_journaled_and_blocks_the_next_hand_out_until_recovered(handout, emulator, journal):
    emulator.set_fault("jam")
    with pytest.raises(CardJam):
        handout.move_to_read("v-1", 0)
    assert journal.state("v-1") == ("jammed", "jam")
    assert emulator.describe()["taken"] == []


def test_kill_9_between_moved_and_presented_then_the_restarted_kiosk_retracts(endpoint, emulator, tmp_path):
    """A kiosk process moves a card to the read position, checks it and is killed with SIGKILL
    before presenting. The restarted kiosk finds the card in the channel from its journal and
    the dispenser, puts it in the reject bin and never presents it."""
    db = tmp_path / "data" / "handout.db"
    script = textwrap.dedent(f"""
        import sys, time
        from drivers.dispenser.crt591 import Crt591Dispenser
        from kiosk.card_handout import CardHandout, Journal
        from common.pickup import card_check
        dispenser = Crt591Dispenser({endpoint.device!r}, timeout=0.5)
        dispenser.open()
        handout = CardHandout(dispenser, Journal({str(db)!r}))
        handout.move_to_read("v-1", 0)
        handout.check_card("v-1", {ZHANG_WEI.id_number!r}, card_check("v-1", {ZHANG_WEI.id_number!r}))
        print("checked", flush=True)
        time.sleep(60)
        handout.present("v-1")
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                             cwd=os.getcwd(), env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert child.stdout.readline().strip() == "checked"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        child.stdout.close()
    assert emulator.describe()["channel"] == {"card": "card-1", "at": "read"}
    dispenser = Crt591Dispenser(endpoint.device, timeout=0.5)
    dispenser.open()
    journal = Journal(db)
    try:
        restarted = CardHandout(dispenser, journal)
        assert restarted.recover() == [Settled("v-1", "retracted", "restart")]
        assert restarted.recover() == []  # settled once
        with pytest.raises(HandoutRefused):
            restarted.present("v-1")
        assert emulator.counters["present"] == 0
    finally:
        journal.close()
        dispenser.close()
    model = emulator.describe()
    assert model["bin"] == ["card-1"] and model["taken"] == [] and model["channel"] is None


def test_recover_settles_each_place_the_card_can_be(endpoint, emulator, dispenser, journal):
    handout = CardHandout(dispenser, journal)
    # Presented, then the kiosk died; the citizen took the card meanwhile.
    handout.move_to_read("v-1", 0)
    handout.check_card("v-1", ZHANG_WEI.id_number, check("v-1"))
    handout.present("v-1")
    emulator.take()
    # The move command never reached the module: the journal says moving, the channel is empty.
    journal.begin("v-2", 0)
    assert handout.recover() == [Settled("v-1", "taken", "restart"), Settled("v-2", "not_moved", "restart")]
    handout.move_to_read("v-3", 0)  # free again
    journal.record("v-3", "presented")  # died at the mouth, card still there
    handout.dispenser.present()
    assert handout.recover() == [Settled("v-3", "retracted", "restart")]
    assert emulator.describe()["taken"] == ["card-1"] and emulator.describe()["bin"] == ["card-2"]


def test_an_unfinished_hand_out_blocks_the_next_one(handout, journal):
    journal.begin("v-1", 0)
    with pytest.raises(HandoutRefused, match="recover"):
        handout.move_to_read("v-2", 0)


def test_the_journal_holds_no_personal_data_and_is_purged(handout, journal, tmp_path):
    handout.move_to_read("v-1", 0)
    handout.check_card("v-1", ZHANG_WEI.id_number, check("v-1"))
    handout.present("v-1")
    handout.abandon("v-1")
    for path in (tmp_path / "data").iterdir():
        data = path.read_bytes()
        assert ZHANG_WEI.id_number.encode() not in data and check("v-1").encode() not in data
    assert journal.purge(older_than_s=0) == 1 and journal.state("v-1") is None


def test_a_pickup_over_central_the_fingerprint_the_reader_and_the_dispenser(tmp_path, handout, emulator):
    """What the id_card_pickup service will string together, each part real: the lookup and
    the report over HTTP to a real central, one press against the two templates recorded at
    application on the AS608 emulator, the card read at the read position by the GA 467 reader,
    checked, presented, taken."""
    from central.server import EmbeddedCentral
    from drivers.fingerprint.as608 import As608Reader
    from drivers.fingerprint.emulator import As608Emulator
    from drivers.idcard.emulator import Ga467Emulator
    from drivers.idcard.ga467 import Ga467Reader
    from kiosk.central_client import CentralClient

    finger_pty = PtyEndpoint(As608Emulator("zhang-wei-left-index")).start()
    card_pty = PtyEndpoint(Ga467Emulator()).start()
    try:
        with EmbeddedCentral(f"sqlite:///{tmp_path / 'central.db'}") as central, \
                CentralClient(central.url, "K-1", CentralClient.enrol(central.url, "K-1")) as client:
            answer = client.call("id_card_pickup", "lookup", {"visit_id": "v-1", "id_number": ZHANG_WEI.id_number})
            assert answer["ready"] and answer["slot"] == 0
            fingers = As608Reader(finger_pty.device, timeout=0.5)
            fingers.open()
            try:
                result = fingers.verify_any([base64.b64decode(t) for t in answer["fingerprints"]], timeout_s=2)
            finally:
                fingers.close()
            assert result.matched and result.template == 1
            handout.move_to_read("v-1", answer["slot"])
            card_pty.emulator.place_card(ZHANG_WEI)  # the card at the read position, under the reader
            reader = Ga467Reader(card_pty.device, timeout=0.5)
            reader.open()
            try:
                read = reader.read_card()
            finally:
                reader.close()
            assert handout.check_card("v-1", read.id_number, answer["card_check"])
            handout.present("v-1")
            emulator.take()
            assert handout.wait_taken("v-1", 2)
            report = client.call("id_card_pickup", "handed_over", {"visit_id": "v-1"})
            assert report["state"] == "handed_over"
            again = client.call("id_card_pickup", "lookup", {"visit_id": "v-2", "id_number": ZHANG_WEI.id_number})
            assert again["reason"] == "collected"
    finally:
        finger_pty.stop()
        card_pty.stop()
    assert json.dumps(emulator.describe()["taken"]) == '["card-1"]'


def test_a_kiosk_running_for_weeks_forgets_week_old_hand_outs_between_visits(tmp_path, monkeypatch):
    import sqlite3
    import time

    import kiosk.core
    from kiosk.core import KioskCore
    from kiosk.demo_env import DemoEnvironment

    with DemoEnvironment(tmp_path / "demo", overrides={"speech.enabled": False}) as env:
        core = KioskCore(env.config).start(ticker=False)
        try:
            journal = core.handout_journal
            for visit_id in ("v-8-days", "v-1-day"):
                journal.begin(visit_id, 0)
                journal.record(visit_id, "taken")
            with sqlite3.connect(journal.path) as db:
                for visit_id, days in (("v-8-days", 8), ("v-1-day", 1)):
                    db.execute("UPDATE handouts SET updated_at = ? WHERE visit_id = ?",
                               (time.time() - days * 86400, visit_id))
            core.between_visits()  # the start purged: the next purge is an hour later
            assert journal.state("v-8-days") == ("taken", None)
            monkeypatch.setattr(kiosk.core, "HANDOUT_PURGE_EVERY_S", 0.0)
            core.between_visits()
            assert journal.state("v-8-days") is None and journal.steps("v-8-days") == []
            assert journal.state("v-1-day") == ("taken", None)
        finally:
            core.stop()
