"""The scanner codec on its own: frames, terminators, prefix/suffix, text, and resync."""

import pytest

from drivers.base import ProtocolError
from drivers.scanner import codec
from drivers.scanner.codec import Code, CodeParser, Rejected


def feed_bytewise(parser: CodeParser, data: bytes) -> list:
    return [event for i in range(len(data)) for event in parser.feed(data[i:i + 1])]


@pytest.mark.parametrize("terminator", ["cr", "lf", "crlf"])
def test_codes_end_at_the_terminator(terminator):
    end = codec.TERMINATORS[terminator]
    parser = CodeParser(terminator)
    assert parser.feed(b"RCPT-2026-0001") == []
    assert parser.pending() == 14
    assert parser.feed(end + b"RCPT-2" + end) == [Code("RCPT-2026-0001"), Code("RCPT-2")]
    assert parser.pending() == 0


def test_encode_is_what_the_parser_reads():
    data = codec.encode("回执 7", "crlf", prefix=b"\x02", suffix=b"\x03")
    assert data == b"\x02" + "回执 7".encode() + b"\x03\r\n"
    assert CodeParser("crlf", prefix=b"\x02", suffix=b"\x03").feed(data) == [Code("回执 7")]


@pytest.mark.parametrize("bad", ["", "a\rb", "line\nfeed", "\x00"])
def test_encode_refuses_what_no_scanner_sends(bad):
    with pytest.raises(ValueError):
        codec.encode(bad)


def test_a_scanner_set_to_crlf_still_reads_in_cr_and_lf_mode():
    assert CodeParser("cr").feed(b"A1\r\nB2\r\n") == [Code("A1"), Code("B2")]
    assert feed_bytewise(CodeParser("cr"), b"A1\r\nB2\r\n") == [Code("A1"), Code("B2")]
    assert CodeParser("lf").feed(b"A1\r\nB2\n") == [Code("A1"), Code("B2")]


def test_crlf_mode_is_strict_about_a_lone_cr():
    events = CodeParser("crlf").feed(b"A1\rB2\r\nC3\r\n")
    assert isinstance(events[0], Rejected) and "control characters" in events[0].reason
    assert events[1:] == [Code("C3")]


def test_tab_is_text_and_empty_lines_are_ignored():
    assert CodeParser("cr").feed(b"\r\rNAME\tVALUE\r\r") == [Code("NAME\tVALUE")]


def test_line_noise_is_rejected_and_the_next_code_survives():
    events = CodeParser("cr").feed(b"\xff\x00\x1b\x8e\x13\rGOOD-1\r")
    assert isinstance(events[0], Rejected) and events[1:] == [Code("GOOD-1")]
    error = events[0].error()
    assert isinstance(error, ProtocolError) and error.kind == "protocol_error"
    assert error.message == "unreadable scan: 5 bytes with control characters (line noise?)"


def test_utf8_then_gb18030_and_nothing_else():
    parser = CodeParser("cr")
    assert parser.feed("回执号".encode("utf-8") + b"\r") == [Code("回执号")]
    assert parser.feed("回执号".encode("gb18030") + b"\r") == [Code("回执号")]
    [event] = parser.feed(b"\x80\xff\r")  # neither UTF-8 nor GB18030: not passed on as mojibake
    assert event == Rejected("2 bytes that are not text in utf-8 or gb18030")
    [event] = CodeParser("cr", encodings=("utf-8",)).feed("回执".encode("gb18030") + b"\r")
    assert isinstance(event, Rejected)
    assert CodeParser("cr").feed("\ufeffQR".encode() + b"\r") == [Code("QR")]


def test_prefix_and_suffix_are_stripped_and_required():
    parser = CodeParser("cr", prefix=b"]Q1", suffix=b"#")
    assert parser.feed(b"]Q1ABC#\r") == [Code("ABC")]
    assert parser.feed(b"ABC#\r") == [Rejected("the configured prefix is missing")]
    assert parser.feed(b"]Q1ABC\r") == [Rejected("the configured suffix is missing")]
    assert parser.feed(b"]Q1#\r") == [Rejected("nothing between prefix and suffix")]
    assert parser.feed(b"]Q1\x02#\r]Q1OK#\r") == [Rejected("5 bytes with control characters (line noise?)"),
                                                  Code("OK")]


@pytest.mark.parametrize("terminator", ["cr", "lf", "crlf"])
def test_an_over_long_line_is_dropped_once_and_the_parser_recovers(terminator):
    end = codec.TERMINATORS[terminator]
    parser = CodeParser(terminator, max_length=16)
    assert parser.feed(b"x" * 16) == []  # exactly the bound: still a code
    assert parser.feed(end) == [Code("x" * 16)]
    events = parser.feed(b"y" * 17)
    assert events == [Rejected("longer than 16 bytes without a terminator")]
    assert parser.feed(b"y" * 5000) == [] and parser.pending() <= 1  # not held in memory
    assert parser.feed(end + b"NEXT" + end) == [Code("NEXT")]
    assert CodeParser(terminator, max_length=16).feed(b"z" * 40 + end + b"OK" + end) == [
        Rejected("longer than 16 bytes without a terminator"), Code("OK")]


def test_the_default_bound_is_4096_bytes():
    parser = CodeParser()
    assert parser.feed(b"Q" * 4096 + b"\r") == [Code("Q" * 4096)]
    assert parser.feed(b"Q" * 4097) == [Rejected("longer than 4096 bytes without a terminator")]


def test_drop_partial_discards_the_rest_of_a_line_begun_earlier():
    parser = CodeParser("cr")
    assert parser.feed(b"STALE-") == []
    assert parser.drop_partial() is True
    assert parser.feed(b"CODE\rFRESH\r") == [Code("FRESH")]
    assert parser.drop_partial() is False  # nothing begun: the next code is kept whole
    assert parser.feed(b"NEXT\r") == [Code("NEXT")]


def test_a_code_never_shows_in_its_repr():
    assert "SECRET" not in repr(Code("SECRET-123"))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"terminator": "tab"}, "terminator must be one of cr, lf, crlf"),
    ({"max_length": 0}, "max_length must be positive"),
    ({"encodings": ()}, "at least one encoding"),
])
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CodeParser(**kwargs)
