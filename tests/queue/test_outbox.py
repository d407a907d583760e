"""The outbox on real SQLite files: atomicity, idempotency, encryption at rest, bounds."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap

import pytest

from offline_queue.outbox import Outbox, OutboxFull

ID_NUMBER = "11010519491231002X"
NAME = "张三丰"
RECORD = {"service": "no_criminal_record", "id_number": ID_NUMBER, "name": NAME}


def _raw(outbox: Outbox) -> sqlite3.Connection:
    """A second, independent connection to the same file: what a technician (or thief) sees."""
    return sqlite3.connect(outbox.path, isolation_level=None)


def test_record_visit_commits_visit_state_and_item_together(outbox):
    outbox.record_visit("v-1", "completed", RECORD)
    assert outbox.visit_outcome("v-1") == "completed"
    [item] = outbox.due(10)
    assert (item.key, item.kind, item.attempts) == ("v-1", "visit", 1)
    assert item.payload == {**RECORD, "visit_id": "v-1", "outcome": "completed"}


def test_failure_mid_transaction_leaves_neither_visit_nor_item(outbox):
    with _raw(outbox) as raw:  # make the second statement of record_visit fail
        raw.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON outbox "
            "BEGIN SELECT RAISE(ABORT, 'simulated failure'); END"
        )
    with pytest.raises(sqlite3.IntegrityError, match="simulated failure"):
        outbox.record_visit("v-1", "completed", RECORD)
    assert outbox.visit_outcome("v-1") is None
    assert outbox.stats()["pending"] == 0

    with _raw(outbox) as raw:
        raw.execute("DROP TRIGGER refuse")
    outbox.record_visit("v-1", "completed", RECORD)
    assert outbox.visit_outcome("v-1") == "completed"
    assert outbox.stats()["pending"] == 1


def test_enqueue_is_idempotent_on_key(outbox):
    assert outbox.enqueue("rating", "v-1:rating", {"stars": 5}) is True
    assert outbox.enqueue("rating", "v-1:rating", {"stars": 1}) is False
    [item] = outbox.due(10)
    assert item.payload == {"stars": 5}


def test_recording_a_visit_twice_keeps_the_first_record(outbox):
    outbox.record_visit("v-1", "completed", {"n": 1})
    outbox.record_visit("v-1", "failed", {"n": 2})
    assert outbox.visit_outcome("v-1") == "completed"
    [item] = outbox.due(10)
    assert item.payload["n"] == 1


def test_personal_data_is_not_in_the_database_files(outbox, tmp_path):
    for i in range(20):
        outbox.record_visit(f"v-{i}", "completed", RECORD)
    files = [p for p in tmp_path.iterdir() if p.name.startswith("outbox.db")]
    assert any(p.name.endswith("-wal") for p in files)  # checked before the WAL is folded in
    outbox.close()
    files += [tmp_path / "outbox.db"]
    for path in files:
        if path.exists():
            data = path.read_bytes()
            assert ID_NUMBER.encode() not in data
            assert NAME.encode() not in data
            assert b"no_criminal_record" not in data


def test_due_is_oldest_first_claims_items_and_respects_next_attempt(outbox, clock):
    for i in range(5):
        outbox.enqueue("visit", f"v-{i}", {"i": i})
        clock.advance(1)
    first = outbox.due(2)
    assert [item.key for item in first] == ["v-0", "v-1"]
    assert outbox.stats()["in_flight"] == 2
    outbox.mark_retry([item.key for item in first], "central down", clock() + 60)
    assert [item.key for item in outbox.due(10)] == ["v-2", "v-3", "v-4"]
    clock.advance(61)
    again = outbox.due(10)
    assert [item.key for item in again] == ["v-0", "v-1"]
    assert [item.attempts for item in again] == [2, 2]


def test_mark_delivered_dead_and_dead_letters_hold_no_personal_data(outbox):
    outbox.record_visit("v-1", "completed", RECORD)
    outbox.record_visit("v-2", "completed", RECORD)
    outbox.due(10)
    outbox.mark_delivered(["v-1"])
    outbox.mark_dead("v-2", "payload: field required")
    stats = outbox.stats()
    assert (stats["delivered"], stats["dead"], stats["pending"], stats["in_flight"]) == (1, 1, 0, 0)
    [letter] = outbox.dead_letters()
    assert letter == {"key": "v-2", "kind": "visit", "state": "dead",
                      "reason": "payload: field required", "attempts": 1}
    assert ID_NUMBER not in repr(outbox.dead_letters())


def test_release_in_flight_after_a_crash(open_outbox):
    first = open_outbox()
    first.record_visit("v-1", "completed", RECORD)
    assert len(first.due(10)) == 1
    first.close()  # the process died before central's answer was recorded

    reopened = open_outbox()
    assert reopened.due(10) == []
    assert reopened.release_in_flight() == 1
    [item] = reopened.due(10)
    assert item.key == "v-1" and item.attempts == 2


def test_tampered_row_is_quarantined_and_never_sent(outbox):
    for i in range(3):
        outbox.record_visit(f"v-{i}", "completed", RECORD)
    with _raw(outbox) as raw:
        [blob] = raw.execute("SELECT payload FROM outbox WHERE key = 'v-1'").fetchone()
        flipped = blob[:20] + bytes([blob[20] ^ 1]) + blob[21:]
        raw.execute("UPDATE outbox SET payload = ? WHERE key = 'v-1'", [flipped])
        raw.execute("UPDATE outbox SET payload = 'not even a blob' WHERE key = 'v-2'")
    assert [item.key for item in outbox.due(10)] == ["v-0"]
    stats = outbox.stats()
    assert stats["quarantined"] == 2 and stats["pending"] == 0
    letters = outbox.dead_letters()
    assert [(d["key"], d["state"]) for d in letters] == [("v-1", "quarantined"), ("v-2", "quarantined")]
    assert "authentication" in letters[0]["reason"]


def test_swapped_payloads_are_both_quarantined(outbox):
    outbox.record_visit("v-a", "completed", {"who": "a"})
    outbox.record_visit("v-b", "completed", {"who": "b"})
    with _raw(outbox) as raw:
        blobs = dict(raw.execute("SELECT key, payload FROM outbox").fetchall())
        raw.execute("UPDATE outbox SET payload = ? WHERE key = 'v-a'", [blobs["v-b"]])
        raw.execute("UPDATE outbox SET payload = ? WHERE key = 'v-b'", [blobs["v-a"]])
    assert outbox.due(10) == []
    assert outbox.stats()["quarantined"] == 2


def test_bound_reached_raises_outbox_full_and_keeps_what_is_queued(open_outbox):
    outbox = open_outbox(max_items=5, warn_ratio=0.6)
    for i in range(3):
        outbox.record_visit(f"v-{i}", "completed", RECORD)
    assert outbox.stats()["near_full"] is True
    outbox.enqueue("rating", "v-0:rating", {"stars": 4})
    outbox.enqueue("rating", "v-1:rating", {"stars": 4})
    with pytest.raises(OutboxFull, match=r"5 undelivered items \(limit 5\)"):
        outbox.record_visit("v-9", "completed", RECORD)
    assert outbox.visit_outcome("v-9") is None
    items = outbox.due(10)
    assert len(items) == 5
    outbox.mark_delivered([items[0].key])
    outbox.record_visit("v-9", "completed", RECORD)  # room again once something was delivered
    assert outbox.stats()["capacity"] == 5


def test_disk_full_raises_outbox_full_and_keeps_what_is_queued(open_outbox):
    outbox = open_outbox(max_bytes=64 * 1024)  # PRAGMA max_page_count: the "disk" is 64 KiB
    big = {**RECORD, "notes": "x" * 2000}
    queued = 0
    with pytest.raises(OutboxFull, match="disk is full"):
        for queued in range(1000):
            outbox.record_visit(f"v-{queued}", "completed", big)
    assert queued > 5
    assert outbox.visit_outcome(f"v-{queued}") is None
    items = outbox.due(1000)
    assert [item.key for item in items] == [f"v-{i}" for i in range(queued)]
    assert all(item.payload["id_number"] == ID_NUMBER for item in items)


def test_purge_delivered_keeps_recent_and_undelivered(outbox, clock):
    outbox.record_visit("old", "completed", RECORD)
    outbox.record_visit("waiting", "completed", RECORD)
    outbox.due(1)
    outbox.mark_delivered(["old"])
    clock.advance(3600)
    outbox.record_visit("recent", "completed", RECORD)
    outbox.due(10)
    outbox.mark_delivered(["recent"])
    assert outbox.purge_delivered(older_than_s=1800) == 1
    assert outbox.visit_outcome("old") is None
    assert outbox.visit_outcome("waiting") == "completed"
    stats = outbox.stats()
    assert (stats["delivered"], stats["in_flight"]) == (1, 1)


def test_oldest_pending_age(outbox, clock):
    assert outbox.stats()["oldest_pending_age_s"] is None
    outbox.enqueue("visit", "v-1", {})
    clock.advance(42)
    assert outbox.stats()["oldest_pending_age_s"] == pytest.approx(42)


def test_key_must_live_outside_the_database(tmp_path):
    with pytest.raises(ValueError, match="outside the database"):
        Outbox(tmp_path / "same", tmp_path / "same")


def test_committed_visit_survives_kill_9(tmp_path):
    db, key = tmp_path / "outbox.db", tmp_path / "outbox.key"
    script = textwrap.dedent(f"""
        import os, signal
        from offline_queue.outbox import Outbox
        outbox = Outbox({str(db)!r}, {str(key)!r})
        outbox.record_visit("v-1", "completed", {{"id_number": {ID_NUMBER!r}}})
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    result = subprocess.run([sys.executable, "-c", script], timeout=30)
    assert result.returncode == -9
    with Outbox(db, key) as outbox:
        assert outbox.visit_outcome("v-1") == "completed"
        [item] = outbox.due(10)
        assert item.payload["id_number"] == ID_NUMBER


def test_a_visits_steps_last_until_its_record_and_the_ledger_owns_paid_visits(outbox):
    outbox.visit_step("v-1", "no_criminal_record", "card_read")
    outbox.visit_step("v-1", "no_criminal_record", "central_apply", "NCR-0001")
    outbox.visit_step("v-1", "no_criminal_record", "card_read")  # once per step
    outbox.visit_step("v-2", "traffic_fines", "card_read")
    outbox.payment_opened("v-2:pay", "v-2", "traffic_fines", {"stage": "pay"})
    assert outbox.visit_steps("v-1") == [("card_read", None), ("central_apply", "NCR-0001")]
    assert outbox.unrecorded_visits() == [{"visit_id": "v-1", "service": "no_criminal_record"}]
    outbox.record_visit("v-1", "interrupted", {"service": "no_criminal_record"})
    outbox.visit_step("v-1", "no_criminal_record", "receipt_printing")  # recorded: nothing more
    assert outbox.visit_steps("v-1") == [] and outbox.unrecorded_visits() == []
    with _raw(outbox) as db:
        assert db.execute("SELECT count(*) FROM visit_steps WHERE visit_id = 'v-1'").fetchone() == (0,)
