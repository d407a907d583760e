"""The OpenCV backend on emulated-camera media: a Motion-JPEG .avi and an image sequence."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from drivers.base import DeviceState, DeviceTimeout, NotPresent
from drivers.camera.base import Frame
from drivers.registry import open_device


def test_file_delivers_every_frame_in_order_then_ends(cameras, media, citizen):
    frames = len(citizen)
    camera = cameras(f"opencv://{media['avi']}", open_now=False)
    seen: list[Frame] = []
    done = threading.Event()
    camera.subscribe(lambda frame: (seen.append(frame), frame.index == frames - 1 and done.set()))
    camera.open()
    assert done.wait(10)
    assert [f.index for f in seen] == list(range(frames))
    assert all(f.image.shape == (480, 640, 3) and f.image.dtype == np.uint8 for f in seen)
    assert all(a.timestamp <= b.timestamp for a, b in zip(seen, seen[1:]))
    with pytest.raises(NotPresent, match="end of video"):
        for _ in range(frames + 1):  # the newest frame may not have been read yet
            camera.read_frame(timeout_s=5)
    status = camera.status()
    assert status.state == DeviceState.NO_DEVICE and status.message == "end of video"
    assert status.detail["frames"] == frames


def test_frames_look_like_the_media(cameras, media, citizen):
    camera = cameras(f"opencv://{media['sequence']}")
    frame = camera.read_frame(timeout_s=5)
    # PNG is lossless: the first frame comes back exactly.
    assert frame.index == 0 and np.array_equal(frame.image, citizen[0])


def test_read_frame_never_returns_the_same_frame_twice(cameras, media):
    camera = cameras(f"opencv://{media['avi']}?loop=1&pace=1&fps=30")
    indices = [camera.read_frame(timeout_s=5).index for _ in range(10)]
    assert indices == sorted(set(indices))


def test_slow_reader_gets_the_newest_frame_not_a_backlog(cameras, media):
    camera = cameras(f"opencv://{media['avi']}?loop=1&pace=1&fps=50")
    first = camera.read_frame(timeout_s=5)
    caught_up = threading.Event()
    unsubscribe = camera.subscribe(lambda frame: frame.index >= first.index + 10 and caught_up.set())
    assert caught_up.wait(10)  # the camera moved on while nobody read
    unsubscribe()
    newest = camera.read_frame(timeout_s=5)
    assert newest.index >= first.index + 10


def test_loop_rewinds_files_and_sequences(cameras, media, citizen):
    for url, length in ((f"opencv://{media['avi']}?loop=1", len(citizen)), (f"opencv://{media['sequence']}?loop=1", 10)):
        camera = cameras(url)
        done = threading.Event()
        count = []
        camera.subscribe(lambda frame, count=count, done=done, length=length:
                         (count.append(frame), len(count) >= 3 * length and done.set()))
        assert done.wait(20), url
        # the same media again: the frame after the last is the first one
        assert np.array_equal(count[length].image, count[0].image)
        assert camera.status().state == DeviceState.ONLINE


def test_pace_plays_at_the_files_rate(cameras, media):
    camera = cameras(f"opencv://{media['avi']}?loop=1&pace=1")
    for _ in range(20):
        camera.read_frame(timeout_s=5)
    status = camera.status()
    assert status.detail["nominal_fps"] == 15.0
    # paced at 15 fps, never the hundreds an unpaced file reads at (loose: the machine is shared)
    assert 0 < status.detail["fps"] < 40


def test_unsubscribe_stops_the_calls(cameras, media):
    camera = cameras(f"opencv://{media['avi']}?loop=1&pace=1&fps=60")
    calls: list[int] = []
    unsubscribe = camera.subscribe(lambda frame: calls.append(frame.index))
    camera.read_frame(timeout_s=5)
    camera.read_frame(timeout_s=5)
    unsubscribe()
    unsubscribe()  # twice is harmless
    camera.read_frame(timeout_s=5)  # any call in flight has finished by the next frame
    stopped_at = len(calls)
    for _ in range(5):
        camera.read_frame(timeout_s=5)
    assert stopped_at >= 1 and len(calls) == stopped_at


def test_a_failing_subscriber_does_not_stop_the_camera(cameras, media):
    camera = cameras(f"opencv://{media['avi']}?loop=1&pace=1&fps=60")
    camera.subscribe(lambda frame: 1 / 0)
    first = camera.read_frame(timeout_s=5)
    assert camera.read_frame(timeout_s=5).index > first.index


def test_width_and_height_resize_played_media(cameras, media):
    camera = cameras(f"opencv://{media['avi']}?loop=1&width=320&height=240")
    assert camera.read_frame(timeout_s=5).image.shape == (240, 320, 3)
    assert camera.status().detail["width"] == 320


def test_snapshot_is_the_image(cameras, media):
    camera = cameras(f"opencv://{media['avi']}?loop=1")
    assert camera.snapshot(timeout_s=5).shape == (480, 640, 3)


def test_missing_file_and_device_are_not_present(tmp_path):
    for url, message in ((f"opencv://{tmp_path}/none.avi", "no video file"),
                         ("opencv:///dev/video-none", "no camera at /dev/video-none"),
                         (f"opencv://{tmp_path}/seq/frame_%03d.png", "cannot open")):
        with pytest.raises(NotPresent, match=message):
            open_device(url)
        camera = open_device(url, open_now=False)
        status = camera.status()
        assert status.state == DeviceState.NO_DEVICE and message in status.message
        camera.close()


def test_a_file_that_is_not_a_video(cameras, tmp_path):
    junk = tmp_path / "junk.avi"
    junk.write_bytes(b"RIFF" + bytes(range(256)) * 8)
    with pytest.raises(NotPresent):
        cameras(f"opencv://{junk}")


def test_read_timeout_when_no_new_frame(cameras, media):
    camera = cameras(f"opencv://{media['avi']}?loop=1&pace=1&fps=0.2")
    camera.read_frame(timeout_s=10)
    with pytest.raises(DeviceTimeout, match="no frame"):
        camera.read_frame(timeout_s=0.2)


def test_close_wakes_a_waiting_reader_and_reopen_starts_over(cameras, media):
    camera = cameras(f"opencv://{media['avi']}?loop=1&pace=1&fps=0.2")
    camera.read_frame(timeout_s=10)
    errors = []
    reader = threading.Thread(target=lambda: _catch(errors, camera.read_frame, 30))
    reader.start()
    camera.close()
    reader.join(10)
    assert not reader.is_alive() and isinstance(errors[0], NotPresent)
    camera.open()
    assert camera.read_frame(timeout_s=10).index == 0


def test_open_and_close_from_many_threads(cameras, media):
    camera = cameras(f"opencv://{media['avi']}?loop=1", open_now=False)
    errors: list[BaseException] = []

    def churn():
        for _ in range(5):
            _catch(errors, camera.open)
            _catch(errors, camera.status)
            _catch(errors, camera.close)

    threads = [threading.Thread(target=churn) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    camera.open()
    assert camera.read_frame(timeout_s=5).image.shape == (480, 640, 3)


def _catch(errors, call, *args):
    try:
        call(*args)
    except Exception as exc:  # collected for the assertion
        errors.append(exc)
