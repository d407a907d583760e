"""Camera capture rate: the OpenCV backend (worker thread, newest-frame hand-over, subscribers)
on the emulated camera, against bare `cv2.VideoCapture.read()` in a loop on the same file.

- bare cv2 on the .avi: the floor for decoding this Motion-JPEG file on this machine;
- the backend on the same file, unpaced (`opencv:///….avi`): every frame through a subscriber;
- the backend on the HTTP emulator (`opencv+http://127.0.0.1:…/stream.mjpg`) at 15 fps (what a
  kiosk camera sends) and at 120 fps (as fast as the emulator sends: the stream's ceiling).

CPU is the process's CPU time per delivered frame (the emulator runs in the same process and
only sends JPEGs it encoded at start-up). Media is made from the bundled faces in a temporary
directory, removed afterwards.

    .venv/bin/python bench/bench_camera.py [--frames 300] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import cv2

from drivers.camera.emulator import CameraEmulator
from drivers.emulation import face_video
from drivers.registry import open_device


def bare_capture(path: Path) -> tuple[int, float, float]:
    """(frames, seconds, CPU seconds) reading the whole file with cv2 alone."""
    started, cpu = time.perf_counter(), time.process_time()
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    frames = 0
    while capture.read()[0]:
        frames += 1
    capture.release()
    return frames, time.perf_counter() - started, time.process_time() - cpu


def backend_capture(url: str, frames_wanted: int) -> tuple[int, float, float]:
    """(frames, seconds, CPU seconds) from open until `frames_wanted` frames reached a subscriber
    (or the file ended)."""
    camera = open_device(url, open_now=False)
    count = 0
    done = threading.Event()

    def on_frame(frame) -> None:
        nonlocal count
        count += 1
        if count >= frames_wanted:
            done.set()

    camera.subscribe(on_frame)
    started, cpu = time.perf_counter(), time.process_time()
    camera.open()
    while not done.wait(0.05):
        if camera.status().state.value == "no_device":  # the file ended
            break
    elapsed, cpu_used = time.perf_counter() - started, time.process_time() - cpu
    camera.close()
    return count, elapsed, cpu_used


def rate_row(name: str, runs: list[tuple[int, float, float]]) -> str:
    fps = [frames / seconds for frames, seconds, _ in runs]
    cpu_ms = [cpu * 1000 / frames for frames, _, cpu in runs]
    frames = runs[0][0]
    return (f"| {name} | {frames} | {statistics.median(fps):,.0f} | {min(fps):,.0f} | "
            f"{statistics.median(cpu_ms):.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=300, help="frames in the file, and per stream run")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-camera-") as tmp:
        scene = face_video.citizen_frames("astronaut", count=45)
        video = face_video.write_avi((scene[i % len(scene)] for i in range(args.frames)), Path(tmp) / "citizen.avi")
        bare_capture(video)  # warm the page cache and FFmpeg
        rows = [
            rate_row("bare cv2.VideoCapture.read() loop, .avi", [bare_capture(video) for _ in range(args.runs)]),
            rate_row("backend opencv:///….avi (unpaced), via subscriber",
                     [backend_capture(f"opencv://{video}", args.frames) for _ in range(args.runs)]),
        ]
        for fps in (15, 120):
            with CameraEmulator(port=0, fps=fps) as emulator:
                frames = min(args.frames, fps * 4)  # four seconds' worth at the kiosk rate
                rows.append(rate_row(f"backend on HTTP MJPEG emulator sending {fps} fps",
                                     [backend_capture(emulator.url, frames) for _ in range(args.runs)]))

    print("$ " + " ".join([".venv/bin/python", "bench/bench_camera.py", *sys.argv[1:]]))
    print()
    print(f"640×480 Motion-JPEG frames of the emulated citizen; median of {args.runs} runs; "
          f"OpenCV {cv2.__version__}")
    print()
    print("| capture | frames | frames/s (median) | frames/s (worst) | CPU ms/frame |")
    print("|---|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
