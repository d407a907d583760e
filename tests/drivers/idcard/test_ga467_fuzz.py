"""Property tests: whatever bytes arrive, the codec answers with frames or the driver's own errors."""

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from drivers.base import DeviceError, ProtocolError
from drivers.idcard import ga467_codec as codec
from drivers.idcard.demo_cards import load_demo_card
from drivers.idcard.emulator import Ga467Emulator

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_CARD = load_demo_card("zhang-wei")
VALID_FRAMES = [
    *(command.frame() for command in codec.COMMANDS.values()),
    codec.build_response(0x9F, bytes(4)),
    codec.build_response(0x80),
    codec.build_response(0x90, bytes(8)),
    codec.build_response(0x90, codec.build_read_data(codec.card_text_block(_CARD), bytes(1024))),
]


def drain(parser: codec.FrameParser, data: bytes, chunk: int) -> tuple[list[codec.Frame], list[DeviceError]]:
    """Feed `data` in chunks; collect frames and the errors raised on the way."""
    frames, errors = [], []
    pieces = [data[i:i + chunk] for i in range(0, len(data), chunk)] + [b""]
    for piece in pieces:
        while True:
            try:
                frames += parser.feed(piece)
                break
            except DeviceError as exc:
                errors.append(exc)
                piece = b""
    return frames, errors


@st.composite
def mutated_frames(draw):
    frame = bytearray(draw(st.sampled_from(VALID_FRAMES)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        at = draw(st.integers(0, max(0, len(frame) - 1)))
        if op == "flip" and frame:
            frame[at] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del frame[at:]
        elif op == "insert":
            frame[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete" and frame:
            del frame[at]
    return bytes(frame)


@FUZZ
@given(st.binary(max_size=600), st.integers(1, 64))
def test_random_bytes_raise_only_device_errors(data, chunk):
    frames, errors = drain(codec.FrameParser(), data, chunk)
    assert all(isinstance(error, ProtocolError) for error in errors)
    assert all(len(frame.body) >= 2 for frame in frames)


@FUZZ
@given(mutated_frames(), st.integers(1, 300))
def test_mutated_frames_raise_only_device_errors(data, chunk):
    frames, errors = drain(codec.FrameParser(), data, chunk)
    assert all(isinstance(error, ProtocolError) for error in errors)
    for frame in frames:
        try:
            if frame.sw3 == codec.SW3_OK and len(frame.response_data) > 200:
                text, _, _ = codec.parse_read_response(frame.response_data)
                codec.card_from_blocks(text)
        except ProtocolError:
            pass  # the codec's own error for data that does not hold together


@FUZZ
@given(st.binary(max_size=200), st.sampled_from(VALID_FRAMES), st.integers(1, 64))
def test_valid_frame_after_garbage_is_found(garbage, frame, chunk):
    assume(codec.PREAMBLE not in garbage)
    frames, errors = drain(codec.FrameParser(), garbage + frame, chunk)
    assert errors == []
    assert [codec.PREAMBLE + len(f.body + b"x").to_bytes(2, "big") + f.body for f in frames] == [frame[:-1]]


@FUZZ
@given(st.lists(st.sampled_from(VALID_FRAMES), min_size=1, max_size=5), st.integers(1, 500))
def test_chunking_does_not_change_the_frames(stream, chunk):
    data = b"".join(stream)
    whole, _ = drain(codec.FrameParser(), data, len(data))
    pieces, _ = drain(codec.FrameParser(), data, chunk)
    assert whole == pieces and len(whole) == len(stream)


@FUZZ
@given(st.binary(min_size=256, max_size=256))
def test_random_text_blocks_decode_or_raise_protocol_error(block):
    try:
        card = codec.card_from_blocks(block)
    except ProtocolError:
        return
    assert len(card.name) <= 15


@FUZZ
@given(st.binary(max_size=2400))
def test_random_read_answers_parse_or_raise_protocol_error(data):
    try:
        text, photo, fingerprint = codec.parse_read_response(data)
    except ProtocolError:
        return
    assert len(text) + len(photo) + len(fingerprint) <= len(data)


@FUZZ
@given(st.one_of(st.binary(max_size=300), mutated_frames()))
def test_emulator_answers_anything_with_whole_frames(data):
    emulator = Ga467Emulator(_CARD)
    answer = emulator.feed(data)
    frames, errors = drain(codec.FrameParser(), answer, len(answer) or 1)
    assert errors == []
    assert all(frame.sw3 in codec.STATUS_TABLE for frame in frames)
