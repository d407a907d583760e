"""A4 certificate: render time of one page after the CJK font's warm-up (CPU and wall clock).

    .venv/bin/python bench/bench_render.py [--runs 20]
"""

from __future__ import annotations

import argparse
import statistics
import time

from kiosk.documents import Document, render_pdf, warm_up


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    certificate = Document(title="无犯罪记录证明", number="NCR20261202ABCDEFGH", issuer="XX市公安局XX派出所",
                           fields=[("姓名", "张伟"), ("公民身份号码", "110101198503121239"), ("用途", "就业")],
                           paragraphs=["经查询，截至开具之日，未发现该人有犯罪记录。"] * 3,
                           verify_url="https://verify.example/v/NCR20261202ABCDEFGH", issued_at="2026年12月2日")
    warm_up()
    render_pdf(certificate)
    cpu, wall = [], []
    for _ in range(args.runs):
        started_cpu, started = time.process_time(), time.perf_counter()
        render_pdf(certificate)
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    print("| measure | runs | median | max |")
    print("|---|---:|---:|---:|")
    print(f"| render one certificate page, CPU | {args.runs} | {statistics.median(cpu):.0f} ms | {max(cpu):.0f} ms |")
    print(f"| render one certificate page, wall | {args.runs} | {statistics.median(wall):.0f} ms | {max(wall):.0f} ms |")


if __name__ == "__main__":
    main()
