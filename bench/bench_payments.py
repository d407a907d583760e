"""From the citizen's tap on 确认 to the payment's QR code on the screen: the order's round trip.

    .venv/bin/python bench/bench_payments.py [--orders 100]

One process: a headless KioskCore (no widgets) on the DemoEnvironment, its embedded central on
127.0.0.1 (SQLite) opening each order with the payment provider SIMULATOR (its own HTTP service on
127.0.0.1; a real provider's round trip over the Internet is not in these figures). Each visit
looks up the fines of plate 粤B12345 (no identity check on that path), picks both, confirms,
and waits for the code; then the citizen cancels, so the fines stay payable for the next visit.

Reported, p50 / p95 / max over the orders:
- tap → code: `Session.confirm()` on the confirm stage until the Session publishes the order's
  QR URL (outbox intent written with fsync, POST /api/v1/payments/orders signed, central's
  pricing from the back office, the provider's order, the answer);
- the order route alone: the same POST from a signed CentralClient, without the kiosk.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import sys
import tempfile
import threading
import time

from kiosk.central_client import CentralClient
from kiosk.core import KioskCore, load_or_enrol_secret
from kiosk.demo_env import DemoEnvironment

PLATE = "粤B12345"


def quantiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95, ordered[-1]


class Waiter:
    """The Session's views, for waiting on a condition from this thread."""

    def __init__(self, session):
        self.view = None
        self.changed = threading.Condition()
        session.subscribe(self._on_view)

    def _on_view(self, view) -> None:
        with self.changed:
            self.view = view
            self.changed.notify_all()

    def until(self, condition, timeout: float = 30.0):
        deadline = time.monotonic() + timeout
        with self.changed:
            while self.view is None or not condition(self.view):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"stuck at {self.view.state if self.view else None} ({self.view.message if self.view else ''})")
                self.changed.wait(left)
            return self.view


def to_confirm(session, waiter) -> None:
    waiter.until(lambda v: v.state == "attract")
    session.touch()
    waiter.until(lambda v: v.state == "home" and any(t.id == "traffic_fines" and t.available for t in v.tiles))
    session.choose_service("traffic_fines")
    waiter.until(lambda v: v.state == "choose")
    session.choose("method", "plate")
    waiter.until(lambda v: v.state == "enter")
    for key in PLATE:
        session.key("plate", key)
    session.submit_entry("plate")
    view = waiter.until(lambda v: v.state == "select")
    for option in view.select.options:
        if option.selectable:
            session.toggle("violations", option.id)
    session.confirm()
    waiter.until(lambda v: v.state == "confirm")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=100)
    args = parser.parse_args()
    load_before = os.getloadavg()
    tap_to_code: list[float] = []
    route: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-payments-") as tmp, \
            DemoEnvironment(tmp, overrides={"speech.enabled": False}) as env:
        core = KioskCore(env.config, fingerprint_template=env.fingerprint_template).start()
        try:
            session, waiter = core.session, Waiter(core.session)
            for _ in range(args.orders + 1):  # the first one warms up
                to_confirm(session, waiter)
                started = time.perf_counter()
                session.confirm()
                waiter.until(lambda v: v.state == "pay" and v.payment is not None and bool(v.payment.qr_url))
                tap_to_code.append(time.perf_counter() - started)
                session.cancel()
            client = CentralClient(env.central.url, env.config.kiosk.id, load_or_enrol_secret(env.config))
            for n in range(args.orders + 1):
                body = {"order_id": f"bench-{n}:pay", "visit_id": f"bench-{n}", "service": "traffic_fines",
                        "request": {"decision_nos": ["4403051000000648"], "by": "plate", "plate": PLATE}}
                started = time.perf_counter()
                client.payment("orders", body)
                route.append(time.perf_counter() - started)
            client.close()
        finally:
            core.stop()
    load_after = os.getloadavg()
    command = shlex.join([os.path.relpath(sys.executable), *sys.argv])
    print(f"command: `{command}` ({args.orders} orders after 1 warm-up; nproc {os.cpu_count()}, "
          f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after)\n")
    print("| what | n | p50 ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    for label, values in (("tap on 确认 → QR code published", tap_to_code[1:]),
                          ("POST /api/v1/payments/orders alone", route[1:])):
        p50, p95, worst = quantiles(values)
        print(f"| {label} | {len(values)} | {p50 * 1000:.0f} | {p95 * 1000:.0f} | {worst * 1000:.0f} |")


if __name__ == "__main__":
    main()
