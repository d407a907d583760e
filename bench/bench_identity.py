"""Identity verification: per-frame latency, card read → verified, memory.

1. Latency per live frame through the kiosk's path (camera frame → face worker process over its
   pipe: detection on the frame downscaled to 320 px, 68 landmarks, quality gates, encoding →
   distance to the ID photo's encoding), next to bare face_recognition on the same frames
   (`face_locations` + `face_encodings` with their defaults, in one process).
2. Card read → verified: from `prepare(id_photo)` (the moment the card's photo is available) to
   a `match` decision, for a cooperative citizen on the emulated camera (an MJPG file played at
   15 frames/s through the OpenCV camera driver) who blinks and turns as asked; the face worker
   was pre-warmed after start-up, as in the kiosk.
3. Memory: resident set of a process like the kiosk's (Qt, core, camera driver, the identity
   package) at idle, and of the face worker with its models loaded, measured separately.

    .venv/bin/python bench/bench_identity.py [--frames 40] [--visits 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

from drivers.camera.base import Frame
from drivers.emulation import face_scenes, face_video
from kiosk.identity.verifier import FaceSettings, FaceVerifier
from kiosk.identity.worker import FaceWorker

ROOT = Path(__file__).resolve().parents[1]


def percentiles(times_ms: list[float]) -> tuple[float, float, float]:
    ordered = sorted(times_ms)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], ordered[-1]


def rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def id_photo() -> "cv2.Mat":
    """The astronaut at ID-card size (102×126), standing in for the decoded WLT photo."""
    return face_video.id_photo(face_video.load_face("astronaut"), "astronaut")


def frame_latency(worker: FaceWorker, photo, count: int) -> tuple[list[float], list[float], list[float]]:
    import face_recognition

    from kiosk.identity import face

    frames = [f for seed in range(count // 6 + 1) for f in face_scenes.citizen(photo, order=(), seed=seed)][:count]
    # Every frame is encoded and compared: the most a live frame costs.
    verifier = FaceVerifier(worker, FaceSettings(liveness=False, frames_to_match=10**9))
    verifier.prepare(id_photo())
    verifier.wait_reference()
    verifier.feed(Frame(frames[0], 0, time.monotonic()))  # warm-up
    ours, bare, same_steps = [], [], []
    for i, image in enumerate(frames):
        started = time.perf_counter()
        update = verifier.feed(Frame(image, i + 1, time.monotonic()))
        ours.append((time.perf_counter() - started) * 1000)
        assert update.decision is None and update.guidance is None, update
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        started = time.perf_counter()
        face_recognition.face_encodings(rgb, face_recognition.face_locations(rgb))
        bare.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        boxes = face.detect(image)
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        face.encode(rgb, face.landmark_shape(rgb, boxes[face.pick_primary(boxes, 640, 480)]))
        same_steps.append((time.perf_counter() - started) * 1000)
    verifier.wipe()
    return ours, bare, same_steps


def card_to_verified(worker: FaceWorker, photo, visits: int, directory: Path) -> list[tuple[float, int, tuple]]:
    from drivers.registry import open_device

    results = []
    for visit in range(visits):
        settings = FaceSettings()
        verifier = FaceVerifier(worker, settings, rng=random.Random(visit))
        order = verifier.challenges  # the citizen does what the screen will ask
        video = directory / f"citizen-{visit}.avi"
        face_video.write_avi(face_scenes.citizen(photo, order=order, seed=visit), video, fps=15)
        camera = open_device(f"opencv://{video}?loop=1&pace=1")
        try:
            started = time.perf_counter()
            verifier.prepare(id_photo())  # the card's photo has just been read
            decision = verifier.run(camera)
            elapsed = (time.perf_counter() - started) * 1000
        finally:
            camera.close()
            verifier.wipe()
        if decision.decision != "match":
            raise SystemExit(f"visit {visit}: expected a match, got {decision.to_json()}")
        results.append((elapsed, decision.frames_used, order))
    return results


KIOSK_LIKE = """
import os, sys
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtWidgets import QApplication
import cv2  # what the OpenCV camera driver loads
import kiosk.core, screens.main_window, kiosk.identity.verifier, kiosk.identity.policy
app = QApplication([])
print(open("/proc/self/status").read().split("VmRSS:")[1].split()[0])
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--visits", type=int, default=5)
    args = parser.parse_args()

    photo = face_scenes.load_face(str(face_scenes.bundled("astronaut")))
    worker = FaceWorker()
    try:
        started = time.perf_counter()
        worker.ensure_started()
        load_s = time.perf_counter() - started
        ours, bare, same_steps = frame_latency(worker, photo, args.frames)
        with tempfile.TemporaryDirectory(prefix="bench-identity-") as tmp:
            visits = card_to_verified(worker, photo, args.visits, Path(tmp))
        worker_rss = rss_mb(worker.pid)
    finally:
        worker.close()
    kiosk_rss = int(subprocess.run([sys.executable, "-c", KIOSK_LIKE], cwd=ROOT, capture_output=True, text=True,
                                   check=True).stdout.strip()) / 1024

    print("$ " + " ".join([".venv/bin/python", "bench/bench_identity.py", *sys.argv[1:]]))
    print()
    print(f"Face worker start (spawn + model load, until ready): {load_s * 1000:.0f} ms")
    print()
    print(f"Per live frame, 640×480, one frontal face, {len(ours)} frames:")
    print()
    print("| path | p50 ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|")
    for name, times in (("kiosk: FaceVerifier.feed (worker process, detect at 320 px, landmarks, gates, encode, distance)", ours),
                        ("bare face_recognition: face_locations + face_encodings (defaults, full frame)", bare),
                        ("the kiosk's dlib steps in one process (detect at 320 px, landmarks, encode; no worker, no gates)", same_steps)):
        p50, p95, worst = percentiles(times)
        print(f"| {name} | {p50:.0f} | {p95:.0f} | {worst:.0f} |")
    for name, base in (("bare face_recognition", bare), ("the same steps in one process", same_steps)):
        print(f"| **ratio kiosk / {name}** | {percentiles(ours)[0] / percentiles(base)[0]:.2f}× | "
              f"{percentiles(ours)[1] / percentiles(base)[1]:.2f}× | |")
    print()
    print(f"Card read → verified, cooperative citizen on the emulated camera (15 fps), {len(visits)} visits:")
    print()
    print("| visit | challenges | frames analysed | ms |")
    print("|---:|---|---:|---:|")
    for i, (ms, frames, order) in enumerate(visits):
        print(f"| {i} | {', '.join(order)} | {frames} | {ms:.0f} |")
    times = [ms for ms, _, _ in visits]
    print(f"| **median / max** | | | **{statistics.median(times):.0f} / {max(times):.0f}** |")
    print()
    print("| process (resident set) | MB |")
    print("|---|---:|")
    print(f"| kiosk-like process at idle (Qt app, core, screens, camera driver, identity package; no dlib) | {kiosk_rss:.0f} |")
    print(f"| face worker with dlib models loaded, after the runs above | {worker_rss:.0f} |")


if __name__ == "__main__":
    main()
