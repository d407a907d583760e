"""`kiosk device camera …` and `kiosk emulate camera` as real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest

KIOSK = str(Path(sys.executable).with_name("kiosk"))


@pytest.fixture
def emulator_process():
    """`kiosk emulate camera` as its own process; yields (url, control port)."""
    process = subprocess.Popen(
        [KIOSK, "emulate", "camera", "--port", "0", "--face", "grace-hopper"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        first = json.loads(process.stdout.readline())
        yield first["url"], int(first["control"].rsplit(":", 1)[1])
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0  # SIGTERM is a clean stop
        process.stdout.close()
        process.stderr.close()


def test_snapshot_from_the_emulator_process(run_kiosk, emulator_process, tmp_path):
    url, _ = emulator_process
    out = tmp_path / "frame.png"
    result = run_kiosk("device", "camera", "snapshot", "--url", url, "--out", str(out))
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["width"] == 640 and answer["height"] == 480 and answer["out"] == str(out)
    assert cv2.imread(str(out)).shape == (480, 640, 3) and answer["bytes"] == out.stat().st_size


def test_snapshot_from_a_file(run_kiosk, media, tmp_path):
    out = tmp_path / "frame.jpg"
    result = run_kiosk("device", "camera", "snapshot", "--url", f"opencv://{media['avi']}", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["frame_index"] == 0 and cv2.imread(str(out)) is not None


def test_status_watches_the_picture(run_kiosk, emulator_process):
    url, control_port = emulator_process
    result = run_kiosk("device", "camera", "status", "--url", url)
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["state"] == "online" and status["detail"]["fps"] > 1 and status["detail"]["image"] == "ok"

    faulted = run_kiosk("emulate", "control", "--port", str(control_port), '{"op":"fault","kind":"black"}')
    assert faulted.returncode == 0 and json.loads(faulted.stdout) == {"ok": True, "fault": "black"}
    result = run_kiosk("device", "camera", "status", "--url", url)
    assert result.returncode == 1
    assert json.loads(result.stdout)["detail"]["image"] == "dark"
    assert result.stderr == "error: hardware_error: 图像全黑 / image dark (lens covered?)\n"


@pytest.mark.parametrize("url, message", [
    ("opencv://7", "error: not_present: cannot open camera 7"),
    ("opencv:///dev/video-none", "error: not_present: no camera at /dev/video-none"),
    ("opencv+http://127.0.0.1:1/stream.mjpg?timeout=2", "error: not_present: cannot open http://127.0.0.1:1/stream.mjpg"),
    ("opencv:///x.avi?lopp=1", "error: unknown camera option lopp"),
    ("camera://0", "error: unknown device scheme 'camera'"),
])
def test_snapshot_failures_are_one_line(run_kiosk, tmp_path, url, message):
    out = tmp_path / "x.jpg"
    result = run_kiosk("device", "camera", "snapshot", "--url", url, "--out", str(out))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1, result.stderr
    assert not out.exists()


def test_a_stream_that_never_answers_fails_within_10_s(run_kiosk, emulator, tmp_path):
    emulator.set_fault("no_answer")  # default timeouts: the URL as a technician would type it
    for command in ("snapshot", "status"):
        started = time.monotonic()
        extra = ("--out", str(tmp_path / "x.jpg")) if command == "snapshot" else ()
        result = run_kiosk("device", "camera", command, "--url", emulator.url, *extra)
        assert time.monotonic() - started < 10
        assert result.returncode == 1
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr


def test_bad_out_is_refused_before_opening(run_kiosk, tmp_path):
    result = run_kiosk("device", "camera", "snapshot", "--url", "opencv://0", "--out", str(tmp_path / "x.gif"))
    assert result.returncode == 1 and result.stderr.startswith("error: --out must end in .jpg")
    result = run_kiosk("device", "camera", "snapshot", "--url", "opencv://0", "--out", str(tmp_path / "no" / "x.png"))
    assert result.returncode == 1 and result.stderr.startswith("error: no directory")


def test_emulator_refuses_an_unknown_face(run_kiosk):
    result = run_kiosk("emulate", "camera", "--port", "0", "--face", "nobody")
    assert result.returncode == 1
    assert result.stderr.startswith("error: no face image 'nobody'") and result.stderr.count("\n") == 1
