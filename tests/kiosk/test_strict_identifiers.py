"""One strict rule for ID numbers, certificate numbers and phone numbers (common/), which the
kiosk and central both use: ASCII only, the whole string, check characters. Properties over
Unicode digits, whitespace, confusables and control characters."""

from __future__ import annotations

import datetime
import unicodedata

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from common import certno, idnumber
from common.phone import is_mobile_number
from drivers.idcard.model import validate_id_number
from kiosk.inputs import entry_error

VALID = "11010519491231002X"
DAYS = st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(9999, 12, 31))


@st.composite
def id_numbers(draw) -> str:
    area = draw(st.integers(110000, 829999))
    day = draw(st.dates(min_value=datetime.date(1900, 1, 1)))
    serial = draw(st.integers(0, 999))
    first17 = f"{area}{day:%Y%m%d}{serial:03d}"
    return first17 + idnumber.check_character(first17)


# The zero of every other script's digits (Unicode keeps each script's 0-9 contiguous).
ZEROS = [c for c in map(chr, range(0x80, 0x20000)) if unicodedata.category(c) == "Nd" and unicodedata.digit(c) == 0]


def _non_ascii_digit(digit: str):
    """Another script's digit with the same value: int() reads it as `digit`."""
    return st.sampled_from(ZEROS).map(lambda zero: chr(ord(zero) + int(digit)))


@given(id_numbers())
def test_well_formed_numbers_pass_everywhere(number):
    assert idnumber.is_valid(number) and idnumber.is_valid(number.lower())
    validate_id_number(number)


@given(id_numbers(), st.data())
def test_a_digit_of_another_script_is_refused(number, data):
    index = data.draw(st.integers(0, 16))
    other = data.draw(_non_ascii_digit(number[index]))
    forged = number[:index] + other + number[index + 1:]
    assert int(forged[index]) == int(number[index])  # the trap: it reads as the same digit
    assert not idnumber.is_valid(forged)
    with pytest.raises(ValueError):
        validate_id_number(forged)


WHITESPACE_AND_CONTROL = st.sampled_from(
    ["\n", "\r", "\t", " ", "\u00a0", "\u3000", "\u200b", "\u200e", "\ufeff", "\x00", "\x1b", "\x7f", "\u2028"])


@given(id_numbers(), WHITESPACE_AND_CONTROL, st.data())
def test_whitespace_or_a_control_character_anywhere_is_refused(number, extra, data):
    index = data.draw(st.integers(0, 18))
    assert not idnumber.is_valid(number[:index] + extra + number[index:])


CONFUSABLE_X = ["Ｘ", "ｘ", "Х", "х", "Χ", "χ", "×", "ⅹ"]  # fullwidth, Cyrillic, Greek, sign, numeral


@pytest.mark.parametrize("x", CONFUSABLE_X)
def test_a_confusable_check_character_is_refused(x):
    assert not idnumber.is_valid(VALID[:-1] + x)


@given(st.text(min_size=18, max_size=18))
def test_whatever_passes_is_ascii_and_checks(text):
    if idnumber.is_valid(text):
        assert text.isascii() and text[:17].isdigit()
        assert idnumber.check_character(text[:17]) == text[17].upper()


@pytest.mark.parametrize("number", ["１" * 17, "٣" * 17, "1101051949123100", "1101051949123100X"])
def test_the_check_character_takes_17_ascii_digits_only(number):
    with pytest.raises(ValueError):
        idnumber.check_character(number)


def test_an_impossible_birth_date_is_refused():
    first17 = "11010519491331002"  # month 13
    assert not idnumber.is_valid(first17 + idnumber.check_character(first17))


# ---- certificate numbers and references --------------------------------------------------

@given(st.sampled_from(["NCR", "TID", "NCRA", "TIDA"]), DAYS)
def test_issued_certificate_numbers_check(prefix, day):
    number = certno.new_certificate_number(prefix, f"{day:%Y%m%d}")
    assert certno.is_certificate_number(number) and certno.is_reference(number)


def _value(c: str) -> int:
    return certno.ALPHABET.index(c) if c in certno.ALPHABET else ord(c)


@given(DAYS, st.text(alphabet=certno.ALPHABET, min_size=7, max_size=7), st.data())
def test_one_wrong_character_or_a_swap_is_caught(day, random, data):
    number = certno.certificate_number("NCR", f"{day:%Y%m%d}", random)
    index = data.draw(st.integers(0, len(number) - 1))
    replacement = data.draw(st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    assume(replacement != number[index])
    assert not certno.is_certificate_number(number[:index] + replacement + number[index + 1:])
    if index < len(number) - 1 and _value(number[index]) % 16 != _value(number[index + 1]) % 16:
        swapped = number[:index] + number[index + 1] + number[index] + number[index + 2:]
        assert not certno.is_certificate_number(swapped)


@given(DAYS, WHITESPACE_AND_CONTROL | st.sampled_from(["ｎ", "Ｎ", "０", "٣"]), st.data())
def test_certificate_numbers_and_references_take_nothing_else(day, extra, data):
    number = certno.new_certificate_number("TID", f"{day:%Y%m%d}")
    index = data.draw(st.integers(0, len(number)))
    forged = number[:index] + extra + number[index:]
    assert not certno.is_certificate_number(forged) and not certno.is_reference(forged)


@given(st.text(min_size=1, max_size=40))
def test_whatever_passes_as_a_reference_is_ascii(text):
    if certno.is_reference(text):
        assert text.isascii() and text.isalnum() and text == text.upper()


# ---- the kiosk's typed entries use the same rules ----------------------------------------

@pytest.mark.parametrize("format, value, error", [
    ("code", "NCR20261201ABCD", None),
    ("code", "NCR20261201ABCD\n", "code_invalid"),
    ("code", "ＮＣＲ2026", "code_invalid"),
    ("phone", "13812345678", None),
    ("phone", "13812345678\n", "phone_invalid"),
    ("phone", "１３８１２３４５６７８", "phone_invalid"),
    ("digits", "123", None),
    ("digits", "١٢٣", "entry_invalid"),
])
def test_kiosk_entries(format, value, error):
    assert entry_error(format, value) == error


@given(st.text(alphabet=st.characters(categories=["Nd"]), min_size=11, max_size=11))
def test_a_phone_number_is_ascii_digits(text):
    assert is_mobile_number(text) == (text.isascii() and text[0] == "1" and text[1] in "3456789")


@pytest.mark.parametrize("prefix", ["NC", "HKMO", "HKMOA", "TRAFIC"])
def test_prefixes_of_two_to_six_letters(prefix):
    assert certno.is_certificate_number(certno.new_certificate_number(prefix, "20261202"))


@pytest.mark.parametrize("prefix", ["N", "TRAFFIC", "ncr", "N1"])
def test_other_prefixes_make_no_number(prefix):
    with pytest.raises(ValueError):
        certno.new_certificate_number(prefix, "20261202")
