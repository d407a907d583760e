"""The sync worker through a fault-injecting proxy in front of a real central.

Central answers 500, hangs, drops connections, answers slowly, or stores a batch and loses the
answer; and a 72-hour outage runs on an injected clock. Whatever happens, every visit ends up
stored exactly once and nothing queued is lost.
"""

from __future__ import annotations

import random

import pytest

from central.stats import stats as central_stats
from offline_queue.outbox import OutboxFull
from offline_queue.sync import SyncWorker

RECORD = {"service": "no_criminal_record", "id_number": "11010519491231002X", "name": "张三"}
HOUR = 3600.0


def _queue(outbox, count: int, prefix: str = "v") -> list[str]:
    keys = [f"{prefix}-{i:04d}" for i in range(count)]
    for key in keys:
        outbox.record_visit(key, "completed", RECORD)
    return keys


def _worker(outbox, client, clock, **options) -> SyncWorker:
    options.setdefault("jitter", lambda: 1.0)  # the top of each backoff window: predictable
    return SyncWorker(outbox, client, clock=clock, **options)


def _drain(worker: SyncWorker, clock, passes: int = 100) -> None:
    """Run passes, letting each backoff expire, until the queue is empty (bounded)."""
    for _ in range(passes):
        stats = worker.outbox.stats()
        if stats["pending"] == 0 and stats["in_flight"] == 0:
            return
        if worker.state.next_retry_at is not None:
            clock.now = max(clock.now, worker.state.next_retry_at)
        worker.sync_once()
    raise AssertionError(f"queue not drained after {passes} passes: {worker.outbox.stats()}")


def _assert_stored_once(database: str, outbox, keys: list[str]) -> None:
    figures = central_stats(database)
    assert figures["records"] == len(keys)
    assert outbox.stats()["delivered"] == len(keys)
    assert outbox.stats()["pending"] == outbox.stats()["in_flight"] == outbox.stats()["dead"] == 0


@pytest.mark.parametrize("fault", ["error500", "hang", "drop"])
def test_batch_failure_is_retried_with_backoff_then_drained_once(fault, outbox, kiosk_client, proxy,
                                                                  central_url, clock):
    _, database = central_url
    keys = _queue(outbox, 30)
    worker = _worker(outbox, kiosk_client, clock, batch_size=10)
    proxy.fault = fault
    for expected_wait in (1.0, 2.0, 4.0):
        result = worker.sync_once(force=True)
        assert (result["sent"], result["retry"], result["delivered"]) == (10, 10, 0)
        assert worker.state.next_retry_at - clock() == expected_wait
    assert not worker.state.online
    expected_error = {"error500": "500", "hang": "timed out", "drop": "unreachable"}[fault]
    assert expected_error in worker.state.last_error
    assert central_stats(database)["records"] == 0
    assert outbox.stats()["pending"] == 30

    proxy.fault = "pass"
    _drain(worker, clock)
    _assert_stored_once(database, outbox, keys)
    assert worker.state.online and worker.state.consecutive_failures == 0


def test_slow_central_within_the_timeout_is_just_slow(outbox, kiosk_client, proxy, central_url, clock):
    _, database = central_url
    keys = _queue(outbox, 20)
    proxy.fault, proxy.slow_s = "slow", 0.3
    worker = _worker(outbox, kiosk_client, clock, batch_size=10)
    assert worker.sync_once()["delivered"] == 10
    assert worker.sync_once()["delivered"] == 10
    _assert_stored_once(database, outbox, keys)
    assert proxy.requests["slow"] == 2


def test_answer_lost_after_central_stored_is_resolved_by_the_idempotency_key(outbox, kiosk_client, proxy,
                                                                              central_url, clock):
    _, database = central_url
    keys = _queue(outbox, 25)
    worker = _worker(outbox, kiosk_client, clock, batch_size=25)
    proxy.plan.extend(["drop_response", "drop_response"])  # stored twice, heard neither time
    assert worker.sync_once()["retry"] == 25
    assert central_stats(database)["records"] == 25
    assert worker.sync_once(force=True)["retry"] == 25
    _drain(worker, clock)
    _assert_stored_once(database, outbox, keys)
    assert central_stats(database)["duplicates_rejected"] == 50  # the second and third sends


