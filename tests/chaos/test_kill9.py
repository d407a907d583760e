"""kill -9 chaos: the fleet simulator and central are real processes, killed with SIGKILL at
random points while kiosks record and sync visits, and restarted on the same data.

Afterwards central holds every visit the kiosks recorded as completed exactly once, stored by
the kiosk that did it, and nothing the citizen saw fail. The random seed is in every failure
message; set CHAOS_SEED to replay a run.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from central.stats import completed_visit_keys, stats
from drivers.idcard.demo_cards import load_demo_card
from kiosk.central_client import CentralClient, CentralUnavailable
from kiosk.fleet import CARDS, CITIZEN_LOG, completed_visit_ids

KIOSK = str(Path(sys.executable).with_name("kiosk"))
KIOSKS = 4
SIMULATOR_KILLS = 8
ENDLESS = 1_000_000  # visits asked of a run that is going to be killed
WAIT_S = 120.0  # for progress that takes a second or two on an idle machine


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, what: str, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Process:
    """A `kiosk …` subprocess with its output in files (a full pipe must never block it)."""

    def __init__(self, args: list[str], log_dir: Path, name: str):
        self.args, self.log_dir, self.name = args, log_dir, name
        self.popen: subprocess.Popen | None = None
        self.runs = 0

    def start(self) -> Process:
        self.runs += 1
        self.stdout = self.log_dir / f"{self.name}.{self.runs}.out"
        self.stderr = self.log_dir / f"{self.name}.{self.runs}.err"
        with open(self.stdout, "w") as out, open(self.stderr, "w") as err:
            self.popen = subprocess.Popen([KIOSK, *self.args], stdout=out, stderr=err)
        return self

    def kill9(self) -> int | None:
        """SIGKILL; the exit status it had if it had already ended, else None."""
        ended = self.popen.poll()
        if ended is None:
            self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=30)
        return ended

    def wait(self, timeout: float) -> int:
        return self.popen.wait(timeout=timeout)

    def output(self) -> str:
        return self.stdout.read_text()

    def errors(self) -> str:
        return self.stderr.read_text()[-2000:]


class CentralProcess(Process):
    """`kiosk central serve` on a fixed port, so kiosks find it again after a restart."""

    def __init__(self, database: str, log_dir: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__(["central", "serve", "--database", database, "--port", str(self.port), "--dev",
                          "--log-level", "warning"], log_dir, "central")

    def start(self) -> CentralProcess:
        super().start()
        wait_for(lambda: "central listening on" in self.output() or self.popen.poll() is not None,
                 "central to listen", timeout=60)
        assert self.popen.poll() is None, self.errors()
        return self


@pytest.fixture
def processes():
    started: list[Process] = []
    yield started.append
    for process in started:
        if process.popen is not None and process.popen.poll() is None:
            process.kill9()


def completed_so_far(data_dir: Path) -> int:
    return sum(len(completed_visit_ids(kiosk_dir)) for kiosk_dir in data_dir.glob("sim-*"))


def citizen_saw(data_dir: Path) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {"completed": set(), "failed": set()}
    for journal in data_dir.glob(f"sim-*/{CITIZEN_LOG}"):
        for line in journal.read_text().splitlines():
            outcome, _, visit_id = line.partition(" ")
            if visit_id:  # a line cut short by the kill is not a view the citizen had
                seen[outcome].add(visit_id)
    return seen


@pytest.mark.timeout(600)  # bounded by progress, not by time: ~40 s on an idle machine
def test_fleet_and_central_killed_at_random_lose_nothing_and_store_nothing_twice(tmp_path, processes):
    seed = int(os.environ.get("CHAOS_SEED", random.randrange(1_000_000)))
    rng = random.Random(seed)
    data_dir, database = tmp_path / "fleet", f"sqlite:///{tmp_path / 'central.db'}"
    central = CentralProcess(database, tmp_path)
    processes(central)
    central.start()
    simulator_args = ["simulate-fleet", "--central", central.url, "--kiosks", str(KIOSKS),
                      "--data-dir", str(data_dir)]
    central_kills = 0
    for round_no in range(SIMULATOR_KILLS):
        simulator = Process(simulator_args + ["--visits", str(ENDLESS), "--seed", str(round_no)],
                            tmp_path, f"simulator-{round_no}")
        processes(simulator)
        simulator.start()
        before = completed_so_far(data_dir)
        if round_no == 0:
            time.sleep(rng.uniform(0.1, 1.0))  # during start-up: enrolment, opening the outboxes
        else:
            # Kill after some progress, so each kill lands while visits are written and synced.
            progress = rng.randint(20, 40)
            wait_for(lambda: completed_so_far(data_dir) >= before + progress or simulator.popen.poll() is not None,
                     f"{progress} more visits (seed {seed})")
            if round_no in (3, 6):
                central_kills += kill_central_during_sync(central, data_dir, rng, seed)
            time.sleep(rng.uniform(0.0, 0.3))
        ended = simulator.kill9()
        assert ended is None, f"simulator ended ({ended}) before its kill (seed {seed}): {simulator.errors()}"
    done = {kiosk_dir.name: len(completed_visit_ids(kiosk_dir)) for kiosk_dir in data_dir.glob("sim-*")}
    assert sum(done.values()) >= 200, f"seed {seed}: {done}"

    # The last run finishes what the killed ones left (a few visits each) and drains everything.
    visits = max(done.values()) + 5
    final = Process(simulator_args + ["--visits", str(visits)], tmp_path, "simulator-final")
    processes(final)
    final.start()
    assert final.wait(timeout=300) == 0, f"seed {seed}: {final.errors()}"
    report = json.loads(final.output())
    assert (report["completed_visits"], report["pending"], report["dead"], report["quarantined"]) == (
        KIOSKS * visits, 0, 0, 0), f"seed {seed}: {report}"

    recorded = {}
    for kiosk_dir in data_dir.glob("sim-*"):
        recorded.update(dict.fromkeys(completed_visit_ids(kiosk_dir), kiosk_dir.name))
    stored = completed_visit_keys(database)
    assert len(recorded) == KIOSKS * visits
    assert stored == recorded, f"seed {seed}: missing {set(recorded) - set(stored)}, extra {set(stored) - set(recorded)}"
    seen = citizen_saw(data_dir)
    assert seen["completed"] <= set(stored), f"seed {seed}"
    assert not seen["failed"] & set(stored), f"seed {seed}"
    figures = stats(database)
    assert figures["records"] == report["delivered"], f"seed {seed}: every delivered item stored once"
    assert central_kills == 4
    assert_no_plain_id_numbers(data_dir)


def kill_central_during_sync(central: CentralProcess, data_dir: Path, rng: random.Random, seed: int) -> int:
    """Kill central while kiosks send batches; visits go on offline; restart it, and kill it
    again as the backlog starts to drain; then leave it up. Returns how many kills."""
    central.kill9()
    offline_from = completed_so_far(data_dir)
    wait_for(lambda: completed_so_far(data_dir) >= offline_from + rng.randint(5, 15),
             f"visits while central is down (seed {seed})")
    stored_before = stored_records(central)
    central.start()
    wait_for(lambda: stored_records(central) > stored_before, f"the backlog to start draining (seed {seed})")
    central.kill9()
    time.sleep(rng.uniform(0.2, 1.0))
    central.start()
    return 2


def stored_records(central: CentralProcess) -> int:
    path = central.args[central.args.index("--database") + 1].removeprefix("sqlite:///")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute("SELECT count(*) FROM records").fetchone()[0]
    finally:
        conn.close()


def assert_no_plain_id_numbers(data_dir: Path) -> None:
    """Offline-accepted visits carry the applicant's ID number: only ever sealed at rest."""
    numbers = [load_demo_card(name).id_number.encode() for name in CARDS]
    for path in data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert not any(number in content for number in numbers), f"plain ID number in {path}"


