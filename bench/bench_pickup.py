"""ID-card pickup: from the citizen's finger on the sensor to the card presented at the mouth.

Over the emulators paced at their real baud rates (`DemoEnvironment(paced=True)`): the AS608 fingerprint module at
57600 (one press against the two templates recorded at application), the CRT-591 dispenser at
9600 (the card to the read position, later to the mouth), the GA 467 reader at 115200 reading
the card at the read position, central's lookup over HTTP on 127.0.0.1 before it. Each run is
a fresh environment (the back office hands each card out once); the face worker is shared.

    .venv/bin/python bench/bench_pickup.py [--runs 10]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from drivers.idcard.demo_cards import load_demo_card
from kiosk.core import KioskCore
from kiosk.demo_env import DemoEnvironment
from kiosk.identity.worker import FaceWorker


def until(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.002)
    raise TimeoutError("the pickup did not get there in time")


def one_pickup(worker: FaceWorker, root: str) -> tuple[float, float, float]:
    """(finger → verified, verified → presented, finger → presented) in seconds."""
    env = DemoEnvironment(root, paced=True).start()
    core = KioskCore(env.config, face_worker=worker).start()
    marks: dict[str, float] = {}

    def watch(view):
        if view.state == "dispense" and "verified" not in marks:
            marks["verified"] = time.perf_counter()
        if view.handout == "presented" and "presented" not in marks:
            marks["presented"] = time.perf_counter()

    try:
        session = core.session
        session.subscribe(watch)
        until(lambda: session.view().state == "attract" and core._availability.get("id_card_pickup") is None)
        session.touch()
        session.choose_service("id_card_pickup")
        session.choose("method", "id_number")
        for char in load_demo_card("zhang-wei").id_number:
            session.key("id_number", char)
        session.submit_entry("id_number")
        until(lambda: session.view().state == "verify" and session.view().verify.method == "fingerprint")
        finger = time.perf_counter()
        env.place_finger("zhang-wei-right-index")
        until(lambda: "presented" in marks)
        env.take_card()
        until(lambda: session.view().state == "result")
        return marks["verified"] - finger, marks["presented"] - marks["verified"], marks["presented"] - finger
    finally:
        core.stop()
        env.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    worker = FaceWorker()
    worker.prewarm().join()
    results = []
    try:
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="bench-pickup-") as root:
                results.append(one_pickup(worker, root))
    finally:
        worker.close()
    print("| step | runs | median | p95 | max |")
    print("|---|---|---|---|---|")
    for index, name in enumerate(("finger on the sensor → identity verified", "verified → card at the mouth",
                                  "finger on the sensor → card at the mouth")):
        ms = sorted(r[index] * 1000 for r in results)
        p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
        print(f"| {name} | {len(ms)} | {statistics.median(ms):.0f} ms | {p95:.0f} ms | {ms[-1]:.0f} ms |")


if __name__ == "__main__":
    main()
