"""Crash recovery: the kiosk core in a process of its own (tests/support/crash_kiosk.py) killed
with SIGKILL at a side effect of each kind of service, then started again on the same data.

The emulators, central and the payment provider simulator stay in this process, so the test sees
each side effect as it happens (the reader's card read, the finger module's match, central's
application or stored photo, the provider's payment, the printer's job, the PDF filed, the card at
the dispenser's mouth or taken) and kills the kiosk's process group right then, as systemd's
SIGKILL or a power cut would. The restarted kiosk must:

- record the visit once, as interrupted, with what it had already done (`done`: in the order a
  visit does them, at least up to the side effect the kill followed);
- have settled the payment and the dispenser before it offers the service again;
- never print, charge or hand out a card again, and tell central what was printed, so central
  refuses a reprint of it;
- and central stores the visit's record exactly once.

The matrix these cells cover is in docs/architecture.md ("Crash recovery").
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from kiosk.core import KioskCore
from support.kiosk_core import until
from support.kiosk_ui import central_visit_records, wait_delivered

NCR, TEMP, TF, HK, PICKUP, PHOTO = ("no_criminal_record", "temporary_id", "traffic_fines", "hkmo_endorsement",
                                    "id_card_pickup", "id_photo")
CERTIFICATE = ("card_read", "identity_checked", "central_apply", "document_printing", "document_printed",
               "receipt_printing", "receipt_printed")
# The side effects of a visit of each service, in the order a visit does them.
ORDER = {
    NCR: CERTIFICATE,
    TEMP: CERTIFICATE,
    TF: ("card_read", "identity_checked", "central_query", "paid", "receipt_printing", "receipt_printed"),
    HK: ("card_read", "identity_checked", "central_eligibility", "paid", "receipt_printing", "receipt_printed"),
    PICKUP: ("central_lookup", "identity_checked", "card_moved", "card_presenting", "card_presented", "card_taken"),
    PHOTO: ("card_read", "identity_checked", "central_store", "receipt_printing", "receipt_printed"),
}
HELD = {(NCR, "document printed"), (TEMP, "document printed"), (PHOTO, "photo sent")}
SUPPORT = Path(__file__).resolve().parents[1] / "support"
ROOT = Path(__file__).resolve().parents[2]


def central_rows(env, sql: str) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(env.central.database_url.removeprefix("sqlite:///"))) as db:
        return db.execute(sql).fetchall()


def provider_paid(env) -> int:
    orders = httpx.get(f"{env.payments.control_url}/orders", timeout=10).json()
    return sum(1 for order in orders if order.get("paid_fen"))


def finger_compared(env) -> bool:
    counters = env.fingerprint.counters
    return counters["Match"] + counters["Search"] > 0


def card_at_mouth(env) -> bool:
    return (env.dispenser.describe()["channel"] or {}).get("at") == "mouth"


def taken_at_once(env) -> bool:
    """The citizen takes the card the moment it is presented."""
    return card_at_mouth(env) and env.take_card()


# (service, the side effect, when it has happened, the steps that precede it for certain). A
# receipt printer that does not answer holds the visit at its receipt (`HELD`): where the side
# effect is a moment before the receipt, the kill then lands before the visit's record.
CELLS = [
    (NCR, "card read", lambda env: env.fingerprint.counters["GenImg"] > 0, 1),
    (NCR, "identity checked", finger_compared, 1),
    (NCR, "central applied", lambda env: central_rows(env, "SELECT 1 FROM applications"), 2),
    (NCR, "document printed", lambda env: env.documents(), 4),
    (NCR, "receipt printed", lambda env: env.printer.jobs, 6),
    (TEMP, "document printed", lambda env: env.documents(), 4),
    (TF, "paid", provider_paid, 3),
    (TF, "receipt printed", lambda env: env.printer.jobs, 5),
    (HK, "paid", provider_paid, 3),
    (PICKUP, "card presented", card_at_mouth, 4),
    (PICKUP, "card taken", taken_at_once, 5),
    (PHOTO, "photo sent", lambda env: central_rows(env, "SELECT 1 FROM id_photos"), 2),
    (PHOTO, "receipt printed", lambda env: env.printer.jobs, 4),
]


@pytest.fixture
def env(demo_env):
    # The finger is the identity check: the face is the e2e visits' subject; the booth camera
    # gives the ID photo a citizen in front of a white board.
    return demo_env(overrides={"identity.default_methods": ["fingerprint"]}, camera="booth")


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("service", "effect", "happened", "certain"), CELLS,
                         ids=[f"{service}-{effect.replace(' ', '-')}" for service, effect, _h, _c in CELLS])
def test_kill_9_at_a_side_effect_records_the_visit_interrupted_and_redoes_nothing(
        env, face_worker, tmp_path, service, effect, happened, certain):
    if service != PICKUP:
        env.place_card()  # the card lies on the reader; the pickup's comes out of the dispenser
    env.place_finger()
    kill_at(env, tmp_path, service, happened, hold=(service, effect) in HELD)
    env.printer.set_fault(None)
    at_kill = effects(env)

    offered = {}
    restarted = KioskCore(env.config, face_worker=face_worker, fingerprint_template=env.fingerprint_template)
    journal = restarted.handout_journal

    def first_offer(_view) -> None:  # what is settled when the service is offered again
        if restarted._availability.get(service, "") is None and not offered:
            offered.update(unrecorded=restarted.outbox.unrecorded_visits(), open=restarted.outbox.open_payments(),
                           unfinished=journal.unfinished() if journal else [])

    restarted.session.subscribe(first_offer)
    restarted.start(ticker=False)
    try:
        until(lambda: offered, timeout=20, what=f"{service} offered again")
        assert offered == {"unrecorded": [], "open": [], "unfinished": []}
        assert wait_delivered(restarted, 1)
        time.sleep(0.5)  # anything the restart would redo, it does at once
        assert effects(env) == at_kill, "the restart printed, charged or moved a card again"
    finally:
        restarted.stop()

    records = central_visit_records(env)
    assert len(records) == 1, records  # exactly once, whichever way it ended
    record = records[0]
    if record["outcome"] == "completed":  # the kill came after the visit's record: nothing was lost
        assert certain == len(ORDER[service]) - 1 or effect == "card taken", record
    else:
        assert record["outcome"] == "interrupted"
        done = record["done"]
        order = list(ORDER[service])
        if "card_retracted" in done:  # the restart found the card at the mouth: into the bin
            order = order[:certain] + [s for s in ("card_presented",) if s in done] + ["card_retracted"]
            assert done == order, done
        elif "card_taken" in done and "card_presented" not in done:
            # Taken the moment it reached the mouth, and the kill came before the kiosk journaled
            # it presented: the restart finds the mouth empty, so the citizen has it.
            order = [s for s in order if s != "card_presented"]
        assert done == order[:len(done)] and len(done) >= certain, done
    assert_told_central(env, service, record, at_kill)


def kill_at(env, tmp_path: Path, service: str, happened, *, hold: bool = False) -> None:
    """A visit of `service` in a kiosk process, killed (SIGKILL, its whole process group) the
    moment `happened(env)` is true; `hold`: the receipt printer stops answering once the
    kiosk has offered the service."""
    config = tmp_path / "kiosk-config.json"
    config.write_text(env.config.model_dump_json())
    log = tmp_path / "kiosk.log"
    with open(log, "w") as out:
        child = subprocess.Popen(
            [sys.executable, str(SUPPORT / "crash_kiosk.py"), str(config), service, env.payments.control_url],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests"),
                                                              os.environ.get("PYTHONPATH", "")])})
    try:
        deadline = time.monotonic() + 45
        while hold and "ready" not in log.read_text():
            assert child.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.05)
        if hold:
            env.printer.set_fault("no_answer")
        while not happened(env):
            assert child.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.01)
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    env.lift_finger()


def effects(env) -> dict:
    """Every side effect the emulators and the provider saw: the restart must add none."""
    dispenser = env.dispenser.describe()
    return {"receipts": len(env.printer.jobs), "documents": len(env.documents()), "paid": provider_paid(env),
            "presented": dispenser["counters"].get("present", 0),
            "moved": dispenser["counters"].get("to read position", 0),
            "taken": len(dispenser["taken"])}


def assert_told_central(env, service: str, record: dict, at_kill: dict) -> None:
    """What came out of the kiosk is what central holds as done, so no reprint is offered."""
    if at_kill["documents"]:
        assert record["document_printed"] is True
        assert central_rows(env, "SELECT printed FROM applications") == [(1,)]
    if at_kill["receipts"]:
        assert record["receipt_printed"] is True
        if service in (TF, HK):
            assert central_rows(env, "SELECT receipt_printed FROM orders") == [(1,)]
    if at_kill["paid"]:
        assert at_kill["paid"] == 1 and record["payment"]["outcome"] == "delivered"
        assert central_rows(env, "SELECT state, delivery FROM orders") == [("paid", "delivered")]
    if service == PICKUP:
        state = central_rows(env, "SELECT state FROM card_pickups")
        assert state == [("handed_over",)] if at_kill["taken"] else [("retracted",)], state
