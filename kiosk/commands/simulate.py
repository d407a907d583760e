"""`kiosk simulate-fleet`: many headless kiosks doing citizen visits against one central."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from kiosk.commands.common import emit_json, fail


@click.command("simulate-fleet")
@click.option("--central", "central_url", required=True, help="Central's base URL, e.g. http://127.0.0.1:8700.")
@click.option("--kiosks", default=1, show_default=True, type=click.IntRange(1, 500), help="Kiosks to run.")
@click.option("--visits", default=10, show_default=True, type=click.IntRange(0),
              help="Completed visits each kiosk should have in total (a resumed run does the rest).")
@click.option("--data-dir", required=True, type=click.Path(file_okay=False),
              help="One folder per kiosk (outbox, key, credentials); reuse it to resume.")
@click.option("--seed", default=0, show_default=True, help="Seed for the citizens' choices.")
@click.option("--drain-timeout", default=60.0, show_default=True, type=click.FloatRange(0),
              help="Seconds to wait for the outboxes to drain after the last visit.")
@click.option("--services", default="no_criminal_record", show_default=True,
              help="Comma-separated service ids the citizens pick from at random.")
@click.option("--payment-control", help="The payment provider simulator's control URL (…/control): "
                                        "citizens of paid services pay through it.")
def simulate_fleet(central_url: str, kiosks: int, visits: int, data_dir: str, seed: int,
                   drain_timeout: float, services: str, payment_control: str | None) -> None:
    """Run KIOSKS headless kiosks until each has VISITS completed visits, then drain to central.

    Prints completed_visits, delivered, pending and dead as JSON (pending > 0: central did not
    take everything within --drain-timeout). Logs go to DATA_DIR/fleet.log.
    """
    from kiosk.central_client import CentralRejected, CentralUnavailable
    from kiosk.fleet import FleetError, run_fleet

    try:
        Path(data_dir).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot use data dir {data_dir}: {exc.strerror}")
    logging.basicConfig(filename=Path(data_dir, "fleet.log"), level=logging.WARNING,
                        format="%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    try:
        chosen = tuple(s.strip() for s in services.split(",") if s.strip())
        if not chosen:
            fail("--services names no service")
        emit_json(run_fleet(central_url, kiosks, visits, data_dir, seed=seed, drain_timeout_s=drain_timeout,
                            services=chosen, payment_control=payment_control))
    except (CentralUnavailable, CentralRejected) as exc:
        fail(f"enrolment with central failed: {exc}")
    except (FleetError, ValueError, OSError) as exc:
        fail(str(exc) or type(exc).__name__)

