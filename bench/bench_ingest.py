"""Central ingest at fleet scale: many kiosks post signed record batches to one central at once.

    .venv/bin/python bench/bench_ingest.py [--kiosks 1000] [--batch-size 20] [--batches 3]
        [--rate 2000] [--database both|postgresql|sqlite] [--workers 1]

Central is the real `kiosk central serve` process; the database is a throwaway PostgreSQL
(fsync on) or a SQLite file (WAL, synchronous=FULL) in a temporary directory. Every kiosk is
enrolled with its own secret and keeps one keep-alive connection; each request carries a fresh
nonce and an HMAC signature made with the kiosk client's `sign`. The load generator is one
asyncio process speaking plain HTTP/1.1, so that it costs central as little CPU as possible.

A "tx" is one record stored (a visit or a rating), the unit a kiosk's outbox sends.
Two loads:
- saturation: every kiosk sends its next batch as soon as the last one is answered (closed
  loop, 1,000 requests always waiting): the most central can store per second.
- paced: the fleet sends `--rate` records per second in total, each kiosk at random phase
  (open loop): latency at the goal rate.
Then every kiosk sends a new batch twice at once on two connections (a resend racing the
original): each key must be stored once, answered once stored and once duplicate.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import random
import shlex
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from central.db import create_engine_for, enrol_kiosk
from central.scratch_postgres import create_database, scratch_postgres
from central.stats import stats as central_stats
from kiosk.central_client import sign

BATCH_PATH = "/api/v1/records/batch"
KIOSK = str(Path(sys.executable).with_name("kiosk"))


def record(kiosk_id: str) -> dict:
    visit_id = f"{kiosk_id}-20261123-{uuid.uuid4().hex[:12]}"
    return {"key": visit_id, "kind": "visit", "created_at": time.time(), "payload": {
        "visit_id": visit_id, "kiosk_id": kiosk_id, "service": "no_criminal_record", "outcome": "completed",
        "started_at": "2026-11-23T08:00:00+00:00", "ended_at": "2026-11-23T08:02:10+00:00",
        "furthest_state": "rate", "choices": {"purpose": "employment"},
        "result": {"outcome": "issued", "reference": "NCR20261123ABCDEFGH", "issued_at": "2026-11-23T16:02:09+08:00"},
        "receipt_printed": True, "identity": {"method": "idcard"},
    }}


@dataclass
class Kiosk:
    kiosk_id: str
    secret: bytes
    latencies: list[float] = field(default_factory=list)
    answers: dict[str, int] = field(default_factory=dict)

    def request(self, body: bytes) -> bytes:
        timestamp, nonce = str(int(time.time())), os.urandom(16).hex()
        signature = sign(self.secret, "POST", BATCH_PATH, timestamp, nonce, body)
        head = (f"POST {BATCH_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nX-Kiosk-Id: {self.kiosk_id}\r\nX-Timestamp: {timestamp}\r\n"
                f"X-Nonce: {nonce}\r\nX-Signature: {signature}\r\n\r\n")
        return head.encode() + body


class Connection:
    """One kiosk's keep-alive connection; reopened when central has closed it while idle."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    @classmethod
    async def open(cls, port: int) -> Connection:
        connection = cls(port)
        await connection._connect()
        return connection

    async def _connect(self) -> None:
        self.close()
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def post(self, kiosk: Kiosk, body: bytes) -> None:
        started = time.perf_counter()
        try:
            status, answer = await self._exchange(kiosk.request(body))
        except (asyncio.IncompleteReadError, ConnectionError):  # closed while idle: as httpx, reconnect
            await self._connect()
            status, answer = await self._exchange(kiosk.request(body))
        kiosk.latencies.append(time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"central answered {status}: {answer[:200]!r}")
        for result in json.loads(answer)["results"]:
            kiosk.answers[result["status"]] = kiosk.answers.get(result["status"], 0) + 1

    async def _exchange(self, request: bytes) -> tuple[int, bytes]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def batches_for(kiosk: Kiosk, count: int, size: int) -> list[bytes]:
    return [json.dumps({"items": [record(kiosk.kiosk_id) for _ in range(size)]}, separators=(",", ":")).encode()
            for _ in range(count)]


async def saturate(kiosks: list[Kiosk], connections: list[Connection], bodies: list[list[bytes]]) -> float:
    async def one(kiosk, connection, own):
        for body in own:
            await connection.post(kiosk, body)

    started = time.perf_counter()
    await asyncio.gather(*(one(k, c, b) for k, c, b in zip(kiosks, connections, bodies, strict=True)))
    return time.perf_counter() - started


async def paced(kiosks: list[Kiosk], connections: list[Connection], bodies: list[list[bytes]],
                interval_s: float) -> float:
    """Each kiosk sends one batch every `interval_s`, starting at a random phase."""
    loop = asyncio.get_running_loop()
    started = loop.time()

    async def one(kiosk, connection, own):
        next_at = started + random.uniform(0, interval_s)
        for body in own:
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            await connection.post(kiosk, body)
            next_at += interval_s

    await asyncio.gather(*(one(k, c, b) for k, c, b in zip(kiosks, connections, bodies, strict=True)))
    return loop.time() - started


