"""Property tests: whatever arrives, the parser never crashes, and garbage never costs a good
code that follows a terminator."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.scanner import codec
from drivers.scanner.codec import Code, CodeParser, Rejected

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MAX = 64  # a small bound, so over-long lines happen often

terminators = st.sampled_from(sorted(codec.TERMINATORS))
framing = st.sampled_from([(b"", b""), (b"\x02", b"\x03"), (b"]Q1", b""), (b"", b"#END")])
codes = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff"),
                min_size=1, max_size=12)
# Noise of every size around the bound, often ending in half a CR LF.
noise_bytes = st.tuples(
    st.one_of(st.binary(max_size=16), st.binary(min_size=MAX - 4, max_size=MAX + 4),
              st.binary(min_size=2 * MAX, max_size=3 * MAX)),
    st.sampled_from([b"", b"\r", b"\n"])).map(b"".join)
# Noise that is surely not a code: a control byte inside, and no CR or LF to split it.
plain_noise = st.tuples(st.binary(max_size=2 * MAX), st.sampled_from([b"\x00", b"\x1b", b"\x13", b"\x7f"]),
                        st.binary(max_size=MAX)).map(
    lambda parts: b"".join(parts).replace(b"\r", b"").replace(b"\n", b""))


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({cut % (len(data) + 1) for cut in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)])]


def run(parser: CodeParser, pieces: list[bytes]) -> list:
    return [event for piece in pieces for event in parser.feed(piece)]


def is_subsequence(wanted: list, seen: list) -> bool:
    it = iter(seen)
    return all(any(each == got for got in it) for each in wanted)


@FUZZ
@given(terminators, framing, st.lists(st.one_of(codes, noise_bytes), max_size=12),
       st.lists(st.integers(0, 10_000), max_size=20))
def test_garbage_never_loses_a_good_code_after_a_terminator(terminator, frame, segments, cuts):
    prefix, suffix = frame
    end = codec.TERMINATORS[terminator]
    data = b"".join(codec.encode(s, terminator, prefix=prefix, suffix=suffix) if isinstance(s, str) else s + end
                    for s in segments)
    parser = CodeParser(terminator, prefix=prefix, suffix=suffix, max_length=MAX)
    events = run(parser, chunked(data, cuts))
    good = [Code(s) for s in segments if isinstance(s, str)]
    assert is_subsequence(good, [e for e in events if isinstance(e, Code)])
    # the same events however the bytes were split, down to one byte at a time
    assert events == CodeParser(terminator, prefix=prefix, suffix=suffix, max_length=MAX).feed(data)
    bytewise = CodeParser(terminator, prefix=prefix, suffix=suffix, max_length=MAX)
    assert events == run(bytewise, [data[i:i + 1] for i in range(len(data))])


@FUZZ
@given(terminators, framing, st.lists(st.one_of(codes, plain_noise), max_size=12),
       st.lists(st.integers(0, 10_000), max_size=20))
def test_each_noise_burst_is_one_rejection_and_each_code_comes_through(terminator, frame, segments, cuts):
    prefix, suffix = frame
    end = codec.TERMINATORS[terminator]
    data = b"".join(codec.encode(s, terminator, prefix=prefix, suffix=suffix) if isinstance(s, str) else s + end
                    for s in segments if s)
    events = run(CodeParser(terminator, prefix=prefix, suffix=suffix, max_length=MAX), chunked(data, cuts))
    expected = [Code(s) if isinstance(s, str) else Rejected for s in segments if s]
    assert [e if isinstance(e, Code) else Rejected for e in events] == expected


@FUZZ
@given(terminators, framing, st.binary(max_size=3000), st.lists(st.integers(0, 10_000), max_size=30))
def test_random_bytes_give_only_codes_and_rejections(terminator, frame, data, cuts):
    prefix, suffix = frame
    parser = CodeParser(terminator, prefix=prefix, suffix=suffix, max_length=MAX)
    for event in run(parser, chunked(data, cuts)):
        assert isinstance(event, (Code, Rejected))
        if isinstance(event, Code):
            assert event.text and len(event.text.encode("gb18030")) <= MAX
            assert not any(ord(ch) < 0x20 and ch != "\t" for ch in event.text)
        else:
            assert event.error().kind == "protocol_error" and "\n" not in event.reason
    assert parser.pending() <= MAX + 1
    good = CodeParser(terminator, prefix=prefix, suffix=suffix, max_length=MAX)
    good.feed(data + codec.TERMINATORS[terminator])  # whatever came before, after a terminator…
    assert good.feed(codec.encode("RECOVERED", terminator, prefix=prefix, suffix=suffix)) == [Code("RECOVERED")]
