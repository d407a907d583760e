"""Property tests: whatever bytes arrive, the PC/SC codecs answer or raise the driver's own errors."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.base import DeviceError, ProtocolError
from drivers.pcsc import apdu, bac, lds, mrz, vpcd
from drivers.pcsc.demo_documents import DEMO_DOCUMENTS
from drivers.pcsc.secure_messaging import SecureMessaging
from drivers.pcsc.virtual_card import VirtualCard

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SESSION = bac.Session(bac.Keys(bytes.fromhex("979EC13B1CBFE9DCD01AB0FED307EAE5"),
                               bytes.fromhex("F1CB1F1FB5ADF208806B89DC579DC1F8")), 0x887022120C06C226)


def card_and_terminal() -> tuple[SecureMessaging, SecureMessaging]:
    return SecureMessaging(SESSION), SecureMessaging(SESSION)


def protected_answers() -> list[bytes]:
    card = SecureMessaging(SESSION)
    answers = []
    for data in (b"", b"\x60\x14\x5f\x01", lds.encode_dg1(DEMO_DOCUMENTS["permit-li-na"])):
        card.ssc = SESSION.ssc  # each is the first answer of a session, as a fresh terminal expects
        answers.append(card.protect_response(apdu.ResponseApdu(data, 0x9000)).to_bytes())
    return answers


ANSWERS = protected_answers()
PROTECTED_BODIES = {answer[:-2] for answer in ANSWERS}


def test_the_unmutated_answers_verify():
    for answer in ANSWERS:
        assert SecureMessaging(SESSION).unprotect_response(apdu.parse_response(answer)).sw == 0x9000


@st.composite
def mutated(draw, samples):
    """A valid message with 1 to 3 splices: a range replaced by up to 8 random bytes, which
    covers flipped, cut, inserted and deleted bytes."""
    data = draw(st.sampled_from(samples))
    for _ in range(draw(st.integers(1, 3))):
        start = draw(st.integers(0, len(data)))
        end = draw(st.integers(start, min(len(data), start + 8)))
        data = data[:start] + draw(st.binary(max_size=8)) + data[end:]
    return data


@FUZZ
@given(st.binary(max_size=300))
def test_random_command_apdus_parse_or_raise_protocol_error(data):
    try:
        command = apdu.parse_command(data)
    except ProtocolError:
        return
    assert command.to_bytes() == data or data.endswith(b"\x00")


@FUZZ
@given(st.one_of(st.binary(max_size=300), mutated([lds.encode_com(), lds.encode_dg1(DEMO_DOCUMENTS["icao-specimen"])])))
def test_random_tlvs_and_data_groups_raise_only_protocol_errors(data):
    for decode in (apdu.parse_tlvs, lds.decode_com, lds.decode_dg1, lambda d: mrz.parse(lds.decode_dg1(d))):
        try:
            decode(data)
        except ProtocolError:
            pass


@FUZZ
@given(st.one_of(st.binary(max_size=300), mutated(ANSWERS)))
def test_random_and_mutated_sm_answers_raise_only_typed_errors(data):
    terminal = SecureMessaging(SESSION)
    try:
        response = terminal.unprotect_response(apdu.parse_response(data))
    except ProtocolError:
        return  # ChecksumError (a wrong MAC) is one
    # what verifies is one of the card's answers: only the outer status word lies outside the MAC
    assert response.sw != 0x9000 or data[:-2] in PROTECTED_BODIES


@FUZZ
@given(mutated(ANSWERS))
def test_a_changed_answer_never_verifies(data):
    if data[:-2] in PROTECTED_BODIES:
        return  # unchanged but for the outer status word, which DO'99' overrides
    try:
        SecureMessaging(SESSION).unprotect_response(apdu.parse_response(data))
    except ProtocolError:
        return  # ChecksumError (a wrong MAC) is one
    # only a bare status word (no protected data) may come back without a MAC
    assert len(data) == 2


@FUZZ
@given(st.one_of(st.binary(max_size=300), mutated([
    SecureMessaging(SESSION).protect_command(apdu.CommandApdu(0, 0xB0, 0, 0, le=4)).to_bytes(),
    SecureMessaging(SESSION).protect_command(apdu.CommandApdu(0, 0xA4, 2, 0x0C, b"\x01\x01")).to_bytes(),
])))
def test_random_protected_commands_raise_only_typed_errors(data):
    card = SecureMessaging(SESSION)
    try:
        card.unprotect_command(apdu.parse_command(data))
    except ProtocolError:
        pass


@FUZZ
@given(st.binary(max_size=60), st.binary(min_size=8, max_size=8))
def test_random_bac_answers_raise_only_typed_errors(answer, nonce):
    keys = bac.document_keys("L898902C<369080619406236")
    for check in (lambda: bac.terminal_finish(keys, answer, nonce, nonce, bytes(16)),
                  lambda: bac.card_answer(keys, answer, nonce, bytes(16))):
        try:
            check()
        except DeviceError as exc:
            assert isinstance(exc, ProtocolError)


@FUZZ
@given(st.text(max_size=100))
def test_random_zones_and_keys_raise_only_clear_errors(text):
    try:
        mrz.parse(text)
    except ProtocolError:
        pass
    try:
        mrz.AccessKey.from_mrz(text)
    except ValueError as exc:
        assert str(exc)


@FUZZ
@given(st.binary(max_size=600), st.integers(1, 64))
def test_vpcd_parser_takes_any_chunking_or_raises_protocol_error(data, chunk):
    parser = vpcd.Parser()
    messages = []
    for start in range(0, len(data), chunk):
        try:
            messages += parser.feed(data[start:start + chunk])
        except ProtocolError:
            parser.clear()
    assert all(messages)


@FUZZ
@given(st.lists(st.binary(min_size=1, max_size=300), max_size=5), st.integers(1, 700))
def test_vpcd_frames_survive_any_chunking(payloads, chunk):
    data = b"".join(vpcd.frame(payload) for payload in payloads)
    parser = vpcd.Parser()
    received = []
    for start in range(0, len(data), chunk):
        received += parser.feed(data[start:start + chunk])
    assert received == payloads


_SELECT_AID = bytes.fromhex("00A4040C07A0000002471001")


@FUZZ
@given(st.lists(st.one_of(st.binary(max_size=300), st.sampled_from([_SELECT_AID, bytes.fromhex("0084000008")]),
                          mutated([_SELECT_AID, bytes.fromhex("00B0000004"), bytes.fromhex("0082000028" + "00" * 40 + "28")])),
                max_size=6))
def test_virtual_card_answers_anything_with_a_status_word(commands):
    card = VirtualCard(DEMO_DOCUMENTS["permit-li-na"])
    for command in commands:
        answer = card.answer(command)
        assert answer is not None and len(answer) >= 2
        assert apdu.parse_response(answer).sw >> 12 in (0x6, 0x9)
