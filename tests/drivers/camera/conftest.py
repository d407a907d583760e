"""Fixtures for cameras: emulated-camera media on disk, made once per session from the bundled
faces, and the real OpenCV backend on them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from drivers.emulation import face_video

FRAMES = 30  # two seconds at 15 fps


@pytest.fixture(scope="session")
def citizen():
    return face_video.citizen_frames("astronaut", count=FRAMES)


@pytest.fixture(scope="session")
def media(tmp_path_factory, citizen) -> dict[str, Path | str]:
    """{"avi": …/citizen.avi, "sequence": …/seq/frame_%03d.png} of the astronaut in the scene."""
    root = tmp_path_factory.mktemp("camera-media")
    return {
        "avi": face_video.write_avi(citizen, root / "citizen.avi"),
        "sequence": face_video.write_image_sequence(citizen[:10], root / "seq"),
    }


@pytest.fixture
def cameras():
    """Open cameras by URL; every one is closed at the end of the test."""
    from drivers.registry import open_device

    opened = []

    def open_camera(url: str, **kwargs):
        camera = open_device(url, **kwargs)
        opened.append(camera)
        return camera

    yield open_camera
    for camera in opened:
        camera.close()


@pytest.fixture
def emulator():
    """The network camera emulator on a free port of 127.0.0.1."""
    from drivers.camera.emulator import CameraEmulator

    with CameraEmulator(port=0) as emu:
        yield emu


@pytest.fixture
def run_kiosk():
    """Run the installed `kiosk` command as a real subprocess."""

    def run(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        kiosk = str(Path(sys.executable).with_name("kiosk"))
        return subprocess.run([kiosk, *args], capture_output=True, text=True, timeout=timeout, env=env)

    return run
