import datetime

import pytest

from drivers.idcard.demo_cards import demo_card_names, load_demo_card
from drivers.idcard.model import (
    NATION_NAMES,
    SEX_NAMES,
    IdCard,
    id_check_character,
    mask_id_number,
    validate_id_number,
)


@pytest.mark.parametrize(
    "number",
    ["11010519491231002X", "110101198503121239", "310104196811052463", "65010219920708138X", "440308199001011239"],
)
def test_check_character_of_valid_numbers(number):
    assert id_check_character(number[:17]) == number[17]
    validate_id_number(number)


def test_check_character_x_stands_for_ten():
    # GB 11643's own example number ends in X
    assert id_check_character("11010519491231002") == "X"


def test_check_character_needs_17_digits():
    with pytest.raises(ValueError, match="17 digits"):
        id_check_character("1101051949123100")
    with pytest.raises(ValueError):
        id_check_character("1101051949123100A")


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("11010519491231002", "17 characters, expected 18"),
        ("1101051949123100A2", "must start with 17 digits"),
        ("110105194913310021", "no valid birth date"),
        ("110105194912310021", "check character '1', expected 'X'"),
        ("11010519491231002x", "check character 'x', expected 'X'"),
    ],
)
def test_validate_rejects_with_a_clear_masked_message(number, message):
    with pytest.raises(ValueError, match=message) as info:
        validate_id_number(number)
    text = str(info.value)
    assert "\n" not in text
    assert number not in text  # the full number never appears in an error


def test_mask_keeps_first_and_last_four():
    assert mask_id_number("110101198503121234") == "1101**********1234"
    assert mask_id_number("12345678") == "********"
    assert mask_id_number("") == ""


def test_tables():
    assert [f"{n:02d}" for n in range(1, 57)] == [code for code in NATION_NAMES if int(code) <= 56]
    assert NATION_NAMES["01"] == "汉" and NATION_NAMES["97"] == "其他" and NATION_NAMES["98"] == "外国血统中国籍人士"
    assert len(NATION_NAMES) == 58
    assert SEX_NAMES == {"0": "未知", "1": "男", "2": "女", "9": "未说明"}


def test_json_round_trip_and_long_term(card):
    data = card.to_json()
    assert data["birth_date"] == "1985-03-12" and data["valid_to"] == "2035-06-01"
    assert IdCard.from_json(data).to_json() == data
    data["valid_to"] = "长期"
    long_term = IdCard.from_json(data)
    assert long_term.valid_to is None
    assert long_term.to_json()["valid_to"] == "长期"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"birth_date": "1985-13-01"}, "birth_date is not a YYYY-MM-DD date"),
        ({"valid_to": "forever"}, "valid_to is not a YYYY-MM-DD date"),
        ({"name": 12}, "name must be a string"),
    ],
)
def test_from_json_rejects_bad_fields(card, change, message):
    with pytest.raises(ValueError, match=message):
        IdCard.from_json({**card.to_json(), **change})


def test_from_json_names_missing_fields(card):
    data = card.to_json()
    del data["authority"], data["name"]
    with pytest.raises(ValueError, match="missing name, authority"):
        IdCard.from_json(data)
    with pytest.raises(ValueError, match="JSON object"):
        IdCard.from_json(["not", "a", "card"])


def test_repr_shows_only_the_masked_number(card):
    text = repr(card) + str(card) + f"{card!r}"
    assert "1101**********1239" in text
    assert card.id_number not in text and card.name not in text and card.address not in text


def test_wipe_drops_every_field(card):
    card.photo, card.fingerprint = b"\x01" * 1024, b"\x02" * 512
    card.wipe()
    assert (card.name, card.address, card.id_number, card.authority, card.sex_code, card.nation_code) == ("",) * 6
    assert card.photo == b"" and card.fingerprint == b""
    assert card.birth_date == card.valid_from == datetime.date.min and card.valid_to is None
    assert card.masked_id == ""


def test_sex_and_nation_names(card):
    assert (card.sex_name, card.nation_name) == ("男", "汉")


def test_demo_cards_are_valid_and_varied():
    names = demo_card_names()
    assert len(names) >= 3 and "zhang-wei" in names
    cards = [load_demo_card(name) for name in names]
    for each in cards:
        validate_id_number(each.id_number)
        assert each.id_number[6:14] == each.birth_date.strftime("%Y%m%d")
        # the sequence digit's parity encodes the sex
        assert int(each.id_number[16]) % 2 == (1 if each.sex_code == "1" else 0)
    assert any(each.valid_to is None for each in cards)
    assert any(each.id_number.endswith("X") for each in cards)


def test_unknown_demo_card_is_a_clear_error():
    with pytest.raises(ValueError, match="no demo card 'nobody'"):
        load_demo_card("nobody")
