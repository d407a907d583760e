"""Scan → code returned: from the emulator being handed a code to `read_code` returning it,
through the real driver on a pty paced at the scanner's baud rate, next to the line-rate floor
(the frame's bytes × 10 bits / baud). The driver is already waiting in `read_code`, as the kiosk
is on its "scan your receipt" screen.

A real scanner adds its own decode time (tens of milliseconds for a QR code), which no host
code can shorten.

    .venv/bin/python bench/bench_scanner.py [--runs 50] [--baud 9600]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time

from drivers.emulation.pty import serve_on_pty
from drivers.scanner.emulator import ScannerEmulator
from drivers.scanner.serial_scanner import SerialScanner

CODE = "https://gaj.example.cn/q?r=RCPT-20261202-000123&v=7f3a"  # a receipt's QR content


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--baud", type=int, default=9600)
    args = parser.parse_args()

    emulator = ScannerEmulator()
    size = len(emulator.frame(CODE))
    floor_ms = size * 10 / args.baud * 1000
    times: list[float] = []
    with serve_on_pty(emulator, pace_baud=args.baud) as path:
        scanner = SerialScanner(path, baudrate=args.baud)
        scanner.open()
        try:
            for run in range(args.runs + 1):  # the first is a warm-up
                scanned = threading.Event()
                started: list[float] = []

                def present():
                    scanned.wait()
                    started.append(time.perf_counter())
                    emulator.scan(CODE)

                presenter = threading.Thread(target=present)
                presenter.start()
                scanned.set()
                code = scanner.read_code(timeout_s=5)
                done = time.perf_counter()
                presenter.join()
                assert code == CODE
                if run:
                    times.append((done - started[0]) * 1000)
        finally:
            scanner.close()

    times.sort()
    median = statistics.median(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(f"`{' '.join([os.path.relpath(sys.executable), *sys.argv])}`\n")
    print("| operation | runs | bytes on the wire | line-rate floor | median | p95 | max | median − floor |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| scan → `read_code` returns, {args.baud} baud | {args.runs} | {size} | {floor_ms:.1f} ms "
          f"| {median:.1f} ms | {p95:.1f} ms | {times[-1]:.1f} ms | {median - floor_ms:.1f} ms |")


if __name__ == "__main__":
    main()
