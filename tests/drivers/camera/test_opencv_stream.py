"""The OpenCV backend against the network camera emulator: HTTP MJPEG over a real socket, and
each fault as the kiosk sees it."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from drivers.base import DeviceState, NotPresent
from drivers.registry import open_device
from kiosk.config import DeviceConfig
from kiosk.devices import DeviceMonitor

TIMEOUT = 1.5  # the camera's open/read timeout in these tests


def wait_for(condition, timeout: float = 15.0, step: float = 0.1):
    """Poll `condition` until it returns something true; fail the test after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    pytest.fail(f"condition not met within {timeout} s")


@pytest.fixture
def stream_url(emulator) -> str:
    return f"{emulator.url}?timeout={TIMEOUT}"


def test_frames_from_the_network_camera(cameras, stream_url):
    camera = cameras(stream_url)
    frames = [camera.read_frame(timeout_s=5) for _ in range(5)]
    assert [f.index for f in frames] == sorted({f.index for f in frames})
    assert all(f.image.shape == (480, 640, 3) for f in frames)
    status = camera.status()
    assert status.state == DeviceState.ONLINE, status
    assert status.detail["kind"] == "stream" and status.detail["width"] == 640 and status.detail["frames"] >= 5


def test_subscribers_get_the_stream(cameras, stream_url):
    camera = cameras(stream_url, open_now=False)
    got = []
    done = threading.Event()
    camera.subscribe(lambda frame: (got.append(frame.index), len(got) >= 5 and done.set()))
    camera.open()
    assert done.wait(10)
    assert got[:5] == [0, 1, 2, 3, 4]


def test_corrupt_frames_are_counted_and_skipped(cameras, emulator, stream_url):
    emulator.set_fault("corrupt_frames")
    camera = cameras(stream_url)
    for _ in range(10):
        assert camera.read_frame(timeout_s=5).image.shape == (480, 640, 3)
    status = camera.status()
    assert status.state == DeviceState.ONLINE and status.detail["failed_reads"] >= 2


def test_black_and_frozen_pictures_are_hardware_errors(cameras, emulator, stream_url):
    camera = cameras(stream_url)
    camera.read_frame(timeout_s=5)
    for fault, verdict in (("black", "dark"), ("freeze", "frozen")):
        emulator.set_fault(fault)
        status = wait_for(lambda: (s := camera.status()).state == DeviceState.HARDWARE_ERROR and s)
        assert status.detail["image"] == verdict
        emulator.set_fault(None)
        assert wait_for(lambda: camera.status().state == DeviceState.ONLINE)


def test_no_face_is_an_empty_scene_for_the_consumer(cameras, emulator, stream_url):
    camera = cameras(stream_url)
    person = camera.read_frame(timeout_s=5).image
    emulator.set_fault("no_face")
    from drivers.emulation.face_video import empty_scene

    def shows_nobody():
        image = camera.read_frame(timeout_s=5).image
        return np.abs(image.astype(int) - empty_scene()).mean() < 4

    wait_for(shows_nobody)
    assert np.abs(person.astype(int) - empty_scene()).mean() > 20
    assert camera.status().state == DeviceState.ONLINE  # nothing wrong with the camera


def test_slow_camera_is_online_with_its_rate(cameras, emulator, stream_url):
    camera = cameras(stream_url)
    camera.read_frame(timeout_s=5)
    emulator.set_fault("slow")
    status = wait_for(lambda: (s := camera.status()).detail.get("fps", 99) < 5 and s, timeout=20)
    assert status.state == DeviceState.ONLINE


def test_no_answer_fails_within_the_timeout(emulator, stream_url):
    emulator.set_fault("no_answer")
    with pytest.raises(NotPresent, match="cannot open"):
        open_device(stream_url)


@pytest.mark.parametrize("fault", ["unplugged", "drop_connection", "no_answer"])
def test_stream_lost_mid_way_is_no_device(cameras, emulator, stream_url, fault):
    camera = cameras(stream_url)
    camera.read_frame(timeout_s=5)
    emulator.set_fault(fault, after_frames=0)
    status = wait_for(lambda: (s := camera.status()).state == DeviceState.NO_DEVICE and s)
    assert "no frame from" in status.message
    with pytest.raises(NotPresent):
        for _ in range(100):  # frames already captured may still be handed out
            camera.read_frame(timeout_s=5)


def test_nothing_listening_is_not_present(emulator, stream_url):
    emulator.set_fault("unplugged")
    camera = open_device(stream_url, open_now=False)
    status = camera.status()
    assert status.state == DeviceState.NO_DEVICE and "cannot open" in status.message
    camera.close()


def test_device_monitor_reopens_the_camera_when_it_comes_back(emulator, stream_url):
    changes = []
    monitor = DeviceMonitor({"camera": DeviceConfig(url=stream_url, poll_interval_s=0.2)}, changes.append)
    monitor.start()
    try:
        assert wait_for(lambda: monitor.statuses()["camera"].state == DeviceState.ONLINE)
        emulator.set_fault("unplugged")
        assert wait_for(lambda: monitor.statuses()["camera"].state == DeviceState.NO_DEVICE)
        emulator.set_fault(None)
        assert wait_for(lambda: monitor.statuses()["camera"].state == DeviceState.ONLINE)
        with monitor.in_use("camera") as camera:
            assert camera.read_frame(timeout_s=5).image.shape == (480, 640, 3)
    finally:
        monitor.stop()


def test_close_while_the_capture_is_blocked(emulator, stream_url):
    camera = open_device(stream_url)
    camera.read_frame(timeout_s=5)
    emulator.set_fault("no_answer")  # the next read blocks inside FFmpeg
    time.sleep(0.3)
    camera.close()  # must neither crash nor hang
    emulator.set_fault(None)
    camera.open()
    assert camera.read_frame(timeout_s=5).index == 0
    camera.close()
