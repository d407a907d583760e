"""Memory at idle: the kiosk process and its face worker, and the face worker's cold start.

    .venv/bin/python bench/bench_memory.py [--idle-s 10] [--starts 3]

The kiosk is a fresh process doing what `kiosk run` does (config, logging, QApplication and
theme, KioskCore started with its devices opened in the background, the window on Qt's offscreen
platform), against the emulated devices and central of a DemoEnvironment started first (as in
bench_startup.py). Once the attract screen is up and every device has answered, it sits idle for
--idle-s seconds (the event loop running), then its resident set is read from /proc; then the
face worker is started and its models loaded (what the first face check needs) and both are read
again. RSS counts pages shared by both processes (libraries, the interpreter) in each; PSS
divides each shared page among the processes that map it, so the PSS sum counts them once.

The face worker's cold start (spawn, imports, dlib's models loaded, "ready" on its pipe) is
timed --starts times in this process, one worker at a time.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
CONFIG_ENV = "BENCH_MEMORY_CONFIG"


def memory_mb(pid: int | str = "self") -> dict[str, float]:
    """VmRSS and Pss of a process, in MB."""
    rss = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmRSS:"))
    pss = next(line for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines() if line.startswith("Pss:"))
    return {"rss": int(rss.split()[1]) / 1024, "pss": int(pss.split()[1]) / 1024}


# ---- the child: the kiosk ----------------------------------------------------------------------
def child(idle_s: float) -> None:
    from kiosk.config import load_config
    from kiosk.core import KioskCore
    from kiosk.logs import setup_logging
    from screens.app import make_application, make_window

    config = load_config(None, json.loads(os.environ[CONFIG_ENV]))
    setup_logging(config.data_path("logs"))
    app = make_application()
    core = KioskCore(config).start(devices_in_background=True)  # as kiosk/commands/run.py start_core
    window = make_window(core.session, size=(1080, 1920))
    try:
        wait(app, lambda: window.view is not None and window.view.state == "attract"
             and not core._devices_starting, 60, "the attract screen with every device answered")
        wait(app, lambda: False, idle_s, None)  # idle: the event loop and the core's threads run
        marks = {"kiosk_idle": memory_mb(), "worker_idle": worker_memory(core)}
        began = time.monotonic()
        core.face_worker.ensure_started()  # what the first face check needs
        marks["worker_start_s"] = time.monotonic() - began
        wait(app, lambda: False, 2, None)
        marks["kiosk_loaded"] = memory_mb()
        marks["worker_loaded"] = worker_memory(core)
        print("BENCH " + json.dumps(marks), flush=True)
    finally:
        window.shutdown()
        core.stop()


def worker_memory(core) -> dict[str, float] | None:
    pid = core.face_worker.pid
    return memory_mb(pid) if pid else None


def wait(app, condition, timeout_s: float, what: str | None) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            if what is None:
                return
            raise SystemExit(f"no {what} within {timeout_s:.0f} s")
        app.processEvents()
        time.sleep(0.02)


# ---- the parent ---------------------------------------------------------------------------------
def worker_cold_starts(count: int) -> list[float]:
    from kiosk.identity.worker import FaceWorker

    times = []
    for _ in range(count):
        worker = FaceWorker()
        began = time.monotonic()
        worker.ensure_started()
        times.append(time.monotonic() - began)
        worker.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--idle-s", type=float, default=10.0)
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.idle_s)
        return

    from bench_startup import offscreen_portrait_screen
    from kiosk.core import load_or_enrol_secret
    from kiosk.demo_env import DemoEnvironment

    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp, DemoEnvironment(tmp) as demo:
        load_or_enrol_secret(demo.config)
        overrides = {"data_dir": demo.config.data_dir, "central.url": demo.central.url}
        for name, device in demo.config.devices.items():
            overrides[f"devices.{name}.url"] = device.url
            overrides[f"devices.{name}.poll_interval_s"] = device.poll_interval_s
        env = dict(os.environ, QT_QPA_PLATFORM=offscreen_portrait_screen(tmp), **{CONFIG_ENV: json.dumps(overrides)})
        done = subprocess.run([sys.executable, __file__, "--child", "--idle-s", str(args.idle_s)], env=env,
                              capture_output=True, text=True, timeout=300)
        lines = [line[6:] for line in done.stdout.splitlines() if line.startswith("BENCH ")]
        if done.returncode != 0 or not lines:
            raise SystemExit(f"kiosk child failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        marks = json.loads(lines[-1])
    starts = worker_cold_starts(args.starts)

    print(f"command: `{shlex.join([Path(sys.executable).name, *sys.argv])}` (load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end)\n")
    print("| at idle, attract screen, every device open | kiosk RSS MB | face worker RSS MB | sum RSS MB | sum PSS MB |")
    print("|---|---:|---:|---:|---:|")
    for label, kiosk, worker in (("after start-up, idle", marks["kiosk_idle"], marks["worker_idle"]),
                                 ("face worker started, models loaded", marks["kiosk_loaded"], marks["worker_loaded"])):
        worker = worker or {"rss": 0.0, "pss": 0.0}
        shown = f"{worker['rss']:.0f}" if worker["rss"] else "not running"
        print(f"| {label} | {kiosk['rss']:.0f} | {shown} | {kiosk['rss'] + worker['rss']:.0f} | "
              f"{kiosk['pss'] + worker['pss']:.0f} |")
    print(f"\nface worker cold start (spawn → models loaded → ready), {len(starts)} starts: median "
          f"{statistics.median(starts) * 1000:.0f} ms, min {min(starts) * 1000:.0f}, max {max(starts) * 1000:.0f}; "
          f"inside the idle kiosk: {marks['worker_start_s'] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