def test_batches_share_one_kept_alive_connection(outbox, kiosk_client, proxy, central_url, clock):
    _, database = central_url
    keys = _queue(outbox, 50)
    worker = _worker(outbox, kiosk_client, clock, batch_size=10)
    while worker.sync_once()["sent"]:
        pass
    _assert_stored_once(database, outbox, keys)
    assert proxy.requests["pass"] >= 5
    assert proxy.connections == 1


def test_random_faults_on_every_request_still_deliver_each_visit_once(outbox, kiosk_client, proxy,
                                                                       central_url, clock):
    _, database = central_url
    keys = _queue(outbox, 60)
    chance = random.Random(20261123)
    faults = ["pass", "error500", "drop", "drop_response", "slow", "hang"]
    proxy.slow_s = 0.05
    first = chance.sample(faults, len(faults))  # each fault met at least once: 60 items need ≥ 9 posts
    proxy.plan.extend(first + chance.choices(faults, weights=[4, 2, 2, 3, 1, 1], k=30))
    worker = _worker(outbox, kiosk_client, clock, batch_size=7, jitter=chance.random)
    _drain(worker, clock, passes=200)
    _assert_stored_once(database, outbox, keys)
    assert all(proxy.requests[fault] > 0 for fault in faults)  # every kind of fault was met


def test_probe_retries_at_once_when_central_is_back(outbox, kiosk_client, proxy, central_url, clock):
    _, database = central_url
    keys = _queue(outbox, 5)
    worker = _worker(outbox, kiosk_client, clock, base_delay=300.0, max_delay=300.0, probe_interval=5.0)
    proxy.fault = "drop"
    worker.sync_once()
    assert worker.state.next_retry_at - clock() == 300.0
    clock.advance(5)
    assert worker.sync_once()["sent"] == 0  # the probe failed: still backing off

    proxy.fault = "pass"
    clock.advance(2)
    assert worker.sync_once()["sent"] == 0  # probes are spaced: none due yet
    clock.advance(3)
    assert worker.sync_once()["delivered"] == 5  # 10 s into a 300 s backoff
    _assert_stored_once(database, outbox, keys)


def test_72_hour_outage_holds_the_queue_bounded_then_drains_exactly_once(tmp_path, kiosk_client, proxy,
                                                                          central_url, clock):
    from offline_queue.outbox import Outbox

    _, database = central_url
    outbox = Outbox(tmp_path / "outage.db", tmp_path / "outage.key", clock=clock,
                    max_items=400, warn_ratio=0.8)
    worker = _worker(outbox, kiosk_client, clock, base_delay=1.0, max_delay=300.0,
                     keep_delivered_s=24 * HOUR, probe_interval=600.0)
    try:
        before = _queue(outbox, 100, prefix="before")
        _drain(worker, clock)  # delivered before the outage: purged once past retention

        proxy.fault = "drop"
        waits, refused, queued, near_full_at = [], 0, [], None
        step = 600.0  # ten minutes a step, a visit each
        for tick in range(int(72 * HOUR / step)):
            key = f"outage-{tick:04d}"
            try:
                outbox.record_visit(key, "completed", RECORD)
                queued.append(key)
            except OutboxFull as exc:
                assert "400 undelivered items (limit 400)" in str(exc)
                refused += 1
            if near_full_at is None and outbox.stats()["near_full"]:
                near_full_at = len(queued)
            failures = worker.state.consecutive_failures
            worker.sync_once()
            if worker.state.consecutive_failures > failures:
                waits.append(worker.state.next_retry_at - clock())
            clock.advance(step)

        stats = outbox.stats()
        assert stats["pending"] == len(queued) == 400 and stats["full"]
        assert refused == 72 * 6 - 400  # one visit each 10 minutes; the rest refused, none lost
        assert near_full_at == 320  # 80 % of the bound: the kiosk is warned before it is full
        assert stats["delivered"] == 0  # the 100 delivered before the outage were purged
        assert stats["oldest_pending_age_s"] == pytest.approx(72 * HOUR, abs=HOUR)
        assert max(waits) == 300.0 and waits.count(300.0) > 400  # the cap, and no further
        assert waits[:9] == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0]
        assert stats["size_bytes"] < 1_000_000
        assert central_stats(database)["records"] == 100

        proxy.fault = "pass"
        _drain(worker, clock)
        assert central_stats(database)["records"] == len(before) + len(queued)
        assert central_stats(database)["duplicates_rejected"] == 0
        assert outbox.stats()["pending"] == 0 and not outbox.stats()["full"]
        outbox.record_visit("after-recovery", "completed", RECORD)  # room again
    finally:
        outbox.close()
