"""kill -9 chaos: the fleet simulator and central are real processes, killed with SIGKILL at
random points while kiosks record and sync visits, and restarted on the same data
(kiosk/fleet/chaos.py; a longer run is bench/bench_chaos.py).

Afterwards central holds every visit the kiosks recorded as completed exactly once, stored by
the kiosk that did it, and nothing the citizen saw fail. The random seed is in every failure
message; set CHAOS_SEED to replay a run.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid

import pytest

from central.stats import completed_visit_keys, stats
from drivers.idcard.demo_cards import load_demo_card
from kiosk.central_client import CentralClient, CentralUnavailable
from kiosk.fleet import CARDS
from kiosk.fleet.chaos import CentralProcess, PaymentSimulatorProcess, audit, audit_payments, run_chaos

KIOSKS = 4


def chaos_seed() -> int:
    return int(os.environ.get("CHAOS_SEED", random.randrange(1_000_000)))


@pytest.fixture
def central_process(tmp_path):
    """start(database) -> a `kiosk central serve` process; SIGKILLed at teardown if still up."""
    started: list[CentralProcess] = []

    def start(database: str) -> CentralProcess:
        central = CentralProcess(database, tmp_path)
        started.append(central)
        return central.start()

    yield start
    for central in started:
        if central.running():
            central.kill9()


@pytest.mark.timeout(600)  # bounded by progress, not by time: ~30 s on an idle machine
def test_fleet_and_central_killed_at_random_lose_nothing_and_store_nothing_twice(tmp_path, central_process):
    seed = chaos_seed()
    database = f"sqlite:///{tmp_path / 'central.db'}"
    central = central_process(database)
    run = run_chaos(tmp_path, central, seed=seed, kiosks=KIOSKS, rounds=8, central_kill_every=3)
    assert (run.simulator_kills, run.central_kills) == (8, 4)
    assert run.visits_before_final >= 200, f"seed {seed}"
    report = run.report
    assert (report["completed_visits"], report["pending"], report["dead"], report["quarantined"]) == (
        KIOSKS * run.final_visits, 0, 0, 0), f"seed {seed}: {report}"
    assert audit(tmp_path / "fleet", database) == [], f"seed {seed}"
    assert len(completed_visit_keys(database)) == KIOSKS * run.final_visits
    assert stats(database)["records"] == report["delivered"], f"seed {seed}: every delivered item stored once"
    assert_no_plain_id_numbers(tmp_path / "fleet")


@pytest.mark.timeout(900)
def test_fleet_paying_killed_at_random_charges_nobody_twice_and_leaves_nothing_unreconciled(tmp_path):
    """The same chaos with paid services in the mix: citizens pay by QR code through the provider
    simulator (its own process, never killed), cancel, or pay and cancel at once, while the
    simulator and central are killed. Afterwards every payment is delivered or refunded, central's
    figures equal the provider's and no visit was charged twice."""
    seed = chaos_seed()
    database = f"sqlite:///{tmp_path / 'central.db'}"
    central = CentralProcess(database, tmp_path)
    provider = PaymentSimulatorProcess(central.notify_url, tmp_path).start()
    try:
        central.take_payments(provider.url).start()
        run = run_chaos(tmp_path, central, seed=seed, kiosks=3, rounds=5, central_kill_every=3,
                        progress=(8, 16), fleet_args=("--services", "traffic_fines,hkmo_endorsement,no_criminal_record",
                                                      "--payment-control", provider.control))
        report = run.report
        assert (report["pending"], report["dead"], report["quarantined"]) == (0, 0, 0), f"seed {seed}: {report}"
        assert audit(tmp_path / "fleet", database) == [], f"seed {seed}"
        deadline = time.monotonic() + 30  # the sweep settles what the last kills left (refunds)
        while (problems := audit_payments(database, provider.orders())) and time.monotonic() < deadline:
            time.sleep(1)
        assert problems == [], f"seed {seed}"
        paid = [o for o in provider.orders() if o["paid_fen"]]
        assert paid, f"seed {seed}: no citizen paid anything"
    finally:
        if central.running():
            central.kill9()
        provider.kill9()


def assert_no_plain_id_numbers(data_dir) -> None:
    """Offline-accepted visits carry the applicant's ID number: only ever sealed at rest."""
    numbers = [load_demo_card(name).id_number.encode() for name in CARDS]
    for path in data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert not any(number in content for number in numbers), f"plain ID number in {path}"


def test_central_killed_mid_batch_stores_each_key_once_after_the_retry(central_db, central_process):
    """A 1,000-item batch in flight when central gets SIGKILL: before or after its commit, the
    kiosk's resend makes every key stored exactly once."""
    central = central_process(central_db)
    secret = CentralClient.enrol(central.url, "K-1")
    rng = random.Random(chaos_seed())
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
    assert stats(central_db)["records"] == 1000 * 4
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
