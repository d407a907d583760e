"""Receipt job time: building the ESC/POS job in memory, and printing it through the real driver
(status before, send, status after; a new TCP connection per job) to the emulator on 127.0.0.1,
until the emulator has decoded the cut job.

    .venv/bin/python bench/bench_receipt.py [--jobs 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from drivers.printer.emulator import EscposEmulator
from drivers.printer.receipt import Receipt
from drivers.printer.render import render_receipt
from drivers.registry import open_device


def typical_receipt(number: int) -> Receipt:
    """A no-criminal-record certificate receipt as a service would build it."""
    return (
        Receipt()
        .title("无犯罪记录证明")
        .line("受理回执", bold=True, align="center")
        .rule()
        .field("受理编号", f"WF-2026-{number:06d}")
        .field("申请人", "张*")
        .field("证件号码", "1101**********1234")
        .field("办理时间", "2026-11-23 10:15:00")
        .field("办理地点", "XX市公安局XX派出所 24小时自助服务站")
        .rule()
        .line("请凭本回执及身份证于3个工作日后领取。")
        .line("Keep this receipt; collect in 3 working days.")
        .qr(f"https://ga.example.gov.cn/q?no=WF-2026-{number:06d}")
        .feed(2)
        .cut()
    )


def summary(times_ms: list[float]) -> tuple[float, float]:
    ordered = sorted(times_ms)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=200)
    args = parser.parse_args()

    receipts = [typical_receipt(i) for i in range(args.jobs)]
    build_ms, print_ms = [], []
    job_bytes = len(render_receipt(receipts[0]))
    with EscposEmulator(port=0) as emulator:
        printer = open_device(emulator.url)
        printer.print_receipt(receipts[0])  # warm-up
        emulator.wait_for_job(timeout=5)
        for receipt in receipts:
            started = time.perf_counter()
            render_receipt(receipt)
            build_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            printer.print_receipt(receipt)
            emulator.wait_for_job(timeout=5)
            print_ms.append((time.perf_counter() - started) * 1000)
        printer.close()

    print("$ " + " ".join([".venv/bin/python", "bench/bench_receipt.py", *sys.argv[1:]]))
    print()
    print(f"{args.jobs} jobs of {job_bytes} bytes (Chinese text, QR, cut), python-escpos Network to the emulator")
    print()
    print("| step | median (ms) | p95 (ms) |")
    print("|---|---:|---:|")
    for name, times in (("build job in memory", build_ms), ("status + send + status, until decoded", print_ms)):
        median, p95 = summary(times)
        print(f"| {name} | {median:.2f} | {p95:.2f} |")


if __name__ == "__main__":
    main()
