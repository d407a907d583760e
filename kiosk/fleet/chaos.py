"""kill -9 chaos around the fleet simulator: used by tests/chaos/test_kill9.py and bench/bench_chaos.py.

`kiosk simulate-fleet` and `kiosk central serve` run as real processes and are killed with
SIGKILL at random points while kiosks record and sync visits, then started again on the same
data. `audit` then compares central with the kiosks' own record of what they completed.
Kills are timed by progress (visits completed since the last start) plus a random delay, so a
slow or a fast machine gets the same kind of run.
"""

from __future__ import annotations

import json
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from central.db import create_engine_for, orders
from central.payments.ledger import payments
from central.payments.orders import provider_order_id
from central.stats import completed_visit_keys, stats
from kiosk.fleet import CITIZEN_LOG, completed_visit_ids

KIOSK = str(Path(sys.executable).with_name("kiosk"))
ENDLESS = 1_000_000  # visits asked of a run that is going to be killed
WAIT_S = 120.0  # for progress that takes a second or two on an idle machine


def wait_for(condition, what: str, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
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

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill9(self) -> int | None:
        """SIGKILL; the exit status it had if it had already ended, else None."""
        ended = self.popen.poll()
        if ended is None:
            self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=30)
        return ended

    def output(self) -> str:
        return self.stdout.read_text()

    def errors(self) -> str:
        return self.stderr.read_text()[-2000:]


class CentralProcess(Process):
    """`kiosk central serve --dev` on a fixed port, so kiosks find it again after a restart."""

    def __init__(self, database: str, log_dir: Path):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = database
        super().__init__(["central", "serve", "--database", database, "--port", str(self.port), "--dev",
                          "--log-level", "warning"], log_dir, "central")

    def take_payments(self, provider_url: str) -> CentralProcess:
        """From its next start on, central opens orders with the provider (simulator) at this URL."""
        self.args += ["--payment-provider", provider_url]
        return self

    @property
    def notify_url(self) -> str:
        return f"{self.url}/api/v1/payments/notify"

    def start(self) -> CentralProcess:
        super().start()
        wait_for(lambda: "central listening on" in self.output() or not self.running(), "central to listen", 60)
        if not self.running():
            raise RuntimeError(f"central did not start: {self.errors()}")
        return self


class PaymentSimulatorProcess(Process):
    """`kiosk emulate payment-provider`, notifying central; never killed (it stands for the
    provider, whose orders outlive any kiosk or central crash)."""

    def __init__(self, notify_url: str, log_dir: Path):
        super().__init__(["emulate", "payment-provider", "--port", "0", "--notify-url", notify_url],
                         log_dir, "payment-simulator")

    def start(self) -> PaymentSimulatorProcess:
        super().start()
        wait_for(lambda: self.output().strip() or not self.running(), "the payment simulator to listen", 60)
        if not self.running():
            raise RuntimeError(f"payment simulator did not start: {self.errors()}")
        found = json.loads(self.output().splitlines()[0])
        self.url, self.control = found["url"], found["control"]
        return self

    def orders(self) -> list[dict]:
        return httpx.get(f"{self.control}/orders", timeout=10).json()


def completed_so_far(data_dir: Path) -> int:
    """Visits the citizens saw completed, read from their logs. Not from the outboxes: while
    this harness polled them, a restarted kiosk once failed to open its outbox ("database is
    locked"); a kiosk in the field has no such second reader."""
    return len(citizen_saw(data_dir)["completed"])


def citizen_saw(data_dir: Path) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {"completed": set(), "failed": set()}
    for journal in data_dir.glob(f"sim-*/{CITIZEN_LOG}"):
        for line in journal.read_text().splitlines():
            outcome, _, visit_id = line.partition(" ")
            if visit_id:  # a line cut short by the kill is not a view the citizen had
                seen[outcome].add(visit_id)
    return seen


@dataclass
class ChaosRun:
    seed: int
    simulator_kills: int = 0
    central_kills: int = 0
    visits_before_final: int = 0
    final_visits: int = 0  # each kiosk's target in the last, unkilled run
    report: dict[str, Any] = field(default_factory=dict)  # that run's JSON


