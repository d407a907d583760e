"""The camera emulator on its own: real HTTP over a real socket, read back with the codec."""

from __future__ import annotations

import socket
import time

import cv2
import numpy as np
import pytest

from drivers.camera import mjpeg
from drivers.emulation import face_video
from drivers.emulation.control import ControlServer, send_control


def read_parts(emulator, count: int, path: str = "/stream.mjpg") -> tuple[bytes, list[bytes]]:
    host, port = emulator.address
    reader = mjpeg.MultipartReader()
    parts: list[bytes] = []
    received = b""
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        while len(parts) < count:
            data = sock.recv(65536)
            if not data:
                break
            received += data[:200] if len(received) < 200 else b""
            parts += reader.feed(data)
    return received, parts


def decode(jpeg: bytes) -> np.ndarray | None:
    return cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)


def test_streams_multipart_jpeg_like_an_ip_camera(emulator):
    head, parts = read_parts(emulator, 3)
    assert head.startswith(b"HTTP/1.0 200 OK\r\n")
    assert b"Content-Type: multipart/x-mixed-replace; boundary=kioskframe" in head
    images = [decode(part) for part in parts]
    assert all(image is not None and image.shape == (480, 640, 3) for image in images)
    assert not np.array_equal(images[0], images[1])  # a live scene: no two frames alike


def test_snapshot_and_unknown_paths(emulator):
    host, port = emulator.address
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(b"GET /snapshot.jpg HTTP/1.1\r\n\r\n")
        answer = b"".join(iter(lambda: sock.recv(65536), b""))
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200 OK") and decode(body).shape == (480, 640, 3)
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(b"GET /nothing HTTP/1.1\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.0 404")
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(b"\x16\x03\x01 not http\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.0 400")


def test_plays_given_frames(emulator):
    colours = [np.full((120, 160, 3), value, np.uint8) for value in (40, 200)]
    emulator.play(colours, fps=30)
    _, parts = read_parts(emulator, 4)
    levels = [int(decode(part).mean()) for part in parts]
    assert levels[0] in range(35, 46) and levels[1] in range(195, 206)
    assert levels[2] == levels[0] and levels[3] == levels[1]


def test_control_over_tcp_loads_faces_and_plays_a_directory(emulator, tmp_path):
    face_video.write_image_sequence([np.full((100, 100, 3), 10, np.uint8)] * 2, tmp_path / "dark")
    control = ControlServer(emulator).start()
    try:
        host, port = control.address
        assert send_control(host, port, {"op": "load_face", "face": "grace-hopper"}) == \
            {"ok": True, "playing": "face:grace-hopper"}
        assert send_control(host, port, {"op": "play", "path": str(tmp_path / "dark")})["frames"] == 2
        _, parts = read_parts(emulator, 1)
        assert decode(parts[0]).mean() < 15
        # The counter moves once the emulator's write returns, which may be after the client has
        # the frame: ask until it shows.
        deadline = time.monotonic() + 10
        while (status := send_control(host, port, {"op": "status"}))["frames_sent"] < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert status["ok"] and status["playing"] == f"path:{tmp_path / 'dark'}" and status["frames_sent"] >= 1
        for bad in ({"op": "load_face", "face": "nobody"}, {"op": "play", "path": str(tmp_path / "none")},
                    {"op": "fault", "kind": "melted"}, {"op": "nonsense"}):
            answer = send_control(host, port, bad)
            assert answer["ok"] is False and answer["error"]
    finally:
        control.stop()


def test_corrupt_frames_keep_the_framing(emulator):
    emulator.set_fault("corrupt_frames")
    _, parts = read_parts(emulator, 6)
    decoded = [decode(part) is not None for part in parts]
    assert decoded == [True, True, False, True, True, False]


def test_black_and_no_face_and_freeze(emulator):
    emulator.set_fault("black")
    _, parts = read_parts(emulator, 2)
    assert all(decode(part).mean() < 5 for part in parts)
    emulator.set_fault("freeze")
    _, parts = read_parts(emulator, 3)
    assert parts[0] == parts[1] == parts[2]
    emulator.set_fault("no_face")
    _, parts = read_parts(emulator, 2)
    empty = face_video.empty_scene()
    assert np.abs(decode(parts[0]).astype(int) - empty).mean() < 4


def test_unplugged_refuses_and_comes_back_on_the_same_port(emulator):
    host, port = emulator.address
    emulator.set_fault("unplugged")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((host, port), timeout=5).close()
    emulator.set_fault(None)
    assert emulator.address == (host, port)
    _, parts = read_parts(emulator, 1)
    assert len(parts) == 1


def test_drop_connection_cuts_each_stream(emulator):
    emulator.set_fault("drop_connection", after_frames=3)
    _, parts = read_parts(emulator, 10)
    assert len(parts) == 3


def test_no_answer_sends_nothing(emulator):
    emulator.set_fault("no_answer")
    host, port = emulator.address
    with socket.create_connection((host, port), timeout=1) as sock:
        sock.sendall(b"GET /stream.mjpg HTTP/1.1\r\n\r\n")
        with pytest.raises(TimeoutError):
            sock.recv(100)
