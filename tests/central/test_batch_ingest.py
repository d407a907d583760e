"""Batch intake: one answer per item, each key stored once, also under concurrent resends."""

from __future__ import annotations

import threading
import time

from central.stats import completed_visit_keys, stats


def item(key: str, outcome: str = "completed") -> dict:
    return {"key": key, "kind": "visit", "created_at": time.time(), "payload": {"outcome": outcome}}


def test_each_item_gets_its_own_answer(enrolled, central_db):
    a, b = enrolled("K-A"), enrolled("K-B")
    assert [r["status"] for r in a.post_batch([item("v-1"), item("v-2")])] == ["stored", "stored"]
    answers = a.post_batch([item("v-2"), item("v-3"), item("v-3"), {"key": "v-4", "kind": "Bad"}, item("v-5")])
    assert [(r["key"], r["status"]) for r in answers] == [
        ("v-2", "duplicate"), ("v-3", "stored"), ("v-3", "duplicate"), ("v-4", "rejected"), ("v-5", "stored")]
    assert answers[3]["reason"].startswith("kind:")
    stolen = b.post_batch([item("v-1"), item("v-6")])
    assert [(r["status"], r["reason"]) for r in stolen] == [
        ("rejected", "key already used by another kiosk"), ("stored", None)]
    assert completed_visit_keys(central_db) == {"v-1": "K-A", "v-2": "K-A", "v-3": "K-A", "v-5": "K-A", "v-6": "K-B"}
    assert stats(central_db)["duplicates_rejected"] == 2


def test_concurrent_resends_store_each_key_once(enrolled, central_db):
    """Four connections send the same 200 keys at once, as after lost answers: one stores each."""
    client = enrolled("K-1")  # httpx opens a connection per thread that sends at once
    batch = [item(f"v-{n}") for n in range(200)]
    answers: list[list[dict]] = []
    barrier = threading.Barrier(4)

    def send():
        barrier.wait()
        answers.append(client.post_batch(batch))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == 4
    for n in range(200):
        statuses = sorted(answer[n]["status"] for answer in answers)
        assert statuses == ["duplicate", "duplicate", "duplicate", "stored"], (n, statuses)
    figures = stats(central_db)
    assert (figures["records"], figures["duplicates_rejected"]) == (200, 600)
