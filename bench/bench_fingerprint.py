"""Fingerprint verify round trip (GenImg + Img2Tz + DownChar of a 512-byte template + Match)
through the real driver, against the emulator on a pty paced at 57600 baud in both directions,
next to the line-rate floor (the bytes on the wire × 10 bits / baud).

The emulator answers at once: a real sensor adds its own image capture and feature extraction
(hundreds of milliseconds on an AS608), which no host code can shorten.

    .venv/bin/python bench/bench_fingerprint.py [--runs 30] [--baud 57600]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

from drivers.emulation.pty import serve_on_pty
from drivers.fingerprint import as608_codec as codec
from drivers.fingerprint import demo_fingers
from drivers.fingerprint.as608 import As608Reader
from drivers.fingerprint.emulator import As608Emulator

FINGER = "zhang-wei-right-index"


def wire_bytes(template: bytes, packet_size: int) -> int:
    """Bytes one verify puts on the line, commands and answers, taken from the real packets."""
    emulator = As608Emulator(FINGER)
    exchange = [codec.gen_img(), codec.img2tz(1), codec.down_char(2),
                codec.build_data(template, packet_size), codec.match()]
    return sum(len(sent) + len(emulator.feed(sent)) for sent in exchange)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--baud", type=int, default=57600)
    args = parser.parse_args()

    template = demo_fingers.press(FINGER, 0)
    emulator = As608Emulator(FINGER)
    size = wire_bytes(template, emulator.sys_para.packet_size)
    floor_ms = size * 10 / args.baud * 1000

    with serve_on_pty(emulator, pace_baud=args.baud) as path:
        reader = As608Reader(path, baudrate=args.baud, timeout=5)
        reader.open()
        try:
            reader.verify(template)  # warm-up
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                result = reader.verify(template)
                times.append((time.perf_counter() - started) * 1000)
                assert result.matched
        finally:
            reader.close()

    times.sort()
    median = statistics.median(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(f"`{' '.join([os.path.relpath(sys.executable), *sys.argv])}`\n")
    print("| operation | runs | bytes on the wire | line-rate floor | median | p95 | median / floor |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(f"| fingerprint verify (GenImg + Img2Tz + DownChar + Match) at {args.baud} baud | {args.runs} | {size} "
          f"| {floor_ms:.1f} ms | {median:.1f} ms | {p95:.1f} ms | {median / floor_ms:.2f}× |")


if __name__ == "__main__":
    main()
