"""The CRT-591-style codec: frames, BCC, status and error decoding, the parser's resync."""

import pytest

from drivers.base import ChecksumError, HardwareFault, NoMedia, ProtocolError
from drivers.dispenser import crt591_codec as codec
from drivers.dispenser.crt591_codec import Control, Frame, FrameParser, Rejected, Status


def test_command_frame_layout_and_bcc():
    frame = codec.command(0x00, codec.STATUS)
    assert frame == bytes([0xF2, 0x00, 0x00, 0x03, ord("C"), 0x31, 0x30, 0x03, frame[-1]])
    expected = 0
    for byte in frame[:-1]:
        expected ^= byte
    assert frame[-1] == expected
    assert codec.bcc(b"\x01\x02\x03") == 0


def test_to_read_position_carries_the_slot():
    frame = codec.command(0x05, codec.TO_READ, b"\x01")
    assert frame[1] == 0x05 and frame[2:4] == b"\x00\x04" and frame[5:8] == b"\x32\x31\x01"


def test_positive_and_negative_answers_parse_back():
    status = Status("mouth", "low", "ok", ("low", "empty"))
    events = FrameParser().feed(codec.positive(0, codec.STATUS, status.encode()[:3], status.encode()[3:])
                                + codec.negative(0, codec.TO_READ, b"A0"))
    assert len(events) == 2
    assert events[0] == Frame(0, codec.POSITIVE, 0x31, 0x30, b"110" + b"10")
    assert Status.decode(events[0].payload) == status
    assert events[1].type == codec.NEGATIVE and events[1].payload == b"A0"


@pytest.mark.parametrize(("code", "error", "kind", "text"), [
    (b"10", codec.CardJam, "jam", "present: card jammed in the channel (E10)"),
    (b"A0", codec.SlotEmpty, "slot_empty", "present: card slot empty (EA0)"),
    (b"A1", codec.BinFull, "bin_full", "present: reject bin full (EA1)"),
    (b"02", codec.SequenceError, "sequence_error", "present: command out of sequence"),
    (b"99", codec.DispenserError, "dispenser_fault", "present: unknown error (E99)"),
])
def test_negative_answers_become_typed_errors(code, error, kind, text):
    frame = FrameParser().feed(codec.negative(0, codec.TO_MOUTH, code))[0]
    exc = codec.answer_error(frame)
    assert type(exc) is error and exc.kind == kind and exc.message.startswith(text)
    assert "\n" not in exc.message


def test_error_families():
    assert issubclass(codec.CardJam, HardwareFault) and issubclass(codec.BinFull, HardwareFault)
    assert issubclass(codec.SlotEmpty, NoMedia) and issubclass(codec.SequenceError, ProtocolError)


def test_handshake_bytes_and_noise():
    events = FrameParser().feed(b"\x06xx\x15\x05")
    assert events == [Control(codec.ACK), Rejected("2 byte(s) of line noise", 2), Control(codec.NAK),
                      Control(codec.ENQ)]
    assert events[0].name == "ACK"


def test_bad_bcc_is_a_checksum_reject_and_the_next_frame_survives():
    good = codec.command(0, codec.STATUS)
    damaged = good[:-1] + bytes([good[-1] ^ 0xFF])
    events = FrameParser().feed(damaged + good)
    assert [type(e) for e in events][-1] is Frame and events[-1].encode() == good
    rejected = [e for e in events if isinstance(e, Rejected)]
    assert rejected[0].checksum and isinstance(rejected[0].error(), ChecksumError)


def test_a_long_claimed_length_does_not_hide_a_later_frame():
    good = codec.positive(0, codec.STATUS, b"000")
    events = FrameParser().feed(b"\xf2\x00\x01\xf0" + good)  # noise claiming 496 bytes
    assert events[-1] == Frame(0, codec.POSITIVE, 0x31, 0x30, b"000")


def test_frames_split_anywhere_are_reassembled():
    good = codec.negative(3, codec.TO_BIN, b"A1")
    parser = FrameParser()
    events = [event for byte in good for event in parser.feed(bytes([byte]))]
    assert events == [Frame(3, codec.NEGATIVE, 0x32, 0x33, b"A1")] and not parser.partial()


@pytest.mark.parametrize("payload", [b"", b"00", b"9xx", b"0\x00\x00"])
def test_bad_status_payloads_are_protocol_errors(payload):
    with pytest.raises(ProtocolError):
        Status.decode(payload)


def test_encoders_refuse_impossible_frames():
    with pytest.raises(ValueError):
        codec.command(256, codec.STATUS)
    with pytest.raises(ValueError):
        codec.positive(0, codec.STATUS, b"00")
    with pytest.raises(ValueError):
        codec.negative(0, codec.STATUS, b"1")
    with pytest.raises(ValueError):
        codec.command(0, codec.STATUS, bytes(codec.MAX_BODY))