async def retry_storm(kiosks: list[Kiosk], port: int, bodies: list[bytes]) -> None:
    """Every kiosk sends a batch on two new connections at once (a resend racing the original)."""
    async def one(kiosk, body):
        first, second = await Connection.open(port), await Connection.open(port)
        try:
            await asyncio.gather(first.post(kiosk, body), second.post(kiosk, body))
        finally:
            first.close()
            second.close()

    for start in range(0, len(kiosks), 250):  # 500 connections at a time
        await asyncio.gather(*(one(k, b) for k, b in zip(kiosks[start:start + 250], bodies[start:start + 250])))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summary(name: str, kiosks: list[Kiosk], elapsed: float, batch_size: int) -> dict:
    latencies = [value for kiosk in kiosks for value in kiosk.latencies]
    return {"load": name, "requests": len(latencies), "tx": len(latencies) * batch_size, "seconds": elapsed,
            "tx_per_s": len(latencies) * batch_size / elapsed, "requests_per_s": len(latencies) / elapsed,
            "p50_ms": 1000 * percentile(latencies, 0.50), "p99_ms": 1000 * percentile(latencies, 0.99),
            "max_ms": 1000 * max(latencies)}


@contextlib.contextmanager
def central_process(database: str, workers: int, log_dir: Path):
    with open(log_dir / "central.log", "w") as log:
        # One load generator is one source address: the per-source limit would measure itself.
        process = subprocess.Popen([KIOSK, "central", "serve", "--database", database, "--port", "0",
                                    "--workers", str(workers), "--log-level", "warning", "--source-rate", "off"],
                                   stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        line = process.stdout.readline()
        if not line.startswith("central listening on "):
            raise RuntimeError(f"central did not start: {(log_dir / 'central.log').read_text()[-500:]}")
        yield int(line.rsplit(":", 1)[1])
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


def enrol(database: str, count: int) -> list[Kiosk]:
    engine = create_engine_for(database)
    try:
        return [Kiosk(f"bench-{i:04d}", enrol_kiosk(engine, f"bench-{i:04d}")) for i in range(count)]
    finally:
        engine.dispose()


async def run_loads(database: str, args, log_dir: Path) -> list[dict]:
    kiosks = enrol(database, args.kiosks)
    interval_s = args.kiosks * args.batch_size / args.rate
    rows = []
    with central_process(database, args.workers, log_dir) as port:
        connections = [await Connection.open(port) for _ in kiosks]
        try:
            # A small untimed warm-up: every connection used once (and central's pools filled).
            await saturate(kiosks, connections, [batches_for(k, 1, 1) for k in kiosks])
            for kiosk in kiosks:
                kiosk.latencies.clear()
            bodies = [batches_for(k, args.batches, args.batch_size) for k in kiosks]
            rows.append(summary("saturation", kiosks, await saturate(kiosks, connections, bodies), args.batch_size))
            for kiosk in kiosks:
                kiosk.latencies.clear()
            bodies = [batches_for(k, args.batches, args.batch_size) for k in kiosks]
            rows.append(summary(f"paced at {args.rate:,} tx/s", kiosks,
                                await paced(kiosks, connections, bodies, interval_s), args.batch_size))
            for kiosk in kiosks:
                kiosk.latencies.clear()
            started = time.perf_counter()
            await retry_storm(kiosks, port, [batches_for(k, 1, args.batch_size)[0] for k in kiosks])
            rows.append(summary("retry storm (each batch twice at once)", kiosks, time.perf_counter() - started,
                                args.batch_size))
        finally:
            for connection in connections:
                connection.close()
    expected = args.kiosks * (1 + (2 * args.batches + 1) * args.batch_size)
    figures = central_stats(database)
    answers = {}
    for kiosk in kiosks:
        for status, count in kiosk.answers.items():
            answers[status] = answers.get(status, 0) + count
    check = {"records_stored": figures["records"], "records_expected": expected,
             "duplicates_rejected": figures["duplicates_rejected"], "answers": answers}
    if figures["records"] != expected or answers.get("rejected") or \
            figures["duplicates_rejected"] != args.kiosks * args.batch_size:
        raise SystemExit(f"central lost, doubled or refused records: {check}")
    rows.append(check)
    return rows


def measure(kind: str, args) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        log_dir = Path(tmp)
        os.environ["KIOSK_CENTRAL_KEY_FILE"] = str(log_dir / "central.key")  # for enrolment and central alike
        if kind == "sqlite":
            return asyncio.run(run_loads(f"sqlite:///{log_dir / 'central.db'}", args, log_dir))
        with scratch_postgres(durable=True, settings={"max_connections": "300"}) as admin_url:
            return asyncio.run(run_loads(create_database(admin_url), args, log_dir))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=20, help="records per request")
    parser.add_argument("--batches", type=int, default=3, help="requests per kiosk in each load")
    parser.add_argument("--rate", type=float, default=2000.0, help="records per second for the paced load")
    parser.add_argument("--database", choices=["both", "postgresql", "sqlite"], default="both")
    parser.add_argument("--workers", type=int, default=1, help="central's worker processes")
    args = parser.parse_args()
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    print(f"command: .venv/bin/python bench/bench_ingest.py {shlex.join(sys.argv[1:])}")
    print(f"{args.kiosks} kiosks, {args.batch_size} records per batch, {args.batches} batches per kiosk and load, "
          f"central with {args.workers} worker process(es)\n")
    print("| database | load | requests | tx (records) | s | tx/s | requests/s | p50 ms | p99 ms | max ms |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    kinds = ["postgresql", "sqlite"] if args.database == "both" else [args.database]
    for kind in kinds:
        rows = measure(kind, args)
        for row in rows[:-1]:
            print(f"| {kind} | {row['load']} | {row['requests']:,} | {row['tx']:,} | {row['seconds']:.1f} | "
                  f"{row['tx_per_s']:,.0f} | {row['requests_per_s']:,.0f} | {row['p50_ms']:.0f} | "
                  f"{row['p99_ms']:.0f} | {row['max_ms']:.0f} |")
        check = rows[-1]
        print(f"|  {kind} | check | stored {check['records_stored']:,} of {check['records_expected']:,}, "
              f"duplicates rejected {check['duplicates_rejected']:,} | | | | | | | |", flush=True)


if __name__ == "__main__":
    main()
