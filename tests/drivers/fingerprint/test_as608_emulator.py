"""The emulator's pure part: command bytes in, answer bytes out, and its control interface."""

import pytest

from drivers.emulation.control import ControlError, dispatch
from drivers.fingerprint import as608_codec as codec
from drivers.fingerprint import demo_fingers
from drivers.fingerprint.emulator import GARBAGE, OTHER_ADDRESS, As608Emulator


def ask(emulator: As608Emulator, packet: bytes, address: int = codec.DEFAULT_ADDRESS) -> list[codec.Packet]:
    return codec.PacketParser(address).feed(emulator.feed(packet))


def code(emulator: As608Emulator, packet: bytes) -> int:
    (ack,) = ask(emulator, packet)
    return ack.code


def test_presses_of_one_finger_match_by_their_bytes():
    first, second = demo_fingers.press("li-na-right-index", 1), demo_fingers.press("li-na-right-index", 2)
    other = demo_fingers.press("li-na-right-thumb", 1)
    assert first != second  # no two presses are the same bytes
    assert demo_fingers.similarity(first, second) >= demo_fingers.MATCH_THRESHOLD
    assert demo_fingers.similarity(first, other) < demo_fingers.MATCH_THRESHOLD
    assert demo_fingers.identify(second) == "li-na-right-index"
    assert demo_fingers.identify(bytes(512)) is None


def test_match_compares_the_buffers():
    emulator = As608Emulator("wang-fang-right-index")
    for buffer in (1, 2):
        assert code(emulator, codec.gen_img()) == codec.OK
        assert code(emulator, codec.img2tz(buffer)) == codec.OK
    (ack,) = ask(emulator, codec.match())
    assert ack.code == codec.OK and codec.decode_score(ack.data) >= demo_fingers.MATCH_THRESHOLD
    # another finger's template downloaded into buffer 2 no longer matches
    assert code(emulator, codec.down_char(2)) == codec.OK
    assert emulator.feed(codec.build_data(demo_fingers.press("li-na-right-index", 5), 128)) == b""
    (ack,) = ask(emulator, codec.match())
    assert (ack.code, codec.decode_score(ack.data)) == (codec.NO_MATCH, 0)


def test_no_finger_and_no_image():
    emulator = As608Emulator()
    assert code(emulator, codec.gen_img()) == codec.NO_FINGER
    assert code(emulator, codec.img2tz(1)) == codec.NO_VALID_IMAGE
    assert code(emulator, codec.up_char(1)) == codec.UPLOAD_FEATURE_FAILED


def test_upload_sends_the_buffer_as_data_packets():
    emulator = As608Emulator("li-na-right-index")
    code(emulator, codec.gen_img())
    code(emulator, codec.img2tz(1))
    ack, *data = ask(emulator, codec.up_char(1))
    assert ack.code == codec.OK and [p.packet_id for p in data] == [2, 2, 2, 8]
    template = b"".join(p.payload for p in data)
    assert demo_fingers.identify(template) == "li-na-right-index"


def test_library_pages():
    emulator = As608Emulator()
    emulator.enroll("li-na-right-index", 4)
    assert code(emulator, codec.template_count()) == codec.OK
    assert code(emulator, codec.load_char(1, 4)) == codec.OK
    assert code(emulator, codec.load_char(1, 5)) == codec.TEMPLATE_READ_ERROR
    assert code(emulator, codec.store(1, 300)) == codec.BAD_LOCATION
    assert code(emulator, codec.store(1, 9)) == codec.OK
    assert emulator.pages() == {"4": "li-na-right-index", "9": "li-na-right-index"}
    assert code(emulator, codec.delete(4)) == codec.OK
    assert code(emulator, codec.delete(299, 2)) == codec.DELETE_FAILED
    assert emulator.pages() == {"9": "li-na-right-index"}
    assert code(emulator, codec.empty()) == codec.OK and emulator.pages() == {}


def test_enrollment_needs_the_same_finger_twice():
    emulator = As608Emulator("li-na-right-index")
    code(emulator, codec.gen_img())
    code(emulator, codec.img2tz(1))
    emulator.place_finger("wang-fang-right-index")
    code(emulator, codec.gen_img())
    code(emulator, codec.img2tz(2))
    assert code(emulator, codec.reg_model()) == codec.ENROLL_MISMATCH


