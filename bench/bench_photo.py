"""ID photo: frame-to-guidance latency through the face worker, and capture-to-file time.

Frame to guidance: one 600×800 portrait frame handed to `FaceWorker.photo` (pickled to the
worker process, dlib detection and landmarks, the twelve checks, the report back) until the
report is in the kiosk process; over every scene of drivers/emulation/photo_scenes.py.
Capture to file: the checks of a compliant frame, the GA 461 cut and JPEG, written and fsynced.

    .venv/bin/python bench/bench_photo.py [--runs 40]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

from drivers.emulation import photo_scenes
from kiosk.identity import ga461
from kiosk.identity.worker import FaceWorker


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def row(name: str, times: list[float]) -> str:
    ms = [t * 1000 for t in times]
    return (f"| {name} | {len(ms)} | {statistics.median(ms):.0f} ms | {percentile(ms, 0.95):.0f} ms "
            f"| {max(ms):.0f} ms |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    scenes = {name: photo_scenes.scene(name, frames=4) for name in photo_scenes.SCENES}
    worker = FaceWorker()
    worker.ensure_started()
    try:
        worker.photo(scenes["compliant"][0])  # warm
        guidance, per_scene = [], {}
        for run in range(args.runs):
            for name, frames in scenes.items():
                started = time.perf_counter()
                worker.photo(frames[run % len(frames)])
                elapsed = time.perf_counter() - started
                guidance.append(elapsed)
                per_scene.setdefault(name, []).append(elapsed)
        to_file = []
        with tempfile.TemporaryDirectory() as folder:
            for run in range(args.runs):
                frame = scenes["compliant"][run % 4]
                started = time.perf_counter()
                report = worker.photo(frame)
                jpeg = ga461.export(frame, report.crop)
                path = os.path.join(folder, "photo.jpg")
                with open(path, "wb") as f:
                    f.write(jpeg)
                    f.flush()
                    os.fsync(f.fileno())
                to_file.append(time.perf_counter() - started)
    finally:
        worker.close()
    print("| measure | samples | median | p95 | max |")
    print("|---|---:|---:|---:|---:|")
    print(row("frame → guidance, every scene", guidance))
    for name in ("compliant", "tilted", "no_face" if "no_face" in per_scene else "too_far"):
        print(row(f"frame → guidance, {name}", per_scene[name]))
    print(row("capture → GA 461 file (checks, cut, JPEG, fsync)", to_file))


if __name__ == "__main__":
    main()
