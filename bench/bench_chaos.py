"""The long kill -9 chaos run: thousands of visits, many kills of the fleet and of central.

    .venv/bin/python bench/bench_chaos.py [--kiosks 8] [--rounds 40] [--database sqlite|postgresql]
        [--seed N] [--dir DIR]

The same machinery as tests/chaos/test_kill9.py (kiosk/fleet/chaos.py), longer: each round starts
`kiosk simulate-fleet`, waits for 30-120 more completed visits and SIGKILLs it; every fifth round
central is killed too (while kiosks send, and again as the backlog starts to drain). A last run
finishes every kiosk's visits and drains. Then central is audited against the kiosks' outboxes
and citizen logs. Prints the command, a markdown table, and exits 1 if the audit found anything.
"""

from __future__ import annotations

import argparse
import random
import shlex
import sys
import tempfile
import time
from pathlib import Path

from central.scratch_postgres import create_database, scratch_postgres
from central.stats import stats
from kiosk.fleet.chaos import CentralProcess, audit, run_chaos


def chaos(work_dir: Path, database: str, args) -> tuple[dict, list[str]]:
    central = CentralProcess(database, work_dir).start()
    started = time.monotonic()
    try:
        run = run_chaos(work_dir, central, seed=args.seed, kiosks=args.kiosks, rounds=args.rounds,
                        central_kill_every=5, progress=(30, 120))
    finally:
        if central.running():
            central.kill9()
    elapsed = time.monotonic() - started
    figures = stats(database)
    row = {"visits": run.report["completed_visits"], "simulator kills": run.simulator_kills,
           "central kills": run.central_kills, "records at central": figures["records"],
           "delivered by kiosks": run.report["delivered"], "duplicates rejected": figures["duplicates_rejected"],
           "pending / dead": f"{run.report['pending']} / {run.report['dead']}", "minutes": f"{elapsed / 60:.1f}"}
    return row, audit(work_dir / "fleet", database)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=40, help="kills of the simulator")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seed", type=int, default=random.randrange(1_000_000))
    parser.add_argument("--dir", type=Path, default=None, help="where the data goes (default: a temp dir)")
    args = parser.parse_args()
    print(f"command: .venv/bin/python bench/bench_chaos.py {shlex.join(sys.argv[1:])} (seed {args.seed})", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-chaos-", dir=args.dir) as tmp:
        work_dir = Path(tmp)
        if args.database == "sqlite":
            row, problems = chaos(work_dir, f"sqlite:///{work_dir / 'central.db'}", args)
        else:
            with scratch_postgres(durable=True) as admin_url:
                row, problems = chaos(work_dir, create_database(admin_url), args)
    print("\n| database | " + " | ".join(row) + " | audit |")
    print("|---|" + "---:|" * len(row) + "---|")
    verdict = "; ".join(problems) or "every completed visit stored once, by its kiosk; none the citizen saw fail"
    print(f"| {args.database} | " + " | ".join(f"{v:,}" if isinstance(v, int) else v for v in row.values())
          + f" | {verdict} |")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
