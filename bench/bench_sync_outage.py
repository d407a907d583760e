"""A long central outage on an injected clock: the queue holds, backoff stays capped, and the
backlog drains exactly once when central returns.

    .venv/bin/python bench/bench_sync_outage.py [--visits 50000] [--days 7] [--dir DIR]

Simulated time: `--visits` visits are spread over `--days` days while central is unreachable
(a closed port on 127.0.0.1); the worker runs a pass every ten visits, as its thread would
between them. Then it is pointed at a real embedded central (SQLite) and drains. Prints the
command and a markdown table.
"""

from __future__ import annotations

import argparse
import shlex
import socket
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

RECORD = {"service": "no_criminal_record", "id_number": "11010519491231002X", "name": "张三",
          "purpose": "就业", "steps": ["identify", "confirm", "working", "print"]}


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=50_000)
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--dir", type=Path, default=Path.cwd(), help="where the databases go")
    args = parser.parse_args()
    print("$ " + shlex.join([sys.executable, *sys.argv]))

    clock = Clock()
    step = args.days * 86400 / args.visits
    with tempfile.TemporaryDirectory(prefix="bench-outage-", dir=args.dir) as tmp:
        directory = Path(tmp)
        database = f"sqlite:///{directory / 'central.db'}"
        with Outbox(directory / "outbox.db", directory / "outbox.key", clock=clock,
                    max_items=args.visits) as outbox:
            with CentralClient(f"http://127.0.0.1:{closed_port()}", "BENCH", bytes(32), timeout=2.0) as down:
                worker = SyncWorker(outbox, down, clock=clock, max_delay=300.0)
                attempts, longest_wait = 0, 0.0
                started = time.perf_counter()
                for i in range(args.visits):
                    outbox.record_visit(str(uuid.uuid4()), "completed", RECORD)
                    clock.now += step
                    if i % 10 == 0:
                        failures = worker.state.consecutive_failures
                        worker.sync_once()
                        if worker.state.consecutive_failures > failures:
                            attempts += 1
                            longest_wait = max(longest_wait, worker.state.next_retry_at - clock())
                outage_s = time.perf_counter() - started
            held = outbox.stats()
            with EmbeddedCentral(database) as central:
                secret = CentralClient.enrol(central.url, "BENCH")
                with CentralClient(central.url, "BENCH", secret) as up:
                    worker.client = up
                    started = time.perf_counter()
                    worker.sync_once(force=True)
                    while worker.sync_once()["sent"]:
                        pass
                    drain_s = time.perf_counter() - started
            after = outbox.stats()
        figures = central_stats(database)

    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| simulated outage | {args.days:g} days, {args.visits:,} visits ({outage_s:.1f} s of real time) |")
    print(f"| queued at the end of the outage | {held['pending']:,} pending, {held['dead']} dead, "
          f"oldest {held['oldest_pending_age_s'] / 86400:.1f} days |")
    print(f"| outbox file at the end of the outage | {held['size_bytes'] / 2**20:.1f} MiB "
          f"({held['size_bytes'] / args.visits:,.0f} bytes a visit) |")
    print(f"| failed batch attempts during the outage | {attempts:,} (longest backoff {longest_wait:.0f} s, cap 300 s) |")
    print(f"| drain after recovery (batches of 200, embedded central on SQLite) | {drain_s:.1f} s "
          f"({args.visits / drain_s:,.0f} visits/s) |")
    print(f"| stored by central / duplicates / left undelivered | {figures['records']:,} / "
          f"{figures['duplicates_rejected']} / {after['pending'] + after['in_flight']} |")


if __name__ == "__main__":
    main()