def run_chaos(work_dir: Path, central: CentralProcess, *, seed: int, kiosks: int = 4, rounds: int = 8,
              central_kill_every: int = 3, progress: tuple[int, int] = (20, 40),
              fleet_args: tuple[str, ...] = ()) -> ChaosRun:
    """Kill the simulator `rounds` times (central too, every `central_kill_every`-th round),
    then let one last run finish every kiosk's visits and drain. Central must be started.
    `fleet_args`: more `kiosk simulate-fleet` options (--services, --payment-control)."""
    rng = random.Random(seed)
    run = ChaosRun(seed)
    data_dir = work_dir / "fleet"
    args = ["simulate-fleet", "--central", central.url, "--kiosks", str(kiosks), "--data-dir", str(data_dir),
            *fleet_args]
    for round_no in range(rounds):
        simulator = Process(args + ["--visits", str(ENDLESS), "--seed", str(round_no)], work_dir, f"simulator-{round_no}")
        simulator.start()
        try:
            before = completed_so_far(data_dir)
            if round_no == 0:
                time.sleep(rng.uniform(0.1, 1.0))  # during start-up: enrolment, opening the outboxes
            else:
                target = before + rng.randint(*progress)
                wait_for(lambda: completed_so_far(data_dir) >= target or not simulator.running(),
                         f"visits to reach {target} (seed {seed})")
                if round_no % central_kill_every == 0:
                    run.central_kills += kill_central_during_sync(central, data_dir, rng, seed)
                time.sleep(rng.uniform(0.0, 0.3))
        finally:
            ended = simulator.kill9()
        if ended is not None:
            raise AssertionError(f"simulator ended ({ended}) before its kill (seed {seed}): {simulator.errors()}")
        run.simulator_kills += 1
    done = [len(completed_visit_ids(kiosk_dir)) for kiosk_dir in data_dir.glob("sim-*")]
    run.visits_before_final = sum(done)
    run.final_visits = max(done, default=0) + 5  # a few visits more each, and the drain
    final = Process(args + ["--visits", str(run.final_visits)], work_dir, "simulator-final").start()
    if final.popen.wait(timeout=600) != 0:
        raise AssertionError(f"the last run failed (seed {seed}): {final.errors()}")
    run.report = json.loads(final.output())
    return run


def kill_central_during_sync(central: CentralProcess, data_dir: Path, rng: random.Random, seed: int) -> int:
    """Kill central while kiosks send batches; visits go on offline; restart it, and kill it
    again as soon as the backlog starts to drain; then leave it up. Returns how many kills."""
    central.kill9()
    target = completed_so_far(data_dir) + rng.randint(5, 15)
    wait_for(lambda: completed_so_far(data_dir) >= target, f"visits while central is down (seed {seed})")
    stored_before = stats(central.database)["records"]
    central.start()
    wait_for(lambda: stats(central.database)["records"] > stored_before, f"the backlog to drain (seed {seed})")
    central.kill9()
    time.sleep(rng.uniform(0.2, 1.0))
    central.start()
    return 2


def audit_payments(database: str, provider_orders: list[dict]) -> list[str]:
    """What central's order book got wrong against the provider's own orders; empty when nothing:
    nothing paid that central does not know of, central's money figures equal the provider's,
    every payment delivered or refunded (`unreconciled` 0)."""
    figures = payments(database)
    problems = []
    if figures["unreconciled"]:
        problems.append(f"{figures['unreconciled']} paid orders neither delivered nor refunded")
    paid_at_provider = sum(o["paid_fen"] for o in provider_orders)
    refunded_at_provider = sum(o["refunded_fen"] for o in provider_orders)
    if (figures["charged_fen"], figures["refunded_fen"]) != (paid_at_provider, refunded_at_provider):
        problems.append(f"central counts {figures['charged_fen']} charged / {figures['refunded_fen']} refunded, "
                        f"the provider {paid_at_provider} / {refunded_at_provider}")
    engine = create_engine_for(database)
    with engine.connect() as conn:
        known = {provider_order_id(r.order_id): r for r in conn.execute(select(orders))}
    engine.dispose()
    if unknown := [o["order_id"] for o in provider_orders if o["paid_fen"] and o["order_id"] not in known]:
        problems.append(f"{len(unknown)} orders paid at the provider that central does not know")
    visits = [row.visit_id for row in known.values() if row.paid_fen]
    if twice := {v for v in visits if visits.count(v) > 1}:
        problems.append(f"{len(twice)} visits charged more than once, e.g. {sorted(twice)[:3]}")
    return problems


def audit(data_dir: Path, database: str) -> list[str]:
    """What central got wrong against the kiosks' own record; empty when nothing."""
    recorded: dict[str, str] = {}
    for kiosk_dir in data_dir.glob("sim-*"):
        recorded.update(dict.fromkeys(completed_visit_ids(kiosk_dir), kiosk_dir.name))
    stored = completed_visit_keys(database)
    problems = []
    if missing := set(recorded) - set(stored):
        problems.append(f"{len(missing)} completed visits missing at central, e.g. {sorted(missing)[:3]}")
    if extra := set(stored) - set(recorded):
        problems.append(f"{len(extra)} visits at central that no kiosk completed, e.g. {sorted(extra)[:3]}")
    if wrong := [key for key in set(stored) & set(recorded) if stored[key] != recorded[key]]:
        problems.append(f"{len(wrong)} visits stored under another kiosk")
    seen = citizen_saw(data_dir)
    if unseen := seen["completed"] - set(stored):
        problems.append(f"{len(unseen)} visits the citizen saw completed are not at central")
    if failed := seen["failed"] & set(stored):
        problems.append(f"{len(failed)} visits the citizen saw fail are stored as completed")
    return problems