def test_central_killed_mid_batch_stores_each_key_once_after_the_retry(central_db, tmp_path, processes):
    """A 1,000-item batch in flight when central gets SIGKILL: before or after its commit, the
    kiosk's resend makes every key stored exactly once."""
    central = CentralProcess(central_db, tmp_path)
    processes(central)
    central.start()
    secret = CentralClient.enrol(central.url, "K-1")
    rng = random.Random(int(os.environ.get("CHAOS_SEED", random.randrange(1_000_000))))
    with CentralClient(central.url, "K-1", secret, timeout=60) as client:
        started = time.monotonic()
        client.post_batch(batch("warm-up"))
        batch_s = time.monotonic() - started
        answers = []
        for attempt in range(3):
            items = batch(f"a{attempt}")
            outcome: dict[str, object] = {}
            sender = threading.Thread(target=post, args=(client, items, outcome))
            sender.start()
            time.sleep(rng.uniform(0.2, 0.8) * batch_s)
            central.kill9()
            sender.join(timeout=120)
            central.start()
            answers.append("answered" if "results" in outcome else "no answer")
            results = client.post_batch(items)  # what the sync worker does on the next pass
            assert {r["status"] for r in results} <= {"stored", "duplicate"}, results[:3]
            assert len(results) == len(items)
    stored = stats(central_db)
    assert stored["records"] == 1000 * 4
    assert len(completed_visit_keys(central_db)) == 1000 * 4
    print(f"kills while the batch was in flight: {answers}")


def batch(prefix: str) -> list[dict]:
    return [{"key": f"{prefix}-{uuid.uuid4().hex}", "kind": "visit", "created_at": time.time(),
             "payload": {"outcome": "completed"}} for _ in range(1000)]


def post(client: CentralClient, items: list[dict], outcome: dict) -> None:
    try:
        outcome["results"] = client.post_batch(items)
    except CentralUnavailable as exc:
        outcome["error"] = str(exc)

