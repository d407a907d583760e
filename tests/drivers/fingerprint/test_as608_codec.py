"""The AS608 codec on its own: byte-exact packets, the parser, the confirmation table."""

import pytest

from drivers.base import ChecksumError, DeviceUserError, HardwareFault, NoMedia, ProtocolError
from drivers.fingerprint import as608_codec as codec


@pytest.mark.parametrize(
    ("packet", "expected"),
    [
        # the command packets as public AS608 documents and libraries print them
        (codec.gen_img(), "EF 01 FF FF FF FF 01 00 03 01 00 05"),
        (codec.img2tz(1), "EF 01 FF FF FF FF 01 00 04 02 01 00 08"),
        (codec.img2tz(2), "EF 01 FF FF FF FF 01 00 04 02 02 00 09"),
        (codec.match(), "EF 01 FF FF FF FF 01 00 03 03 00 07"),
        (codec.search(1, 0, 300), "EF 01 FF FF FF FF 01 00 08 04 01 00 00 01 2C 00 3B"),
        (codec.reg_model(), "EF 01 FF FF FF FF 01 00 03 05 00 09"),
        (codec.store(1, 5), "EF 01 FF FF FF FF 01 00 06 06 01 00 05 00 13"),
        (codec.load_char(2, 0x0102), "EF 01 FF FF FF FF 01 00 06 07 02 01 02 00 13"),
        (codec.up_char(1), "EF 01 FF FF FF FF 01 00 04 08 01 00 0E"),
        (codec.down_char(2), "EF 01 FF FF FF FF 01 00 04 09 02 00 10"),
        (codec.delete(3, 1), "EF 01 FF FF FF FF 01 00 07 0C 00 03 00 01 00 18"),
        (codec.empty(), "EF 01 FF FF FF FF 01 00 03 0D 00 11"),
        (codec.read_sys_para(), "EF 01 FF FF FF FF 01 00 03 0F 00 13"),
        (codec.verify_password(0), "EF 01 FF FF FF FF 01 00 07 13 00 00 00 00 00 1B"),
        (codec.template_count(), "EF 01 FF FF FF FF 01 00 03 1D 00 21"),
        (codec.build_ack(0x00, b"\x00\x64"), "EF 01 FF FF FF FF 07 00 05 00 00 64 00 70"),
        (codec.gen_img(0x12345678), "EF 01 12 34 56 78 01 00 03 01 00 05"),
    ],
)
def test_packets_are_byte_exact(packet, expected):
    assert packet.hex(" ").upper() == expected


def test_checksum_wraps_at_16_bits():
    payload = b"\xff" * 256
    assert codec.checksum(codec.DATA, payload) == (2 + 0x01 + 0x02 + 255 * 256) % 65536
    (packet,) = codec.PacketParser().feed(codec.build_packet(codec.DATA, payload))
    assert packet.payload == payload


def test_data_packets_split_at_the_packet_size_and_end_with_08():
    template = bytes(range(256)) * 2
    wire = codec.build_data(template, 128)
    packets = codec.PacketParser().feed(wire)
    assert [p.packet_id for p in packets] == [2, 2, 2, 8]
    assert [len(p.payload) for p in packets] == [128] * 4
    transfer = codec.DataTransfer()
    assert [transfer.add(p) for p in packets] == [False, False, False, True]
    assert transfer.take() == template


def test_parser_skips_garbage_and_splits_across_reads():
    parser = codec.PacketParser()
    wire = b"\x00\xef\x13" + codec.build_ack(0) + codec.build_ack(0x02)
    packets = []
    for byte in wire:
        packets += parser.feed(bytes([byte]))
    assert [(p.packet_id, p.code) for p in packets] == [(7, 0), (7, 2)]
    assert parser.discarded == 3 and parser.partial() is None


def test_bad_checksum_then_resync():
    parser = codec.PacketParser()
    bad = bytearray(codec.build_ack(0))
    bad[-1] ^= 1
    with pytest.raises(ChecksumError, match="packet checksum 0x000B, expected 0x000A"):
        parser.feed(bytes(bad) + codec.build_ack(0x09))
    assert [p.code for p in parser.feed(b"")] == [0x09]


