"""What each camera URL form opens, and the options it carries."""

import pytest

from drivers.camera.source import DEFAULT_TIMEOUT, CameraSource, parse_camera_url


@pytest.mark.parametrize("url, kind, target", [
    ("opencv://0", "index", "0"),
    ("opencv://2?width=1280&height=720&fps=30", "index", "2"),
    ("opencv:///dev/video0", "v4l2", "/dev/video0"),
    ("opencv:///srv/cam/citizen.avi?loop=1&pace=1", "file", "/srv/cam/citizen.avi"),
    ("opencv:///srv/cam/seq/frame_%03d.png", "sequence", "/srv/cam/seq/frame_%03d.png"),
    ("opencv:///srv/my%20cam/a.avi", "file", "/srv/my%20cam/a.avi"),  # literal: no decoding
    ("opencv+rtsp://10.0.0.9:554/stream1", "stream", "rtsp://10.0.0.9:554/stream1"),
    ("opencv+http://127.0.0.1:8081/stream.mjpg?timeout=2", "stream", "http://127.0.0.1:8081/stream.mjpg"),
    ("opencv+https://cam.local/video?channel=1&timeout=4", "stream", "https://cam.local/video?channel=1"),
])
def test_url_forms(url, kind, target):
    source = parse_camera_url(url)
    assert (source.kind, source.target) == (kind, target)


def test_options():
    source = parse_camera_url("opencv:///x.avi?width=320&height=240&fps=7.5&loop=1&pace=true&timeout=0.5")
    assert source == CameraSource("file", "/x.avi", width=320, height=240, fps=7.5, loop=True, pace=True,
                                  timeout=0.5)
    plain = parse_camera_url("opencv://0")
    assert (plain.loop, plain.pace, plain.timeout, plain.live) == (False, False, DEFAULT_TIMEOUT, True)


def test_credentials_stay_out_of_descriptions():
    source = parse_camera_url("opencv+rtsp://admin:secret@10.0.0.9:554/stream1")
    assert source.target == "rtsp://admin:secret@10.0.0.9:554/stream1"
    assert source.describe() == "rtsp://10.0.0.9:554/stream1"


@pytest.mark.parametrize("url, message", [
    ("opencv://", "no camera"),
    ("opencv://front", "camera index must be a number"),
    ("opencv:///x.avi?lopp=1", "unknown camera option lopp"),
    ("opencv:///x.avi?loop=2", "must be 0 or 1"),
    ("opencv:///x.avi?timeout=0", "must be 0.1–60"),
    ("opencv:///x.avi?fps=nan", "must be 0.1–1000"),
    ("opencv:///x.avi?width=wide", "bad value for camera option 'width'"),
    ("opencv+http:///stream", "no host"),
    ("camera://0", "not a camera URL"),
])
def test_bad_urls_say_why(url, message):
    with pytest.raises(ValueError, match=message):
        parse_camera_url(url)
