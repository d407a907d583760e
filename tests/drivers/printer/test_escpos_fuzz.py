"""The decoder must survive anything a host sends: random and mutated streams never raise."""

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.base import ProtocolError
from drivers.printer import escpos_codec as codec
from drivers.printer.escpos_codec import EscposDecoder, Text
from drivers.printer.receipt import Receipt
from drivers.printer.render import render_receipt

JOB = render_receipt(Receipt().title("无犯罪记录证明").field("受理编号", "WF-1").qr("https://q/1").cut())


def decode_in_chunks(data: bytes, cuts: list[int]) -> list:
    decoder = EscposDecoder()
    events, start = [], 0
    for cut in sorted(c % (len(data) + 1) for c in cuts) + [len(data)]:
        events += decoder.feed(data[start:cut])
        start = max(start, cut)
    return events + decoder.close()


def merged(events) -> list:
    """Adjacent Text events joined: chunking may split a text run, nothing else."""
    out = []
    for event in events:
        if isinstance(event, Text) and out and isinstance(out[-1], Text):
            out[-1] = Text(out[-1].text + event.text)
        else:
            out.append(event)
    return out


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600), st.lists(st.integers(min_value=0), max_size=8))
def test_random_bytes_never_raise_and_every_byte_is_accounted_for(data, cuts):
    events = decode_in_chunks(data, cuts)
    assert b"".join(e.raw for e in events) == data


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400), st.lists(st.integers(min_value=0), min_size=1, max_size=8))
def test_chunking_does_not_change_what_is_decoded(data, cuts):
    assert merged(decode_in_chunks(data, cuts)) == merged(decode_in_chunks(data, []))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_jobs_never_raise(data):
    job = bytearray(JOB)
    for _ in range(data.draw(st.integers(min_value=1, max_value=6))):
        position = data.draw(st.integers(min_value=0, max_value=len(job) - 1))
        action = data.draw(st.sampled_from(["flip", "drop", "insert"]))
        if action == "flip":
            job[position] = data.draw(st.integers(min_value=0, max_value=255))
        elif action == "drop":
            del job[position]
        else:
            job.insert(position, data.draw(st.integers(min_value=0, max_value=255)))
    events = decode_in_chunks(bytes(job), data.draw(st.lists(st.integers(min_value=0), max_size=4)))
    assert b"".join(e.raw for e in events) == bytes(job)


def is_control(char: str) -> bool:
    return char not in "\n\t" and (char < " " or "\x7f" <= char < "\xa0")


@settings(max_examples=300)
@given(st.text(st.characters(exclude_categories=("Cs",))))
def test_any_text_round_trips_with_control_characters_blanked(text):
    decoded = "".join(e.text for e in decode_in_chunks(codec.encode_text(text), []) if isinstance(e, Text))
    assert decoded == "".join(" " if is_control(c) else c for c in text)


@given(st.integers(min_value=1, max_value=4), st.integers(min_value=0, max_value=255))
def test_status_bytes_parse_or_raise_protocol_error(n, byte):
    try:
        flags = codec.parse_status(n, byte)
    except ProtocolError:
        assert byte & 0x93 != 0x12
    else:
        assert byte & 0x93 == 0x12 and all(isinstance(v, bool) for v in flags.values())
