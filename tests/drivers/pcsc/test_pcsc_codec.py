"""APDUs, BER-TLV, status words, the MRZ layouts and the eMRTD files."""

import datetime

import pytest

from drivers.base import ChecksumError, DeviceUserError, ProtocolError
from drivers.pcsc import apdu, lds, mrz
from drivers.pcsc.demo_documents import ICAO_SPECIMEN_MRZ, demo_document_names, demo_mrz
from drivers.pcsc.model import ChipDocument, mask_document_number, mask_name

H = bytes.fromhex


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("00A40000", apdu.CommandApdu(0, 0xA4, 0, 0)),
        ("0084000008", apdu.CommandApdu(0, 0x84, 0, 0, le=8)),
        ("00B0000000", apdu.CommandApdu(0, 0xB0, 0, 0, le=256)),
        ("00A4040C07A0000002471001", apdu.CommandApdu(0, 0xA4, 4, 0x0C, lds.EMRTD_AID)),
        ("00820000020102" + "28", apdu.CommandApdu(0, 0x82, 0, 0, H("0102"), le=0x28)),
    ],
)
def test_command_apdu_cases_round_trip(wire, expected):
    assert apdu.parse_command(H(wire)) == expected
    assert expected.to_bytes() == H(wire)


@pytest.mark.parametrize(
    ("wire", "reason"),
    [("00A400", "too short"), ("00A4000000", None), ("00A40000000102", "extended"), ("00A4000003AABB", "Lc 3")],
)
def test_malformed_commands_are_protocol_errors(wire, reason):
    if reason is None:  # a lone 00 after the header is Le = 256, which is fine
        assert apdu.parse_command(H(wire)).le == 256
        return
    with pytest.raises(ProtocolError, match=reason):
        apdu.parse_command(H(wire))


def test_response_apdu():
    response = apdu.parse_response(H("01029000"))
    assert (response.data, response.sw) == (H("0102"), 0x9000)
    assert response.to_bytes() == H("01029000")
    with pytest.raises(ProtocolError, match="too short"):
        apdu.parse_response(b"\x90")


@pytest.mark.parametrize("length", [0, 1, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000])
def test_tlv_lengths_round_trip(length):
    encoded = apdu.tlv(0x5F1F, bytes(length))
    tag, value, end = apdu.read_tlv(encoded)
    assert (tag, len(value), end) == (0x5F1F, length, len(encoded))
    assert apdu.read_header(encoded[:8]) == (0x5F1F, length, len(encoded) - length)


@pytest.mark.parametrize(
    ("data", "reason"),
    [("", "missing tag"), ("5F", "tag cut short"), ("61", "missing length"), ("6184", "unsupported length"),
     ("618201", "length cut short"), ("610301", "value of 3 bytes"), ("5FFFFFFFFF01", "longer than 4")],
)
def test_bad_tlvs_are_protocol_errors(data, reason):
    with pytest.raises(ProtocolError, match=reason):
        apdu.parse_tlvs(H(data)) if data else apdu.read_tlv(b"")


@pytest.mark.parametrize(
    ("sw", "error", "text"),
    [(0x6A82, ProtocolError, "file or application not found (SW 6A82)"),
     (0x6988, ChecksumError, "secure messaging data objects incorrect"),
     (0x6983, DeviceUserError, "authentication method blocked"),
     (0x6123, ProtocolError, "unexpected status (SW 6123)")],
)
def test_status_words_map_to_typed_errors(sw, error, text):
    with pytest.raises(error, match=text.replace("(", r"\(").replace(")", r"\)")) as caught:
        apdu.check(apdu.ResponseApdu(b"", sw), "READ BINARY")
    assert caught.value.device_code == sw
    assert apdu.check(apdu.ResponseApdu(b"ab", 0x9000), "x") == b"ab"
    assert apdu.status_error(0x6282, "x") is None


def test_check_digits_of_the_specimens():
    assert mrz.check_digit("L898902C<") == "3"
    assert mrz.check_digit("690806") == "1"
    assert mrz.check_digit("940623") == "6"
    assert mrz.check_digit("D23145890") == "7"  # ICAO 9303 part 3's example
    with pytest.raises(ValueError, match="cannot appear"):
        mrz.check_digit("ab")


