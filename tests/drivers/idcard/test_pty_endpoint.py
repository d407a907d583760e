"""The generic pty endpoint, with a trivial byte emulator so it is tested on its own."""

import os
import threading
import time

import pytest
import serial

from drivers.emulation.pty import PtyEndpoint, serve_on_pty


class Echo:
    """Answers every chunk with `factor` copies of it; `unplugged` is toggled by the test."""

    def __init__(self, factor: int = 1):
        self.factor = factor
        self.unplugged = False

    def feed(self, data: bytes) -> bytes:
        return data * self.factor


def read_exactly(port: serial.Serial, size: int, timeout: float = 2.0) -> bytes:
    deadline = time.monotonic() + timeout
    got = b""
    while len(got) < size and time.monotonic() < deadline:
        got += port.read(size - len(got))
    return got


def test_serves_bytes_and_stops_cleanly():
    threads_before = threading.active_count()
    with serve_on_pty(Echo()) as path:
        with serial.Serial(path, 115200, timeout=0.2) as port:
            port.write(b"hello")
            assert read_exactly(port, 5) == b"hello"
        # the driver closed its side; a new session still works (the endpoint keeps the slave open)
        with serial.Serial(path, 115200, timeout=0.2) as port:
            port.write(b"again")
            assert read_exactly(port, 5) == b"again"
    assert not os.path.exists(path)
    assert threading.active_count() == threads_before


def test_pacing_holds_the_line_rate():
    size = 1300
    with serve_on_pty(Echo(factor=size), pace_baud=115200) as path:
        with serial.Serial(path, 115200, timeout=0.2) as port:
            started = time.monotonic()
            port.write(b"x")
            assert len(read_exactly(port, size)) == size
            elapsed = time.monotonic() - started
    floor = (size + 1) * 10 / 115200  # the request byte and the answer, 10 bits each
    assert floor <= elapsed < floor + 0.1


def test_unplug_and_replug_keep_the_link(tmp_path):
    echo = Echo()
    link = str(tmp_path / "ttyLINK")
    with PtyEndpoint(echo, link=link) as endpoint:
        first = endpoint.path
        assert os.path.realpath(link) == first and endpoint.device == link
        port = serial.Serial(link, 115200, timeout=0.2)
        echo.unplugged = True
        deadline = time.monotonic() + 2
        while os.path.lexists(link) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not os.path.lexists(link) and endpoint.path == ""
        with pytest.raises(serial.SerialException):
            port.write(b"x")
            port.read(1)
        port.close()
        echo.unplugged = False
        while not os.path.lexists(link) and time.monotonic() < deadline:
            time.sleep(0.01)
        with serial.Serial(link, 115200, timeout=0.2) as again:
            again.write(b"back")
            assert read_exactly(again, 4) == b"back"
    assert not os.path.lexists(link)


def test_pace_rate_must_be_positive():
    with pytest.raises(ValueError):
        PtyEndpoint(Echo(), pace_baud=0)
