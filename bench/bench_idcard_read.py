"""ID card read time (find + select + read text and photo) through the real driver, against the
emulator on a pty paced at 115200 baud in both directions, next to the line-rate floor.

    .venv/bin/python bench/bench_idcard_read.py [--reads 30] [--baud 115200] [--fingerprint]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

from drivers.emulation.pty import serve_on_pty
from drivers.idcard import ga467_codec as codec
from drivers.idcard.demo_cards import load_demo_card
from drivers.idcard.emulator import Ga467Emulator
from drivers.idcard.ga467 import Ga467Reader


def wire_bytes(emulator: Ga467Emulator, commands: list[codec.Command]) -> int:
    """Bytes one read puts on the line, requests and answers, taken from the real frames."""
    total = 0
    for command in commands:
        request = command.frame()
        total += len(request) + len(emulator.feed(request))
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reads", type=int, default=30)
    parser.add_argument("--baud", type=int, default=115200)
    parser.add_argument("--fingerprint", action="store_true", help="read the 1024-byte fingerprint block too")
    args = parser.parse_args()

    card = load_demo_card("zhang-wei")
    read = codec.READ_TEXT_PHOTO_FP if args.fingerprint else codec.READ_TEXT_PHOTO
    size = wire_bytes(Ga467Emulator(card), [codec.FIND_CARD, codec.SELECT_CARD, read])
    floor_ms = size * 10 / args.baud * 1000

    emulator = Ga467Emulator(card)
    with serve_on_pty(emulator, pace_baud=args.baud) as path:
        reader = Ga467Reader(path, baudrate=args.baud, timeout=5)
        reader.open()
        try:
            reader.read_card(with_fingerprint=args.fingerprint)  # warm-up: port open, imports
            times = []
            for _ in range(args.reads):
                emulator.present_card()
                started = time.perf_counter()
                reader.read_card(with_fingerprint=args.fingerprint)
                times.append((time.perf_counter() - started) * 1000)
        finally:
            reader.close()

    times.sort()
    median = statistics.median(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    what = "text + photo + fingerprint" if args.fingerprint else "text + photo"
    print(f"`{' '.join([os.path.relpath(sys.executable), *sys.argv])}`\n")
    print("| operation | reads | bytes on the wire | line-rate floor | median | p95 | median over floor |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(f"| ID card read (find + select + {what}) at {args.baud} baud | {args.reads} | {size} "
          f"| {floor_ms:.1f} ms | {median:.1f} ms | {p95:.1f} ms | +{median - floor_ms:.1f} ms |")


if __name__ == "__main__":
    main()