def test_td3_specimen_parses():
    doc = mrz.parse(ICAO_SPECIMEN_MRZ)
    assert (doc.document_code, doc.document_number, doc.surname, doc.given_names) == (
        "P", "L898902C", "ERIKSSON", "ANNA MARIA")
    assert (doc.birth_date, doc.expiry_date, doc.sex) == (
        datetime.date(1969, 8, 6), datetime.date(1994, 6, 23), "F")


def test_td1_specimen_of_icao_part_5_parses():
    zone = ("I<UTOD231458907<<<<<<<<<<<<<<<"
            "7408122F1204159UTO<<<<<<<<<<<6"
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")
    doc = mrz.parse(zone, today=datetime.date(2026, 1, 1))
    assert (doc.document_code, doc.document_number, doc.nationality) == ("I", "D23145890", "UTO")
    assert (doc.birth_date, doc.expiry_date) == (datetime.date(1974, 8, 12), datetime.date(2012, 4, 15))
    assert doc.mrz.splitlines()[2].startswith("ERIKSSON<<ANNA<MARIA")


def test_td2_parses():
    zone = ("I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<"
            "D231458907UTO7408122F1204159<<<<<<<6")
    doc = mrz.parse(zone, today=datetime.date(2026, 1, 1))
    assert (doc.document_number, doc.given_names, doc.sex) == ("D23145890", "ANNA MARIA", "F")


def test_long_td1_document_numbers_continue_in_the_optional_data():
    number = "D23145890123"
    body = "I<UTO" + number[:9] + "<" + number[9:] + mrz.check_digit(number)
    line1 = body.ljust(30, "<")
    line2 = "7408122F1204159UTO<<<<<<<<<<<"
    line2 += mrz.check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    assert mrz.parse(line1 + line2 + "ERIKSSON<<ANNA".ljust(30, "<")).document_number == number


@pytest.mark.parametrize(
    ("damage", "reason"),
    [(lambda z: z.replace("L898902C<3", "L898902C<4"), "document number fails"),
     (lambda z: z.replace("6908061", "6908071"), "birth date fails"),
     (lambda z: z[:-1] + "5", "composite fails"),
     (lambda z: z[:-2], "no known layout"),
     (lambda z: z.replace("ANNA", "anna!"), "no known layout"),
     (lambda z: z.replace("ANNA", "AN-A"), "characters other than")],
)
def test_damaged_zones_are_protocol_errors(damage, reason):
    with pytest.raises(ProtocolError, match=reason):
        mrz.parse(damage(ICAO_SPECIMEN_MRZ))


@pytest.mark.parametrize("name", demo_document_names())
def test_demo_documents_round_trip_through_dg1(name):
    zone = demo_mrz(name)
    doc = mrz.parse(lds.decode_dg1(lds.encode_dg1(zone)))
    assert doc.mrz == zone
    assert ChipDocument.from_json(doc.to_json()).to_json() == doc.to_json()
    if doc.mrz.count("\n") == 2:  # the travel permits are TD1 and rebuild from their fields
        assert mrz.build_td1(doc) == zone


def test_access_key_from_options_and_zones():
    specimen = mrz.AccessKey("L898902C", "690806", "940623")
    assert mrz.AccessKey.from_mrz(ICAO_SPECIMEN_MRZ) == specimen
    assert mrz.AccessKey.from_mrz("L898902C<369080619406236") == specimen
    assert "L898902C" not in repr(specimen)
    with pytest.raises(ValueError, match="birth date fails"):
        mrz.AccessKey.from_mrz("L898902C<369080719406236")
    with pytest.raises(ValueError, match="YYMMDD"):
        mrz.AccessKey("L898902C", "69086", "940623")


def test_ef_com_lists_dg1():
    assert lds.decode_com(lds.encode_com()) == bytes([lds.TAG_DG1])
    # the file of appendix D.4, read in the two pieces above
    assert lds.decode_com(H("60145F0104303130365F36063034303030305C026175")) == H("6175")


def test_masking_and_repr_hide_personal_data():
    doc = mrz.parse(demo_mrz("permit-zhang-wei"))
    assert mask_document_number("C03005988") == "C0*****88"
    assert mask_name("ZHANG WEI") == "Z*******I"  # the kiosk's rule (common/masking.py)
    assert doc.masked() == {"document_code": "CS", "issuing_state": "CHN", "document_number": "C0*****88",
                            "surname": "Z***G", "given_names": "W*I"}
    assert "C03005988" not in repr(doc) and "ZHANG" not in repr(doc)
    doc.wipe()
    assert doc.document_number == "" and doc.surname == "" and doc.birth_date == datetime.date.min
