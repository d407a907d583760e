"""The sync worker against a real central on loopback, over real HTTP."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from central.server import EmbeddedCentral
from central.stats import stats as central_stats
from kiosk.central_client import CentralClient
from offline_queue.sync import SyncWorker

RECORD = {"service": "no_criminal_record", "id_number": "11010519491231002X", "name": "张三"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _worker(outbox, client, clock, **options) -> SyncWorker:
    options.setdefault("jitter", lambda: 1.0)  # the top of each backoff window: predictable
    return SyncWorker(outbox, client, clock=clock, **options)


def test_drains_in_ordered_batches(outbox, client, clock, central_db):
    for i in range(450):
        outbox.record_visit(f"v-{i:04d}", "completed" if i % 3 else "cancelled", RECORD)
    worker = _worker(outbox, client, clock)
    passes = []
    while (result := worker.sync_once())["sent"]:
        passes.append(result)
    assert [p["delivered"] for p in passes] == [200, 200, 50]
    assert [p["more"] for p in passes] == [True, True, False]
    assert outbox.stats()["delivered"] == 450
    assert worker.state.online and worker.state.consecutive_failures == 0
    figures = central_stats(central_db)
    assert figures["records"] == 450
    assert figures["completed_visits"] == 300
    assert figures["duplicates_rejected"] == 0


def test_crash_between_send_and_mark_still_stores_once(open_outbox, client, clock, central_db):
    outbox = open_outbox()
    for i in range(30):
        outbox.record_visit(f"v-{i}", "completed", RECORD)
    items = outbox.due(100)
    client.post_batch([item.to_wire() for item in items])  # central stored them...
    outbox.close()  # ...but the kiosk died before marking them delivered

    reopened = open_outbox()
    assert reopened.release_in_flight() == 30
    result = _worker(reopened, client, clock).sync_once()
    assert result == {"sent": 30, "delivered": 30, "retry": 0, "dead": 0, "more": False}
    figures = central_stats(central_db)
    assert figures["records"] == 30
    assert figures["completed_visits"] == 30
    assert figures["duplicates_rejected"] == 30


def test_batch_sent_twice_is_stored_once(outbox, client, central_db):
    for i in range(5):
        outbox.record_visit(f"v-{i}", "completed", RECORD)
    wire = [item.to_wire() for item in outbox.due(10)]
    assert {r["status"] for r in client.post_batch(wire)} == {"stored"}
    assert {r["status"] for r in client.post_batch(wire)} == {"duplicate"}
    figures = central_stats(central_db)
    assert (figures["records"], figures["duplicates_rejected"]) == (5, 5)


def test_central_down_backs_off_then_drains_when_it_returns(outbox, clock, tmp_path):
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    for i in range(10):
        outbox.record_visit(f"v-{i}", "completed", RECORD)
    changes: list[dict] = []
    with CentralClient(url, "K-1", b"\x00" * 32, timeout=2.0) as down:
        worker = _worker(outbox, down, clock, base_delay=1.0, max_delay=8.0, on_change=changes.append)
        waits = []
        for _ in range(6):
            result = worker.sync_once()
            assert result["retry"] == 10 and result["delivered"] == 0
            waits.append(worker.state.next_retry_at - clock())
            assert worker.sync_once()["sent"] == 0  # still backing off: no request made
            clock.advance(waits[-1])
        assert waits == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]  # doubling, capped at max_delay
        assert worker.state.consecutive_failures == 6
        assert not worker.state.online
        assert "CentralUnavailable" in worker.state.last_error
        assert changes[-1]["pending"] == 10 and changes[-1]["online"] is False
        assert outbox.stats()["pending"] == 10 and outbox.stats()["dead"] == 0

    database = f"sqlite:///{tmp_path / 'central.db'}"
    with EmbeddedCentral(database, port=port) as central:
        secret = CentralClient.enrol(central.url, "K-1")
        with CentralClient(url, "K-1", secret) as up:
            worker.client = up
            assert worker.sync_once()["delivered"] == 10
    assert worker.state.online and worker.state.consecutive_failures == 0
    assert worker.state.last_error is None
    assert central_stats(database)["records"] == 10


def test_full_jitter_draws_inside_the_backoff_window(outbox, clock):
    outbox.record_visit("v-1", "completed", RECORD)
    draws = iter([0.25, 0.5, 0.0])
    with CentralClient(f"http://127.0.0.1:{_free_port()}", "K-1", b"\x00" * 32) as down:
        worker = _worker(outbox, down, clock, base_delay=2.0, jitter=lambda: next(draws))
        waits = []
        for _ in range(3):
            worker.sync_once(force=True)
            waits.append(worker.state.next_retry_at - clock())
    assert waits == [0.5, 2.0, 0.0]  # 0.25 × 2, 0.5 × 4, 0 × 8


def test_rejected_item_goes_to_dead_letters_with_reason(outbox, client, clock, central_db):
    outbox.record_visit("v-1", "completed", RECORD)
    outbox.enqueue("Not A Kind!", "odd-1", {"x": 1})
    outbox.record_visit("v-2", "completed", RECORD)
    result = _worker(outbox, client, clock).sync_once()
    assert (result["delivered"], result["dead"]) == (2, 1)
    [letter] = outbox.dead_letters()
    assert letter["key"] == "odd-1" and letter["state"] == "dead"
    assert letter["reason"].startswith("kind: String should match pattern")
    assert central_stats(central_db)["records"] == 2


def test_wrong_credentials_retry_and_report_but_never_dead_letter(outbox, central, clock):
    CentralClient.enrol(central.url, "K-1")
    outbox.record_visit("v-1", "completed", RECORD)
    with CentralClient(central.url, "K-1", b"\x07" * 32) as wrong:
        worker = _worker(outbox, wrong, clock)
        result = worker.sync_once()
    assert result["retry"] == 1
    assert "401 unknown kiosk or bad signature" in worker.state.last_error
    assert outbox.stats()["pending"] == 1 and outbox.dead_letters() == []


def test_item_rejected_for_another_kiosks_key(outbox, central, clock, central_db):
    with CentralClient(central.url, "K-A", CentralClient.enrol(central.url, "K-A")) as a:
        assert a.post_batch([{"key": "v-1", "kind": "visit", "created_at": 0, "payload": {}}])[0]["status"] == "stored"
    outbox.record_visit("v-1", "completed", RECORD)
    with CentralClient(central.url, "K-B", CentralClient.enrol(central.url, "K-B")) as b:
        _worker(outbox, b, clock).sync_once()
    assert outbox.dead_letters()[0]["reason"] == "key already used by another kiosk"
    assert central_stats(central_db)["duplicates_rejected"] == 0


def test_worker_thread_resends_leftovers_drains_on_wake_and_stops(outbox, client, central_db):
    outbox.record_visit("left-in-flight", "completed", RECORD)
    outbox.due(10)  # as if an earlier run had died mid-send
    delivered = threading.Event()

    def on_change(state: dict) -> None:
        if state["pending"] == 0 and state["in_flight"] == 0 and state["delivered"] == 6:
            delivered.set()

    worker = SyncWorker(outbox, client, on_change=on_change)
    worker.start()
    try:
        for i in range(5):
            outbox.record_visit(f"v-{i}", "completed", RECORD)
        worker.wake()
        assert delivered.wait(10), outbox.stats()
    finally:
        started = time.monotonic()
        worker.stop(timeout=5)
        assert time.monotonic() - started < 5  # the idle wait ends on stop, not after 30 s
    assert worker._thread is None
    assert central_stats(central_db)["records"] == 6


def test_empty_queue_pings_to_know_if_central_is_there(outbox, client, clock):
    worker = _worker(outbox, client, clock)
    assert worker.sync_once()["sent"] == 0
    assert worker.state.online


def test_worker_cannot_start_twice(outbox, client):
    worker = SyncWorker(outbox, client)
    worker.start()
    try:
        with pytest.raises(RuntimeError, match="already started"):
            worker.start()
    finally:
        worker.stop()


def test_an_item_too_large_for_central_is_split_out_and_dead_lettered(outbox, client, clock, central_db):
    for i in range(6):
        outbox.record_visit(f"v-{i}", "completed", RECORD)
    outbox.enqueue("visit", "v-huge", {"notes": "x" * (9 * 1024 * 1024)})  # over central's 8 MiB body
    for i in range(6, 12):
        outbox.record_visit(f"v-{i}", "completed", RECORD)
    worker = _worker(outbox, client, clock, batch_size=8)
    passes = 0
    while (result := worker.sync_once())["sent"]:
        passes += 1
        assert passes < 20, outbox.stats()
    [letter] = outbox.dead_letters()
    assert (letter["key"], letter["state"], letter["reason"]) == ("v-huge", "dead", "413 request body too large")
    assert outbox.stats()["delivered"] == 12 and outbox.stats()["pending"] == 0
    assert central_stats(central_db)["records"] == 12
    assert worker.state.consecutive_failures == 0 and worker.state.online
