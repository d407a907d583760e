"""The plate and permit-number rules in common/: every valid text accepted, any lookalike refused."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from common.permits import is_permit_no, permit_no_error
from common.plates import DIGITS, LETTERS, PROVINCES, is_new_energy, is_plate, plate_error
from kiosk.inputs import entry_error

province = st.sampled_from(PROVINCES)
letter = st.sampled_from(LETTERS)
digit = st.sampled_from(DIGITS)
serial_char = st.sampled_from(LETTERS + DIGITS)

ordinary = st.builds(lambda p, a, s: p + a + "".join(s), province, letter,
                     st.lists(serial_char, min_size=5, max_size=5))
new_energy_small = st.builds(lambda p, a, e, c, d: p + a + e + c + "".join(d), province, letter,
                             st.sampled_from("DF"), serial_char, st.lists(digit, min_size=4, max_size=4))
new_energy_large = st.builds(lambda p, a, d, e: p + a + "".join(d) + e, province, letter,
                             st.lists(digit, min_size=5, max_size=5), st.sampled_from("DF"))
plates = st.one_of(ordinary, new_energy_small, new_energy_large)

# Characters that look like, or sit where, plate characters do, and must never pass.
UNICODE_DIGITS = "٣۴߅१৪੫௬໗༧၈០᠑１２３𝟓𝟡"
FULLWIDTH_LETTERS = "ＡＢＤＦＺａｂ"
LOOKALIKES = "\u212a\u017f\u0131\u0406\u041e\u0391"  # Kelvin sign, long s, dotless i, Cyrillic I and O, Greek Alpha
SPACES = " \t\n\r\u00a0\u3000\u2028\u200b\ufeff"
CONTROLS = "\x00\x07\x1b\x7f\x85"
BAD_CHARS = UNICODE_DIGITS + FULLWIDTH_LETTERS + LOOKALIKES + SPACES + CONTROLS + "IOio·-_.abc"


def test_the_bad_characters_are_outside_the_plate_alphabet():
    assert not set(BAD_CHARS) & set(PROVINCES + LETTERS + DIGITS)


@pytest.mark.parametrize("plate", ["京A12345", "粤B12345", "沪A12345F", "粤BD12345", "粤B12345D", "川AFA1234",
                                   "京AAB123", "琼Z9ZZZZ", "粤BDA2345"])
def test_worked_valid_plates(plate):
    assert is_plate(plate) and plate_error(plate) is None


@pytest.mark.parametrize("plate, error", [
    ("A12345", "plate_province"), ("粤", "plate_invalid"), ("", "plate_invalid"), (None, "plate_invalid"),
    ("粤B1234", "plate_invalid"), ("粤B1234567", "plate_invalid"), ("粤I12345", "plate_invalid"),
    ("粤BO2345", "plate_invalid"), ("粤B12345\n", "plate_invalid"), ("粤b12345", "plate_invalid"),
    ("粤Ｂ12345", "plate_invalid"), ("粤B１2345", "plate_invalid"), ("粤B·12345", "plate_invalid"),
    ("粤B 12345", "plate_invalid"), ("粤BA12345", "plate_invalid"),  # six after the letter, not D/F
    ("粤B1234DA", "plate_invalid"), ("粤BD1234A", "plate_invalid"),
    ("港A12345", "plate_province"),
])
def test_worked_refusals(plate, error):
    assert plate_error(plate) == error


@given(plates)
def test_every_generated_plate_is_accepted_by_central_and_the_kiosk(plate):
    assert plate_error(plate) is None and is_plate(plate)
    assert entry_error("plate", plate) is None
    assert is_new_energy(plate) == (len(plate) == 8)


@given(plates, st.data())
def test_replacing_any_character_with_a_lookalike_is_refused(plate, data):
    where = data.draw(st.integers(0, len(plate) - 1))
    bad = data.draw(st.sampled_from(BAD_CHARS))
    mutated = plate[:where] + bad + plate[where + 1:]
    assert not is_plate(mutated), repr(mutated)


@given(plates, st.data())
def test_inserting_any_character_outside_the_rule_is_refused(plate, data):
    where = data.draw(st.integers(0, len(plate)))
    bad = data.draw(st.sampled_from(BAD_CHARS))
    assert not is_plate(plate[:where] + bad + plate[where:])


@given(plates, st.data())
def test_the_nfkc_twin_of_a_fullwidth_plate_is_refused(plate, data):
    # What a phone keyboard in fullwidth mode types: NFKC folds it back to the plate, the rule must not.
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if c in LETTERS + DIGITS else c for c in plate)
    assert unicodedata.normalize("NFKC", fullwidth) == plate
    assert not is_plate(fullwidth)


@given(plates, st.sampled_from(["", " ", "\n", "\r\n", "\t", "\x00", "\u3000"]),
       st.sampled_from(["", " ", "\n", "\r\n", "\t", "\x00", "\u3000"]))
def test_leading_or_trailing_whitespace_and_controls_are_refused(plate, before, after):
    assume(before or after)
    assert not is_plate(before + plate + after)


@given(plates, st.one_of(st.integers(0, 6), st.integers(9, 14)))
def test_a_wrong_length_is_refused(plate, length):
    # Seven and eight are both plate lengths (京ADA0000 less its last digit is 京ADA000), so a
    # wrong length is fewer than seven or more than eight.
    wrong = (plate + "1" * length)[:length]
    assert len(wrong) == length and not is_plate(wrong)


@given(st.text(max_size=12))
def test_any_text_is_an_answer_never_an_error(text):
    assert plate_error(text) in (None, "plate_province", "plate_invalid")
    if is_plate(text):
        assert text.isascii() is False and text[1:].isascii() and len(text) in (7, 8)
        assert "I" not in text and "O" not in text


# ---- permit numbers ----------------------------------------------------------------------------

permit_numbers = st.builds(lambda second, rest: "C" + second + "".join(rest),
                           st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
                           st.lists(digit, min_size=7, max_size=7))


@pytest.mark.parametrize("number", ["C03005988", "CK7654321", "CA1234567"])
def test_demo_permit_numbers_are_valid(number):
    assert is_permit_no(number) and permit_no_error(number) is None


@pytest.mark.parametrize("number", ["", None, "C0300598", "C030059881", "c03005988", "D03005988", "CKK654321",
                                    "C03005988\n", " C03005988", "C０3005988", "CＫ7654321", "C0300598٨"])
def test_permit_number_refusals(number):
    assert permit_no_error(number) == "permit_no_invalid"


@given(permit_numbers)
def test_generated_permit_numbers_are_accepted(number):
    assert is_permit_no(number)


@given(permit_numbers, st.data())
def test_a_permit_number_with_any_lookalike_is_refused(number, data):
    where = data.draw(st.integers(0, len(number) - 1))
    bad = data.draw(st.sampled_from(UNICODE_DIGITS + FULLWIDTH_LETTERS + LOOKALIKES + SPACES + CONTROLS + "abc·"))
    assert not is_permit_no(number[:where] + bad + number[where + 1:])
    assert not is_permit_no(number[:where] + bad + number[where:])
    assert not is_permit_no(number[:-1]) and not is_permit_no(number + "0")
