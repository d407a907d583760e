import pytest
from escpos.printer import Dummy

from drivers.base import ProtocolError
from drivers.printer import escpos_codec as codec
from drivers.printer.escpos_codec import (
    Command,
    Cut,
    EscposDecoder,
    Feed,
    PrinterCondition,
    Qr,
    StatusRequest,
    Text,
    Unknown,
)
from drivers.printer.receipt import Receipt
from drivers.printer.render import render_receipt


def decode(data: bytes) -> list:
    decoder = EscposDecoder()
    return decoder.feed(data) + decoder.close()


def text_of(events) -> str:
    return "".join(e.text for e in events if isinstance(e, Text))


# --- status ---

def test_status_requests_are_dle_eot():
    assert codec.STATUS_REQUESTS == {1: b"\x10\x04\x01", 2: b"\x10\x04\x02", 4: b"\x10\x04\x04"}


def test_all_clear_byte():
    assert not any(codec.parse_status(1, 0x12).values())
    assert PrinterCondition.from_status(0x12, 0x12, 0x12) == PrinterCondition()
    assert PrinterCondition().ready


def test_reference_out_of_paper_example():
    condition = PrinterCondition.from_status(0x1A, 0x32, 0x7E)
    assert condition == PrinterCondition(online=False, paper="out")
    assert codec.parse_status(2, 0x32)["stopped_by_paper_end"]
    assert codec.parse_status(4, 0x7E) == {"paper_near_end": True, "paper_end": True}
    assert condition.problem == "缺纸 / paper out"


@pytest.mark.parametrize(
    "condition, expected",
    [
        (PrinterCondition(), {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12}),
        (PrinterCondition(online=False, paper="out"), {1: 0x1A, 2: 0x32, 3: 0x12, 4: 0x7E}),
        (PrinterCondition(paper="near_end"), {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x1E}),
        (PrinterCondition(online=False, cover_open=True), {1: 0x1A, 2: 0x16, 3: 0x12, 4: 0x12}),
    ],
)
def test_condition_round_trips_through_status_bytes(condition, expected):
    answers = condition.status_bytes()
    assert answers == expected
    assert PrinterCondition.from_status(answers[1], answers[2], answers[4]) == condition


def test_near_end_can_still_print_but_cover_and_offline_cannot():
    assert PrinterCondition(paper="near_end").ready
    assert PrinterCondition(online=False, cover_open=True).problem == "纸仓盖打开 / cover open"
    assert PrinterCondition(online=False).problem == "打印机离线 / printer offline"


@pytest.mark.parametrize("byte", [0x00, 0xFF, 0x13, 0x10, 0x02, 0x92])
def test_byte_off_the_fixed_pattern_is_a_protocol_error(byte):
    with pytest.raises(ProtocolError, match="invalid status byte"):
        codec.parse_status(1, byte)


# --- text ---

def test_ascii_goes_as_is():
    assert codec.encode_text("Receipt No. 42") == b"Receipt No. 42"


def test_chinese_goes_in_chinese_mode_as_gb18030():
    assert codec.encode_text("打印测试") == b"\x1c&" + "打印测试".encode("gb18030") + b"\x1c."


def test_control_characters_in_data_cannot_become_commands():
    encoded = codec.encode_text("张三\x1bd\x05\x1dV\x00")
    assert b"\x1b" not in encoded and b"\x1d" not in encoded and b"\x00" not in encoded


@pytest.mark.parametrize("text", ["打印测试", "姓名：张三 (ZHANG San) №1 — ㄅ 𠀀 €", "ASCII only", "龘\t乙"])
def test_text_round_trip_through_the_decoder(text):
    assert text_of(decode(codec.encode_text(text))) == text


def test_python_escpos_raw_hanzi_without_chinese_mode_decodes_as_mojibake():
    # the trap the driver avoids: hanzi written without FS & print as code-page garbage
    raw = Dummy()
    raw.text("打印测试")
    assert text_of(decode(raw.output)) != "打印测试"


def test_gb18030_character_split_across_chunks_waits_for_its_rest():
    data = codec.encode_text("证明𠀀")  # 𠀀 is a four-byte GB18030 character
    decoder = EscposDecoder()
    events = []
    for i in range(len(data)):
        events += decoder.feed(data[i:i + 1])
    assert text_of(events) == "证明𠀀"
    assert decoder.close() == []


# --- commands ---

def test_qr_round_trip_through_python_escpos_native_qr():
    job = Dummy()
    job.qr("https://ga.example/q?id=证明-1", native=True, size=6)
    events = decode(job.output)
    assert [e for e in events if isinstance(e, Qr)] == [Qr("https://ga.example/q?id=证明-1")]
    assert all(isinstance(e, (Qr, Command)) for e in events)


def test_rendered_receipt_decodes_to_its_content(receipt):
    events = decode(render_receipt(receipt))
    assert text_of(events).splitlines()[:4] == ["无犯罪记录证明", "受理回执", "-" * 48, "受理编号：WF-2026-000123"]
    assert [e.data for e in events if isinstance(e, Qr)] == ["https://ga.example.gov.cn/q?no=WF-2026-000123"]
    assert isinstance(events[-1], Cut)
    assert not [e for e in events if isinstance(e, Unknown)]


def test_render_adds_the_cut_a_receipt_forgot():
    assert isinstance(decode(render_receipt(Receipt().line("x")))[-1], Cut)


def test_status_request_feed_cut_and_raster_image():
    raster = b"\x1dv0\x00\x02\x00\x03\x00" + bytes(6)  # 2 bytes wide, 3 rows
    data = b"\x10\x04\x04" + b"\x1bd\x03" + raster + b"\x1dVA\x10" + b"\x1dV\x01"
    assert decode(data) == [StatusRequest(4), Feed(3), Command("GS v 0"), Cut(), Cut(partial=True)]


def test_unknown_bytes_are_skipped_and_the_decoder_resyncs():
    events = decode(b"\x00\x1bZ" + b"ok\n")
    assert [type(e) for e in events[:2]] == [Unknown, Unknown]
    assert text_of(events) == "Zok\n"


def test_every_byte_lands_in_exactly_one_event(receipt):
    data = b"\x10\x04\x01" + render_receipt(receipt) + b"\x1b\x1d(k\x05"
    decoder = EscposDecoder()
    events = decoder.feed(data[:100]) + decoder.feed(data[100:]) + decoder.close()
    assert b"".join(e.raw for e in events) == data


def test_absurd_declared_length_is_not_waited_for():
    events = decode(b"\x1dv0\x00\xff\xff\xff\xffhello")  # would be a 4 GB raster image
    assert isinstance(events[0], Unknown)
    assert text_of(events).endswith("hello")


def test_gs_i_is_an_identity_request_and_its_answer_is_read():
    from drivers.printer.escpos_codec import PrinterInfoRequest, parse_printer_info, printer_info_request

    assert decode(printer_info_request(67) + b"x") == [PrinterInfoRequest(67), Text("x")]
    assert parse_printer_info(b"_TM-T88VI\x00") == "TM-T88VI"
    assert parse_printer_info(b"") is None and parse_printer_info(b"\x16") is None  # silence, a status byte
    assert parse_printer_info(b"_TM-T88") is None  # cut off before its NUL
