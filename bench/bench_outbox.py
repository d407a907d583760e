"""Outbox benchmark: durable enqueue rate vs raw SQLite commits, and drain time to central.

    .venv/bin/python bench/bench_outbox.py [--visits 2000] [--drain 10000] [--dir DIR]

Every figure is measured in DIR (default: a temporary directory in the current directory, so
on the disk the kiosk would use). Prints the command and a markdown table.
"""

from __future__ import annotations

import argparse
import shlex
import sqlite3
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


def raw_commits_per_s(directory: Path, count: int, synchronous: str) -> float:
    """One small INSERT per transaction on a bare WAL database: the disk's floor."""
    conn = sqlite3.connect(directory / f"raw-{synchronous}.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("CREATE TABLE t (key TEXT PRIMARY KEY, payload BLOB)")
    payload = bytes(300)
    started = time.perf_counter()
    for _ in range(count):
        conn.execute("BEGIN")
        conn.execute("INSERT INTO t VALUES (?, ?)", [uuid.uuid4().hex, payload])
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return count / elapsed


def record_visits(outbox: Outbox, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        outbox.record_visit(str(uuid.uuid4()), "completed", RECORD)
    return time.perf_counter() - started


def drain(directory: Path, count: int) -> tuple[float, float, int]:
    """Queue `count` visits, then drain them to an embedded central; (queue s, drain s, stored)."""
    database = f"sqlite:///{directory / 'central.db'}"
    with Outbox(directory / "drain.db", directory / "drain.key") as outbox:
        queue_s = record_visits(outbox, count)
        with EmbeddedCentral(database) as central:
            with CentralClient(central.url, "BENCH", CentralClient.enrol(central.url, "BENCH")) as client:
                worker = SyncWorker(outbox, client)
                started = time.perf_counter()
                while worker.sync_once()["sent"]:
                    pass
                drain_s = time.perf_counter() - started
    return queue_s, drain_s, central_stats(database)["completed_visits"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=2000, help="commits timed for each rate")
    parser.add_argument("--drain", type=int, default=10_000, help="visits queued, then drained")
    parser.add_argument("--dir", type=Path, default=Path.cwd(), help="where the databases go")
    args = parser.parse_args()

    print("$ " + shlex.join([sys.executable, *sys.argv]))
    with tempfile.TemporaryDirectory(prefix="bench-outbox-", dir=args.dir) as tmp:
        directory = Path(tmp)
        raw_full = raw_commits_per_s(directory, args.visits, "FULL")
        raw_normal = raw_commits_per_s(directory, args.visits, "NORMAL")
        with Outbox(directory / "rate.db", directory / "rate.key") as outbox:
            visit_rate = args.visits / record_visits(outbox, args.visits)
        queue_s, drain_s, stored = drain(directory, args.drain)

    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| raw SQLite commits/s (WAL, synchronous=FULL) | {raw_full:,.0f} |")
    print(f"| raw SQLite commits/s (WAL, synchronous=NORMAL, not power-safe) | {raw_normal:,.0f} |")
    print(f"| Outbox.record_visit/s (WAL, FULL, AES-GCM, visit + item) | {visit_rate:,.0f} |")
    print(f"| record_visit vs raw FULL commit | {visit_rate / raw_full:.0%} |")
    print(f"| queueing {args.drain:,} visits | {queue_s:.1f} s |")
    print(f"| draining {args.drain:,} visits to embedded central (SQLite, batches of 200) "
          f"| {drain_s:.1f} s ({args.drain / drain_s:,.0f} visits/s) |")
    print(f"| completed visits stored by central | {stored:,} |")


if __name__ == "__main__":
    main()
