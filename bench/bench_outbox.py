"""Outbox benchmark: durable enqueue rate vs raw SQLite commits, and drain time to central.

    .venv/bin/python bench/bench_outbox.py [--visits 2000] [--drain 10000] [--dir DIR]

Every figure is measured in a temporary directory under DIR (default: the current directory, so
on the disk the kiosk would use; DIR is created if missing). The enqueue rate is timed on a new outbox, and again on one
already holding the `--drain` backlog (a kiosk records visits into a long queue during an
outage), in rounds that alternate with the raw commits so all sides see the same disk and the
same neighbours; the figures are the medians of the rounds. Prints the command and a table.
"""

from __future__ import annotations

import argparse
import shlex
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from central.server import EmbeddedCentral
from central.stats import stats as central_stats
from kiosk.central_client import CentralClient
from offline_queue.outbox import Outbox
from offline_queue.sync import SyncWorker

RECORD = {
    "service": "no_criminal_record",
    "id_number": "11010519491231002X",
    "name": "张三",
    "purpose": "就业",
    "certificate_no": "NCR20261123ABCDEFGH",
    "steps": ["identify", "confirm", "working", "print"],
}
ROUNDS = 5


def raw_database(path: Path, synchronous: str) -> sqlite3.Connection:
    """A bare WAL database with one keyed table: the disk's floor."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("CREATE TABLE t (key TEXT PRIMARY KEY, payload BLOB)")
    return conn


def raw_commits_per_s(conn: sqlite3.Connection, count: int) -> float:
    """One small INSERT per transaction."""
    payload = bytes(300)
    started = time.perf_counter()
    for _ in range(count):
        conn.execute("BEGIN")
        conn.execute("INSERT INTO t VALUES (?, ?)", [uuid.uuid4().hex, payload])
        conn.execute("COMMIT")
    return count / (time.perf_counter() - started)


def record_visits(outbox: Outbox, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        outbox.record_visit(str(uuid.uuid4()), "completed", RECORD)
    return time.perf_counter() - started


def enqueue_items(outbox: Outbox, count: int) -> float:
    """Outbox.enqueue alone: one sealed item per transaction, no visit state."""
    started = time.perf_counter()
    for _ in range(count):
        outbox.enqueue("rating", str(uuid.uuid4()), RECORD)
    return time.perf_counter() - started


def enqueue_rates(directory: Path, backlog: Outbox, count: int) -> dict[str, float]:
    """Median rates over alternating rounds: raw FULL, a new outbox, the backlog, raw NORMAL."""
    per_round = max(1, count // ROUNDS)
    raw_full = raw_database(directory / "raw-full.db", "FULL")
    raw_normal = raw_database(directory / "raw-normal.db", "NORMAL")
    fresh = Outbox(directory / "fresh.db", directory / "fresh.key")
    rates: dict[str, list[float]] = {name: [] for name in
                                     ("raw_full", "raw_normal", "fresh", "backlog", "fresh_ratio", "backlog_ratio",
                                      "item", "item_ratio")}
    try:
        for _ in range(ROUNDS):
            full = raw_commits_per_s(raw_full, per_round)
            for name, outbox in (("fresh", fresh), ("backlog", backlog)):
                rate = per_round / record_visits(outbox, per_round)
                rates[name].append(rate)
                rates[f"{name}_ratio"].append(rate / full)
            item = per_round / enqueue_items(fresh, per_round)
            rates["item"].append(item)
            rates["item_ratio"].append(item / full)
            rates["raw_full"].append(full)
            rates["raw_normal"].append(raw_commits_per_s(raw_normal, per_round))
    finally:
        raw_full.close()
        raw_normal.close()
        fresh.close()
    return {name: statistics.median(values) for name, values in rates.items()}


def drain_s(outbox: Outbox, client: CentralClient, batch_size: int, limit: int | None = None) -> tuple[float, int]:
    """Drain (up to `limit` items) in batches of `batch_size`; (seconds, items sent)."""
    worker = SyncWorker(outbox, client, batch_size=batch_size)
    sent = 0
    started = time.perf_counter()
    while (limit is None or sent < limit) and (result := worker.sync_once())["sent"]:
        sent += result["sent"]
    return time.perf_counter() - started, sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=2000, help="commits timed for each rate")
    parser.add_argument("--drain", type=int, default=10_000, help="visits queued, then drained")
    parser.add_argument("--single", type=int, default=1000, help="visits sent one request each")
    parser.add_argument("--dir", type=Path, default=Path.cwd(), help="where the databases go")
    args = parser.parse_args()

    print("$ " + shlex.join([sys.executable, *sys.argv]))
    args.dir.mkdir(parents=True, exist_ok=True)  # `--dir /tmp/qb` as documented, on a fresh machine too
    with tempfile.TemporaryDirectory(prefix="bench-outbox-", dir=args.dir) as tmp:
        directory = Path(tmp)
        database = f"sqlite:///{directory / 'central.db'}"
        with Outbox(directory / "outbox.db", directory / "outbox.key", max_items=10**9) as outbox:
            queue_s = record_visits(outbox, args.drain)
            rates = enqueue_rates(directory, outbox, args.visits)
            queued = outbox.stats()["pending"]
            with EmbeddedCentral(database) as central:
                secret = CentralClient.enrol(central.url, "BENCH")
                with CentralClient(central.url, "BENCH", secret) as client:
                    single_s, single = drain_s(outbox, client, batch_size=1, limit=args.single)
                    batched_s, batched = drain_s(outbox, client, batch_size=200)
        stored = central_stats(database)["completed_visits"]

    single_rate, batched_rate = single / single_s, batched / batched_s
    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| raw SQLite commits/s (WAL, synchronous=FULL) | {rates['raw_full']:,.0f} |")
    print(f"| raw SQLite commits/s (WAL, synchronous=NORMAL, not power-safe) | {rates['raw_normal']:,.0f} |")
    print(f"| Outbox.enqueue/s (WAL, FULL, AES-GCM, one item), new outbox | {rates['item']:,.0f} "
          f"(**{rates['item_ratio']:.0%}** of raw FULL) |")
    print(f"| Outbox.record_visit/s (WAL, FULL, AES-GCM, visit + item), new outbox | {rates['fresh']:,.0f} |")
    print(f"| **record_visit vs raw FULL commit** (median of {ROUNDS} alternating rounds) "
          f"| **{rates['fresh_ratio']:.0%}** |")
    print(f"| Outbox.record_visit/s with {args.drain:,} visits already queued | {rates['backlog']:,.0f} "
          f"({rates['backlog_ratio']:.0%} of raw FULL) |")
    print(f"| queueing {args.drain:,} visits into an empty outbox | {queue_s:.1f} s |")
    print(f"| one request per visit ({single:,} visits) | {single_rate:,.0f} visits/s |")
    print(f"| draining the other {batched:,} visits in batches of 200 (embedded central, SQLite) "
          f"| {batched_s:.1f} s ({batched_rate:,.0f} visits/s, {batched_rate / single_rate:.0f}× one per request) |")
    print(f"| completed visits stored by central (of {queued:,} queued) | {stored:,} |")


if __name__ == "__main__":
    main()
