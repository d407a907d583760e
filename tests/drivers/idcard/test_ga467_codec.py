import pytest

from drivers.base import ChecksumError, DeviceUserError, HardwareFault, ProtocolError
from drivers.idcard import ga467_codec as codec
from drivers.idcard.demo_cards import demo_card_names, load_demo_card


def hexbytes(text: str) -> bytes:
    return bytes.fromhex(text)


# every request in the reference's table, byte for byte
@pytest.mark.parametrize(
    ("command", "wire"),
    [
        (codec.RESET_SAM, "AA AA AA 96 69 00 03 10 FF EC"),
        (codec.SAM_STATUS, "AA AA AA 96 69 00 03 11 FF ED"),
        (codec.READ_SAM_ID, "AA AA AA 96 69 00 03 12 FF EE"),
        (codec.FIND_CARD, "AA AA AA 96 69 00 03 20 01 22"),
        (codec.SELECT_CARD, "AA AA AA 96 69 00 03 20 02 21"),
        (codec.READ_TEXT_PHOTO, "AA AA AA 96 69 00 03 30 01 32"),
        (codec.READ_TEXT_PHOTO_FP, "AA AA AA 96 69 00 03 30 10 23"),
        (codec.READ_NEW_ADDRESS, "AA AA AA 96 69 00 03 30 03 30"),
    ],
)
def test_requests_match_the_reference(command, wire):
    assert command.frame() == hexbytes(wire)
    assert codec.build_request(command.cmd, command.para) == hexbytes(wire)
    assert codec.COMMANDS[(command.cmd, command.para)] is command


def test_responses_match_known_frames():
    assert codec.build_response(0x9F, bytes(4)) == hexbytes("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")
    assert codec.build_response(0x80) == hexbytes("AA AA AA 96 69 00 04 00 00 80 84")
    assert codec.build_response(0x81) == hexbytes("AA AA AA 96 69 00 04 00 00 81 85")
    assert codec.build_response(0x90, bytes(8)) == hexbytes(
        "AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C")


def test_read_response_layout(card):
    text = codec.card_text_block(card)
    frame = codec.build_response(0x90, codec.build_read_data(text, bytes(1024)))
    assert len(frame) == 1295
    assert frame.startswith(hexbytes("AA AA AA 96 69 05 08 00 00 90 01 00 04 00"))
    assert frame[14:14 + 256] == text


def test_read_response_with_fingerprint_layout(card):
    text = codec.card_text_block(card)
    frame = codec.build_response(0x90, codec.build_read_data(text, bytes(1024), bytes(1024)))
    assert len(frame) == 2321
    assert frame.startswith(hexbytes("AA AA AA 96 69 09 0A 00 00 90 01 00 04 00 04 00"))


@pytest.mark.parametrize("fingerprint", [None, b"", b"\x07" * 512, b"\x08" * 1024])
def test_parse_read_response(fingerprint):
    text, photo = bytes(range(256)), b"\x55" * 1024
    data = codec.build_read_data(text, photo, fingerprint)
    assert codec.parse_read_response(data) == (text, photo, fingerprint or b"")


@pytest.mark.parametrize("data", [b"", b"\x01\x00", b"\x01\x00\x04\x00" + bytes(100), b"\x00" * 7])
def test_parse_read_response_rejects_lengths_that_do_not_add_up(data):
    with pytest.raises(ProtocolError, match="does not match its block lengths"):
        codec.parse_read_response(data)


@pytest.mark.parametrize("name", demo_card_names())
def test_text_block_round_trip(name):
    card = load_demo_card(name)
    block = codec.card_text_block(card)
    assert len(block) == 256
    fields = codec.decode_text_block(block)
    assert fields["id_number"] == card.id_number and fields["reserved"] == ""
    assert codec.encode_text_block(fields) == block
    back = codec.card_from_blocks(block, b"photo", b"fp")
    assert back.to_json() == card.to_json()
    assert (back.photo, back.fingerprint) == (b"photo", b"fp")


def test_text_block_layout_is_ucs2_space_padded(card):
    block = codec.card_text_block(card)
    assert block[:30] == "张伟".encode("utf-16-le") + " ".encode("utf-16-le") * 13
    assert block[30:32] == "1".encode("utf-16-le")
    assert block[32:36] == "01".encode("utf-16-le")
    assert block[36:52] == "19850312".encode("utf-16-le")
    assert block[122:158] == card.id_number.encode("utf-16-le")
    assert sum(size for _, size in codec.TEXT_LAYOUT) == 256


def test_long_term_is_written_in_chinese(card):
    card.valid_to = None
    fields = codec.decode_text_block(codec.card_text_block(card))
    assert fields["valid_to"] == "长期"


def test_encoding_refuses_what_a_card_cannot_hold():
    with pytest.raises(ValueError, match="field name is 16 characters; at most 15 fit"):
        codec.encode_text_block({"name": "张" * 16})
    with pytest.raises(ValueError, match="outside UCS-2"):
        codec.encode_text_block({"name": "𠀀"})


