"""What a technician reads off a kiosk's outbox: counts per state and every item that will not
be sent without them (dead: central refused it; quarantined: its ciphertext no longer opens).

    python -m offline_queue report /var/lib/police-kiosk/outbox.db

Reads the file only (no key needed: keys, kinds, states and reasons are kept in clear); exits 1
when there are dead or quarantined items, so a monitoring script can tell.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from pathlib import Path

from offline_queue.outbox import DEAD, QUARANTINED

STATES = ("pending", "in_flight", "delivered", DEAD, QUARANTINED)


def read_report(path: Path) -> tuple[dict[str, int], float | None, list[tuple]]:
    """(count per state, oldest undelivered created_at, [(key, kind, state, attempts, reason)])."""
    if not path.is_file():
        raise FileNotFoundError(f"no outbox database at {path}")
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        counts = dict(conn.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
        oldest = conn.execute(
            "SELECT min(created_at) FROM outbox WHERE state IN ('pending', 'in_flight')"
        ).fetchone()[0]
        letters = conn.execute(
            "SELECT key, kind, state, attempts, coalesce(last_error, '') FROM outbox "
            "WHERE state IN (?, ?) ORDER BY created_at, rowid",
            [DEAD, QUARANTINED],
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise ValueError(f"{path} is not a readable outbox: {exc}") from None
    finally:
        conn.close()
    return counts, oldest, letters


def format_report(counts: dict[str, int], oldest: float | None, letters: list[tuple], now: float) -> str:
    lines = ["  ".join(f"{state}={counts.get(state, 0)}" for state in STATES)]
    if oldest is not None:
        lines.append(f"oldest waiting item: {max(0.0, now - oldest) / 3600:.1f} h old")
    if letters:
        lines.append("not sent without a technician:")
        lines += [f"  {state:<11} {key}  ({kind}, {attempts} attempts): {reason}"
                  for key, kind, state, attempts, reason in letters]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline_queue", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser("report", help="counts per state, dead and quarantined items")
    report.add_argument("database", type=Path)
    args = parser.parse_args(argv)
    try:
        counts, oldest, letters = read_report(args.database)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_report(counts, oldest, letters, time.time()))
    return 1 if letters else 0