@pytest.mark.parametrize(
    ("wire", "error", "message"),
    [
        (b"\xef\x01\xff\xff\xff\xff\x05\x00\x03\x00\x00\x08", codec.MalformedPacket, "unknown packet id 0x05"),
        (b"\xef\x01\xff\xff\xff\xff\x07\x01\x03", codec.MalformedPacket, "impossible packet length 259"),
        (b"\xef\x01\xff\xff\xff\xff\x07\x00\x02", codec.MalformedPacket, "impossible packet length 2"),
        (codec.build_ack(0, address=1), codec.WrongAddress, "module address 00000001, expected FFFFFFFF"),
    ],
)
def test_malformed_packets(wire, error, message):
    with pytest.raises(error, match=message):
        codec.PacketParser().feed(wire)


def test_partial_packet_is_reported():
    parser = codec.PacketParser()
    assert parser.feed(codec.build_ack(0)[:10]) == []
    assert parser.partial() == (10, 12)
    parser.clear()
    assert parser.partial() is None


def test_data_transfer_rejects_what_is_not_a_transfer():
    transfer = codec.DataTransfer(limit=4)
    with pytest.raises(ProtocolError, match="packet id 0x07 in the middle"):
        transfer.add(codec.Packet(codec.DEFAULT_ADDRESS, codec.ACK, b"\x00"))
    with pytest.raises(ProtocolError, match="longer than 4 bytes"):
        transfer.add(codec.Packet(codec.DEFAULT_ADDRESS, codec.DATA, b"12345"))


@pytest.mark.parametrize(
    ("code", "error", "text"),
    [
        (0x02, NoMedia, "no finger"),
        (0x03, DeviceUserError, "press the finger flat"),
        (0x06, DeviceUserError, "too wet"),
        (0x07, DeviceUserError, "too dry"),
        (0x0A, DeviceUserError, "same finger"),
        (0x01, ChecksumError, "damaged packet"),
        (0x0E, codec.MalformedPacket, "following packets"),
        (0x13, HardwareFault, "wrong module password"),
        (0x18, HardwareFault, "flash"),
        (0x77, ProtocolError, "unknown confirmation code 0x77"),
    ],
)
def test_confirmation_codes_map_to_typed_errors(code, error, text):
    exc = codec.confirmation_error(code, "GenImg")
    assert type(exc) is error and text in exc.message and exc.message.startswith("GenImg: ")
    assert exc.device_code == code


@pytest.mark.parametrize("code", [0x00, 0x08, 0x09])
def test_results_are_not_errors(code):
    assert codec.confirmation_error(code, "Match") is None


def test_every_documented_code_is_in_the_table():
    documented = {0x00, 0x01, 0x02, 0x03, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F,
                  0x10, 0x11, 0x13, 0x15, 0x18, 0x1A}
    assert set(codec.CONFIRMATIONS) == documented


def test_answer_data():
    assert codec.decode_score(b"\x00\xc8") == 200
    assert codec.decode_search(b"\x00\x03\x00\x64") == (3, 100)
    assert codec.decode_count(b"\x01\x00") == 256
    with pytest.raises(ProtocolError, match="Match answer carries 1 data bytes, expected 2"):
        codec.decode_score(b"\x00")
    para = codec.SysPara(capacity=1000, packet_size=256, baudrate=115200, address=0x01020304)
    assert codec.SysPara.decode(para.encode()) == para
    assert len(para.encode()) == 16
    with pytest.raises(ProtocolError, match="packet size code 7"):
        codec.SysPara.decode(para.encode()[:12] + b"\x00\x07\x00\x06")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: codec.img2tz(3), "buffer must be 1 or 2"),
        (lambda: codec.build_packet(0x05, b"\x00"), "unknown packet id"),
        (lambda: codec.build_packet(codec.DATA, bytes(257)), "does not fit"),
        (lambda: codec.build_data(bytes(10), 100), "packet size must be one of"),
    ],
)
def test_builders_refuse_what_cannot_be_sent(call, message):
    with pytest.raises(ValueError, match=message):
        call()
