"""The emulator's pure part: request bytes in, answer bytes out, and its control interface."""

import pytest

from drivers.emulation.control import ControlError, ControlServer, dispatch, send_control
from drivers.idcard import ga467_codec as codec
from drivers.idcard.emulator import DEFAULT_SAM_ID, GARBAGE, Ga467Emulator, photo_block


def ask(emulator: Ga467Emulator, command: codec.Command) -> codec.Frame:
    (frame,) = codec.FrameParser().feed(emulator.feed(command.frame()))
    return frame


def test_a_read_card_is_not_found_again_until_presented(emulator):
    assert ask(emulator, codec.FIND_CARD).sw3 == 0x9F
    assert ask(emulator, codec.SELECT_CARD).sw3 == 0x90
    assert ask(emulator, codec.READ_TEXT_PHOTO).sw3 == 0x90
    assert ask(emulator, codec.FIND_CARD).sw3 == 0x80
    # still selected: the appended address can be read right after the base data
    assert ask(emulator, codec.READ_NEW_ADDRESS).sw3 == 0x91
    emulator.present_card()
    assert ask(emulator, codec.FIND_CARD).sw3 == 0x9F


def test_read_needs_a_selected_card(emulator):
    assert ask(emulator, codec.READ_TEXT_PHOTO).sw3 == 0x41


def test_no_card_answers(emulator):
    emulator.remove_card()
    assert [ask(emulator, c).sw3 for c in (codec.FIND_CARD, codec.SELECT_CARD, codec.READ_TEXT_PHOTO)] == [
        0x80, 0x81, 0x41]
    assert ask(emulator, codec.SAM_STATUS).sw3 == 0x90
    with pytest.raises(ControlError, match="no card loaded"):
        emulator.present_card()


def test_read_answer_carries_the_card(emulator, card):
    ask(emulator, codec.FIND_CARD), ask(emulator, codec.SELECT_CARD)
    text, photo, fingerprint = codec.parse_read_response(ask(emulator, codec.READ_TEXT_PHOTO).response_data)
    assert codec.card_from_blocks(text).to_json() == card.to_json()
    assert photo == photo_block(card) and len(photo) == 1024 and fingerprint == b""


def test_sam_id_and_unknown_commands(emulator):
    assert codec.decode_sam_id(ask(emulator, codec.READ_SAM_ID).response_data) == DEFAULT_SAM_ID
    (frame,) = codec.FrameParser().feed(emulator.feed(codec.build_request(0x61, 0x00)))
    assert frame.sw3 == 0x21


def test_bad_request_checksum_is_answered_with_0x10(emulator):
    bad = codec.FIND_CARD.frame()[:-1] + b"\x00"
    (frame,) = codec.FrameParser().feed(emulator.feed(bad))
    assert frame.sw3 == 0x10


def test_requests_may_arrive_in_pieces(emulator):
    wire = codec.FIND_CARD.frame()
    assert emulator.feed(wire[:4]) == b"" and emulator.feed(wire[4:7]) == b""
    assert codec.FrameParser().feed(emulator.feed(wire[7:]))[0].sw3 == 0x9F


def test_one_shot_and_sticky_faults(emulator):
    emulator.set_fault("sam_failure", times=2)
    assert [ask(emulator, codec.SAM_STATUS).sw3 for _ in range(3)] == [0x60, 0x60, 0x90]
    emulator.set_fault("garbage_prefix")
    for _ in range(3):
        assert emulator.feed(codec.SAM_STATUS.frame()) == GARBAGE + codec.build_response(0x90)
    emulator.clear_fault("garbage_prefix")
    assert emulator.feed(codec.SAM_STATUS.frame()) == codec.build_response(0x90)


def test_transport_faults_shape_the_answer(emulator):
    good = codec.build_response(0x90)
    emulator.set_fault("bad_checksum", times=1)
    assert emulator.feed(codec.SAM_STATUS.frame()) == good[:-1] + bytes([good[-1] ^ 0xFF])
    emulator.set_fault("truncated", times=1)
    assert good.startswith(emulator.feed(codec.SAM_STATUS.frame()))
    emulator.set_fault("no_answer", times=1)
    assert emulator.feed(codec.SAM_STATUS.frame()) == b""
    assert emulator.feed(codec.SAM_STATUS.frame()) == good


def test_unplugged_is_sticky_and_silent(emulator):
    emulator.set_fault("unplugged", times=1)
    assert emulator.unplugged
    assert emulator.feed(codec.SAM_STATUS.frame()) == b""
    assert emulator.feed(codec.SAM_STATUS.frame()) == b""
    emulator.clear_fault()
    assert not emulator.unplugged


def test_read_failed_means_the_card_left_the_field(emulator):
    emulator.set_fault("read_failed", times=1)
    ask(emulator, codec.FIND_CARD), ask(emulator, codec.SELECT_CARD)
    assert ask(emulator, codec.READ_TEXT_PHOTO).sw3 == 0x41
    assert ask(emulator, codec.READ_TEXT_PHOTO).sw3 == 0x41  # not selected any more
    assert ask(emulator, codec.FIND_CARD).sw3 == 0x9F  # never fully read: still found


def test_control_ops(emulator, card):
    status = emulator.handle_control({"op": "status"})
    assert status["card"] == "1101**********1239" and status["sam_id"] == DEFAULT_SAM_ID
    assert card.id_number not in str(status)
    assert emulator.handle_control({"op": "remove_card"})["card"] is None
    loaded = emulator.handle_control({"op": "load_card", "card": card.to_json(), "fingers": 1,
                                      "new_address": "北京市东城区新址1号"})
    assert loaded["card"] == "1101**********1239" and loaded["card_fresh"]
    assert emulator.handle_control({"op": "fault", "kind": "no_card", "times": 3})["faults"] == {"no_card": 3}
    assert emulator.handle_control({"op": "clear_fault"})["faults"] == {}
    assert emulator.handle_control({"op": "present_card"})["card_fresh"]


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ({"op": "dance"}, "unknown op 'dance'"),
        ({"op": "fault", "kind": "meteor"}, "unknown fault 'meteor'"),
        ({"op": "fault", "kind": "no_card", "times": 0}, "times must be a positive integer"),
        ({"op": "load_card", "card": {"name": "x"}}, "bad card: card is missing"),
        ({"op": "load_card", "card": None}, "bad card: a card must be a JSON object"),
    ],
)
def test_control_errors(emulator, command, message):
    with pytest.raises(ControlError, match=message):
        emulator.handle_control(command)
    assert dispatch(emulator, command)["ok"] is False


def test_load_card_refuses_what_a_card_cannot_hold(emulator, card):
    data = {**card.to_json(), "name": "名" * 16}
    with pytest.raises(ControlError, match="at most 15 fit"):
        emulator.handle_control({"op": "load_card", "card": data})
    with pytest.raises(ControlError, match="0, 1 or 2 fingerprints"):
        emulator.handle_control({"op": "load_card", "card": card.to_json(), "fingers": 3})


def test_control_over_tcp(emulator):
    server = ControlServer(emulator).start()
    try:
        host, port = server.address
        assert send_control(host, port, {"op": "remove_card"}) == {"ok": True, **emulator.describe()}
        assert send_control(host, port, {"op": "nope"})["ok"] is False
    finally:
        server.stop()