def test_password_and_address():
    emulator = As608Emulator(password=0x1234, address=0x0A0B0C0D)
    assert emulator.feed(codec.read_sys_para()) == b""  # for another address: silence
    assert code_at(emulator, codec.read_sys_para(0x0A0B0C0D)) == codec.WRONG_PASSWORD
    assert code_at(emulator, codec.verify_password(1, 0x0A0B0C0D)) == codec.WRONG_PASSWORD
    assert code_at(emulator, codec.verify_password(0x1234, 0x0A0B0C0D)) == codec.OK
    (ack,) = ask(emulator, codec.read_sys_para(0x0A0B0C0D), 0x0A0B0C0D)
    assert codec.SysPara.decode(ack.data).address == 0x0A0B0C0D


def code_at(emulator, packet):
    (ack,) = ask(emulator, packet, 0x0A0B0C0D)
    return ack.code


def test_damaged_commands_get_packet_receive_error():
    emulator = As608Emulator()
    bad = bytearray(codec.gen_img())
    bad[-1] ^= 0x55
    assert code(emulator, bytes(bad)) == codec.PACKET_RECEIVE_ERROR


@pytest.mark.parametrize(
    ("kind", "check"),
    [
        ("garbage_prefix", lambda wire: wire.startswith(GARBAGE)),
        ("no_answer", lambda wire: wire == b""),
        ("truncated", lambda wire: 0 < len(wire) < len(codec.build_ack(0))),
        ("wrong_address", lambda wire: codec.PacketParser(OTHER_ADDRESS).feed(wire)[0].code == codec.NO_FINGER),
    ],
)
def test_transport_faults(kind, check):
    emulator = As608Emulator()
    emulator.set_fault(kind, times=1)
    assert check(emulator.feed(codec.gen_img()))
    assert code(emulator, codec.gen_img()) == codec.NO_FINGER  # once only


def test_control_interface():
    emulator = As608Emulator()
    assert dispatch(emulator, {"op": "place_finger", "finger": "li-na-right-thumb"})["finger"] == "li-na-right-thumb"
    assert dispatch(emulator, {"op": "enroll", "finger": "li-na-right-thumb", "page": 2})["templates"] == 1
    listed = dispatch(emulator, {"op": "list"})
    assert listed["pages"] == {"2": "li-na-right-thumb"} and "zhang-wei-right-index" in listed["fingers"]
    assert dispatch(emulator, {"op": "fault", "kind": "dry_finger"})["faults"] == {"dry_finger": "sticky"}
    assert dispatch(emulator, {"op": "clear_fault"})["faults"] == {}
    assert dispatch(emulator, {"op": "lift_finger"})["finger"] is None
    for bad, message in [
        ({"op": "place_finger", "finger": "nobody"}, "no demo finger 'nobody'"),
        ({"op": "enroll", "finger": "li-na-right-thumb", "page": 300}, "page must be 0..299"),
        ({"op": "enroll", "finger": "li-na-right-thumb"}, "enroll needs an integer page"),
        ({"op": "fault", "kind": "fire"}, "unknown fault 'fire'"),
        ({"op": "fault", "kind": "no_finger", "times": 0}, "times must be a positive integer"),
        ({"op": "teleport"}, "unknown op 'teleport'"),
    ]:
        answer = dispatch(emulator, bad)
        assert answer["ok"] is False and message in answer["error"]
    with pytest.raises(ControlError):
        emulator.place_finger("nobody")


def test_a_damaged_download_leaves_no_stale_template_to_match():
    emulator = As608Emulator("li-na-right-index")
    for buffer in (1, 2):
        code(emulator, codec.gen_img())
        code(emulator, codec.img2tz(buffer))
    assert code(emulator, codec.down_char(2)) == codec.OK
    data = bytearray(codec.build_data(demo_fingers.press("li-na-right-index", 9), 128))
    data[20] ^= 0xFF  # damaged on the line: the module says so, and buffer 2 is empty
    (complaint,) = ask(emulator, bytes(data))
    assert complaint.code == codec.PACKET_RECEIVE_ERROR
    (ack,) = ask(emulator, codec.match())
    assert ack.code == codec.NO_MATCH