def test_decoding_refuses_broken_blocks(card):
    with pytest.raises(ProtocolError, match="255 bytes, expected 256"):
        codec.decode_text_block(bytes(255))
    lone_surrogate = b"\x00\xd8" + codec.card_text_block(card)[2:]
    with pytest.raises(ProtocolError, match="name is not valid UCS-2"):
        codec.decode_text_block(lone_surrogate)
    fields = codec.decode_text_block(codec.card_text_block(card))
    fields["birth_date"] = "19851340"
    with pytest.raises(ProtocolError, match="birth_date is not a YYYYMMDD date"):
        codec.card_from_blocks(codec.encode_text_block(fields))


def test_parser_takes_frames_byte_by_byte():
    parser = codec.FrameParser()
    wire = codec.build_response(0x9F, bytes(4))
    frames = [frame for byte in wire for frame in parser.feed(bytes([byte]))]
    assert frames == [codec.Frame(hexbytes("00 00 9F 00 00 00 00"))]
    assert frames[0].sw3 == 0x9F and frames[0].response_data == bytes(4)
    assert frames[0].wire_size == len(wire)


def test_parser_skips_garbage_and_splits_joined_frames():
    parser = codec.FrameParser()
    garbage = b"\x00\xaa\xaa\x96\x13\xaa\xaa"
    frames = parser.feed(garbage + codec.FIND_CARD.frame() + codec.SELECT_CARD.frame())
    assert [(f.cmd, f.para) for f in frames] == [(0x20, 0x01), (0x20, 0x02)]
    assert parser.discarded == len(garbage)


def test_parser_reports_bad_checksum_then_resynchronises():
    parser = codec.FrameParser()
    good = codec.SAM_STATUS.frame()
    bad = codec.FIND_CARD.frame()[:-1] + b"\x00"
    with pytest.raises(ChecksumError, match="checksum 0x00, expected 0x22"):
        parser.feed(good + bad + good)
    # the frame completed before the error is not lost, nor the one after it
    assert parser.feed(b"") == [codec.Frame(b"\x11\xff"), codec.Frame(b"\x11\xff")]


@pytest.mark.parametrize("length", [b"\x00\x00", b"\x00\x02", b"\xff\xff", b"\x09\x0b"])
def test_parser_rejects_impossible_lengths(length):
    parser = codec.FrameParser()
    with pytest.raises(ProtocolError, match="impossible frame length"):
        parser.feed(codec.PREAMBLE + length + b"\x00" * 4)
    assert parser.feed(codec.SAM_STATUS.frame()) == [codec.Frame(b"\x11\xff")]


def test_parser_reports_a_partial_frame():
    parser = codec.FrameParser()
    assert parser.partial() is None
    wire = codec.build_response(0x90, bytes(100))
    parser.feed(wire[:6])
    assert parser.partial() == (6, None)
    parser.feed(wire[6:50])
    assert parser.partial() == (50, len(wire))
    assert len(parser.feed(wire[50:])) == 1 and parser.partial() is None


def test_frame_without_status_word_is_a_protocol_error():
    frame = codec.FrameParser().feed(codec.SAM_STATUS.frame())[0]
    with pytest.raises(ProtocolError, match="no status word"):
        frame.sw3


@pytest.mark.parametrize(
    ("sw3", "error"),
    [
        (0x80, DeviceUserError), (0x41, DeviceUserError), (0x81, DeviceUserError), (0x40, DeviceUserError),
        (0x31, DeviceUserError), (0x32, DeviceUserError), (0x33, DeviceUserError), (0x47, DeviceUserError),
        (0x10, ChecksumError), (0x11, ProtocolError), (0x21, ProtocolError),
        (0x60, HardwareFault), (0x66, HardwareFault), (0x23, HardwareFault), (0x24, HardwareFault),
        (0x55, ProtocolError),
    ],
)
def test_status_table_gives_typed_one_line_errors(sw3, error):
    exc = codec.status_error(sw3, "find card")
    assert type(exc) is error
    assert exc.device_code == sw3
    assert exc.message.startswith("find card: ") and f"0x{sw3:02X}" in exc.message and "\n" not in exc.message


@pytest.mark.parametrize("sw3", [0x90, 0x9F, 0x91])
def test_success_codes_are_not_errors(sw3):
    assert codec.status_error(sw3, "read") is None


def test_sam_id_round_trip():
    sam_id = "05.01-20101010-0012345678-1234567890"
    raw = codec.encode_sam_id(sam_id)
    assert len(raw) == 16 and raw[:4] == b"\x05\x00\x01\x00"
    assert codec.decode_sam_id(raw) == sam_id
    with pytest.raises(ProtocolError):
        codec.decode_sam_id(raw[:15])
    with pytest.raises(ValueError, match="SAM id must look like"):
        codec.encode_sam_id("not a SAM id")


def test_builder_refuses_oversized_frames():
    with pytest.raises(ValueError, match="does not fit"):
        codec.build_response(0x90, bytes(codec.MAX_LEN))
