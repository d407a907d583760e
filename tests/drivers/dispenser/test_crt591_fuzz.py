"""Property tests: frames round-trip, the parser never crashes, and garbage never costs a good
frame that follows it."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.dispenser import crt591_codec as codec
from drivers.dispenser.crt591_codec import Frame, FrameParser, Status

FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

frames = st.builds(
    Frame,
    address=st.integers(0, 255),
    type=st.sampled_from([codec.COMMAND, codec.POSITIVE, codec.NEGATIVE]),
    cm=st.integers(0, 255),
    pm=st.integers(0, 255),
    payload=st.binary(min_size=3, max_size=40),
)
statuses = st.builds(Status, st.sampled_from(["none", "read", "mouth"]), st.sampled_from(["empty", "low", "ok"]),
                     st.sampled_from(["ok", "full"]), st.lists(st.sampled_from(["empty", "low", "ok"]),
                                                               max_size=8).map(tuple))
# Noise often holds an STX, a claimed length, handshake bytes and half frames.
noise = st.lists(st.one_of(st.binary(max_size=20), st.just(b"\xf2"), st.just(b"\xf2\x00\x02\x00"),
                           st.sampled_from([b"\x06", b"\x15", b"\x05", b"\x03"]),
                           st.builds(lambda f, n: f.encode()[:n], frames, st.integers(1, 8))),
                 max_size=8).map(b"".join)


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({cut % (len(data) + 1) for cut in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)])]


def run(parser: FrameParser, pieces: list[bytes]) -> list:
    return [event for piece in pieces for event in parser.feed(piece)]


@FUZZ
@given(frames, st.lists(st.integers(0, 200), max_size=6))
def test_frames_round_trip_in_any_chunks(frame, cuts):
    events = run(FrameParser(), chunked(frame.encode(), cuts))
    assert frame in events


@FUZZ
@given(statuses)
def test_status_round_trip(status):
    assert Status.decode(status.encode()) == status


@FUZZ
@given(st.binary(max_size=1500), st.lists(st.integers(0, 2000), max_size=10))
def test_arbitrary_bytes_never_crash(data, cuts):
    parser = FrameParser()
    for event in run(parser, chunked(data, cuts)):
        assert isinstance(event, (codec.Frame, codec.Control, codec.Rejected))


@FUZZ
@given(noise, frames, st.lists(st.integers(0, 400), max_size=6))
def test_a_good_frame_after_garbage_is_never_lost(garbage, frame, cuts):
    events = run(FrameParser(), chunked(garbage + frame.encode(), cuts))
    assert frame in events


@FUZZ
@given(noise, st.lists(frames, min_size=1, max_size=4))
def test_frames_back_to_back_after_garbage_all_arrive(garbage, sent):
    events = FrameParser().feed(garbage + b"".join(f.encode() for f in sent))
    got = [e for e in events if isinstance(e, Frame)]
    assert got[-len(sent):] == sent


@FUZZ
@given(st.binary(max_size=600), st.lists(st.integers(0, 700), max_size=6))
def test_the_emulator_never_crashes_and_noise_moves_no_card(data, cuts):
    from drivers.dispenser.emulator import DispenserEmulator

    emulator = DispenserEmulator(cards=3)
    for piece in chunked(data.replace(b"\xf2", b""), cuts):  # no STX: nothing can be a command
        emulator.feed(piece)
    state = emulator.describe()
    assert len(state["slots"][0]) == 3 and state["channel"] is None
