"""The MJPEG codec and the camera URL parser under hypothesis: anything in, only typed errors out."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.base import ProtocolError
from drivers.camera import mjpeg
from drivers.camera.source import OPTIONS, parse_camera_url

JPEGS = st.lists(st.binary(min_size=0, max_size=300), min_size=1, max_size=6)


def stream_of(parts: list[bytes]) -> bytes:
    return mjpeg.stream_head() + b"".join(mjpeg.stream_part(p) for p in parts)


def read_in_chunks(data: bytes, cuts: list[int]) -> tuple[list[bytes], mjpeg.MultipartReader]:
    reader = mjpeg.MultipartReader()
    parts, start = [], 0
    for cut in sorted(c % (len(data) + 1) for c in cuts) + [len(data)]:
        parts += reader.feed(data[start:cut])
        start = max(start, cut)
    return parts, reader


@settings(max_examples=200, deadline=None)
@given(JPEGS, st.lists(st.integers(min_value=0), max_size=10))
def test_every_part_comes_back_however_the_stream_is_cut(parts, cuts):
    # a part's body may itself contain the boundary: Content-Length carries it through
    got, reader = read_in_chunks(stream_of(parts), cuts)
    assert got == parts and reader.skipped == 0


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000), st.lists(st.integers(min_value=0), max_size=8))
def test_random_bytes_never_raise(data, cuts):
    got, _ = read_in_chunks(data, cuts)
    assert all(isinstance(part, bytes) for part in got)


def length_digits(stream: bytes) -> set[int]:
    """Positions of length digits and their neighbours (a digit there would lengthen them)."""
    return {i for m in re.finditer(rb"Content-Length: (\d+)", stream) for i in range(m.start(1) - 1, m.end(1) + 1)}


@settings(max_examples=150, deadline=None)
@given(JPEGS, st.data())
def test_mutated_streams_never_raise_and_recover_for_the_next_parts(parts, data):
    """Damage anywhere but in a length is recovered from within a part: a broken part may take
    the next one with it (its body misread by up to its own length), never more. (A length that
    grows swallows what follows it: recovery waits until that many bytes went by.)"""
    stream = bytearray(stream_of(parts))
    for _ in range(data.draw(st.integers(min_value=1, max_value=5))):
        lengths = length_digits(bytes(stream))
        allowed = [i for i in range(len(stream)) if i not in lengths]
        position = data.draw(st.sampled_from(allowed))
        action = data.draw(st.sampled_from(["flip", "drop", "insert"]))
        if action == "flip":
            stream[position] = data.draw(st.integers(min_value=0, max_value=255))
        elif action == "drop":
            del stream[position]
        else:
            stream.insert(position, data.draw(st.integers(min_value=0, max_value=255)))
    tail = [b"longer than any damaged body " * 12, b"\xff\xd8 intact \xff\xd9"]
    got, _ = read_in_chunks(bytes(stream) + b"".join(mjpeg.stream_part(p) for p in tail), [])
    assert got[-1] == tail[-1]


def test_broken_part_headers_are_skipped():
    good = mjpeg.stream_part(b"one")
    broken = b"--kioskframe\r\nContent-Type: image/jpeg\r\n\r\nno length here"
    got, reader = read_in_chunks(mjpeg.stream_head() + broken + good, [])
    assert got == [b"one"] and reader.skipped == 1


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=mjpeg.MAX_HEAD + 100))
def test_request_reader_raises_only_protocol_errors(data):
    reader = mjpeg.RequestReader()
    try:
        request = reader.feed(data)
    except ProtocolError:
        return
    assert request is None or request.path.startswith("/")


def test_request_reader():
    reader = mjpeg.RequestReader()
    assert reader.feed(b"GET /stream.mjpg?x=1 HTT") is None
    assert reader.feed(b"P/1.1\r\nHost: a\r\n\r\n") == mjpeg.Request("GET", "/stream.mjpg")


URL_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(["opencv://", "opencv+http://", "opencv+rtsp://", "OPENCV://", "http://", ""]),
       URL_TEXT, st.lists(st.tuples(st.sampled_from([*OPTIONS, "x"]), URL_TEXT), max_size=4))
def test_camera_urls_parse_or_fail_with_value_error(prefix, location, options):
    query = "&".join(f"{k}={v}" for k, v in options)
    url = f"{prefix}{location}" + (f"?{query}" if query else "")
    try:
        source = parse_camera_url(url)
    except ValueError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert source.kind in ("index", "v4l2", "file", "sequence", "stream")
    assert source.timeout > 0
    assert source.describe()
