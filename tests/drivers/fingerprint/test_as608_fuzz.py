"""Property tests: whatever bytes arrive, the codec answers with packets or the driver's own errors."""

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from drivers.base import DeviceError, ProtocolError
from drivers.fingerprint import as608_codec as codec
from drivers.fingerprint import demo_fingers
from drivers.fingerprint.emulator import As608Emulator

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TEMPLATE = demo_fingers.press("li-na-right-index", 1)
VALID_PACKETS = [
    codec.gen_img(), codec.img2tz(1), codec.match(), codec.search(1, 0, 300), codec.store(2, 7),
    codec.up_char(1), codec.down_char(2), codec.verify_password(0x1234), codec.read_sys_para(),
    codec.build_ack(codec.OK, codec.SysPara().encode()), codec.build_ack(codec.NO_FINGER),
    codec.build_ack(codec.OK, b"\x00\x03\x00\xc8"),
    *[codec.build_packet(p.packet_id, p.payload) for p in codec.PacketParser().feed(codec.build_data(TEMPLATE, 128))],
]


def drain(parser: codec.PacketParser, data: bytes, chunk: int) -> tuple[list[codec.Packet], list[DeviceError]]:
    """Feed `data` in chunks; collect packets and the errors raised on the way."""
    packets, errors = [], []
    for piece in [data[i:i + chunk] for i in range(0, len(data), chunk)] + [b""]:
        while True:
            try:
                packets += parser.feed(piece)
                break
            except DeviceError as exc:
                errors.append(exc)
                piece = b""
    return packets, errors


@st.composite
def mutated_packets(draw):
    packet = bytearray(draw(st.sampled_from(VALID_PACKETS)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        at = draw(st.integers(0, max(0, len(packet) - 1)))
        if op == "flip" and packet:
            packet[at] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del packet[at:]
        elif op == "insert":
            packet[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete" and packet:
            del packet[at]
    return bytes(packet)


@FUZZ
@given(st.binary(max_size=600), st.integers(1, 64))
def test_random_bytes_raise_only_protocol_errors(data, chunk):
    packets, errors = drain(codec.PacketParser(), data, chunk)
    assert all(isinstance(error, ProtocolError) for error in errors)
    assert all(1 <= len(packet.payload) <= codec.MAX_PAYLOAD for packet in packets)


@FUZZ
@given(mutated_packets(), st.integers(1, 200))
def test_mutated_packets_raise_only_protocol_errors(data, chunk):
    packets, errors = drain(codec.PacketParser(), data, chunk)
    assert all(isinstance(error, ProtocolError) for error in errors)
    for packet in packets:  # whatever survived decodes or raises the codec's own error
        for decode in (codec.decode_score, codec.decode_search, codec.decode_count, codec.SysPara.decode):
            try:
                decode(packet.data)
            except ProtocolError:
                pass
        error = codec.confirmation_error(packet.code, "fuzz")
        assert error is None or isinstance(error, DeviceError)


@FUZZ
@given(st.sampled_from(list(codec.PACKET_IDS)), st.binary(min_size=1, max_size=256),
       st.integers(0, 0xFFFFFFFF), st.integers(1, 300))
def test_valid_packets_round_trip(packet_id, payload, address, chunk):
    wire = codec.build_packet(packet_id, payload, address)
    packets, errors = drain(codec.PacketParser(address), wire, chunk)
    assert errors == [] and packets == [codec.Packet(address, packet_id, payload)]


@FUZZ
@given(st.binary(max_size=200), st.sampled_from(VALID_PACKETS), st.integers(1, 64))
def test_valid_packet_after_garbage_is_found(garbage, packet, chunk):
    assume(codec.START[:1] not in garbage)
    packets, errors = drain(codec.PacketParser(), garbage + packet, chunk)
    assert errors == []
    assert [codec.build_packet(p.packet_id, p.payload) for p in packets] == [packet]


@FUZZ
@given(st.lists(st.sampled_from(VALID_PACKETS), min_size=1, max_size=6), st.integers(1, 500))
def test_chunking_does_not_change_the_packets(stream, chunk):
    data = b"".join(stream)
    whole, _ = drain(codec.PacketParser(), data, len(data))
    pieces, _ = drain(codec.PacketParser(), data, chunk)
    assert whole == pieces and len(whole) == len(stream)


@FUZZ
@given(st.binary(min_size=1, max_size=codec.MAX_TRANSFER), st.sampled_from(codec.PACKET_SIZES), st.integers(1, 300))
def test_data_transfers_reassemble(data, packet_size, chunk):
    packets, errors = drain(codec.PacketParser(), codec.build_data(data, packet_size), chunk)
    transfer = codec.DataTransfer()
    done = [transfer.add(packet) for packet in packets]
    assert errors == [] and done[-1] and not any(done[:-1])
    assert transfer.take() == data


@FUZZ
@given(st.one_of(st.binary(max_size=300), mutated_packets(), st.lists(st.sampled_from(VALID_PACKETS)).map(b"".join)))
def test_emulator_answers_anything_with_whole_packets(data):
    emulator = As608Emulator("li-na-right-index")
    answer = emulator.feed(data)
    packets, errors = drain(codec.PacketParser(), answer, len(answer) or 1)
    assert errors == []
    assert all(p.code in codec.CONFIRMATIONS for p in packets if p.packet_id == codec.ACK)
