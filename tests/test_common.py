"""common/: one rule for masking, ID numbers and signing, and kiosk, central and drivers agree."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

import central.identity
import drivers.idcard.model
import drivers.pcsc.model
import kiosk.privacy
from central.auth import SignatureVerifier
from common import idnumber, masking, signing
from drivers.idcard.demo_cards import demo_card_names, load_demo_card
from kiosk.central_client import sign

NAMES = ["张三", "欧阳娜娜", "阿依古丽·买买提", "李", "", "  李娜 ", "ZHANG WEI", "O'NEILL"]
EXPECTED = ["张*", "欧**娜", "阿******提", "李", "", "李*", "Z*******I", "O*****L"]
MASKERS = {"kiosk": kiosk.privacy.mask_name, "central": central.identity.mask_name,
           "pcsc": drivers.pcsc.model.mask_name}


@pytest.mark.parametrize("where", sorted(MASKERS))
def test_kiosk_central_and_pcsc_mask_names_the_same(where):
    assert [MASKERS[where](name) for name in NAMES] == EXPECTED


@given(st.text(max_size=12))
def test_masking_agrees_on_any_name(name):
    answers = {mask(name) for mask in MASKERS.values()}
    assert len(answers) == 1
    masked = answers.pop()
    assert len(masked) == len(name.strip())
    assert len(name.strip()) <= 1 or masked.count("*") >= 1


def test_id_numbers_agree_between_the_card_model_central_and_the_log_filter():
    for card in map(load_demo_card, demo_card_names()):
        number = card.id_number
        assert idnumber.is_valid(number) and central.identity.is_valid_id_number(number)
        assert drivers.idcard.model.id_check_character(number[:17]) == idnumber.check_character(number[:17])
        masked = idnumber.mask_id_number(number)
        assert masked == central.identity.mask_id_number(number) == card.masked_id
        assert masking.mask_id_numbers(f"办理人 {number}，") == f"办理人 {masked}，"
        assert kiosk.privacy.mask_id_numbers(number) == masked


@pytest.mark.parametrize("number, valid", [
    ("11010519491231002X", True), ("11010519491231002x", True), ("110105194912310021", False),
    ("1101051949123100", False), ("11010519491231002Y", False), ("11010519491231002X\n", False),
    ("１１０１０５１９４９１２３１００２X", False),
    (None, False),
])
def test_check_character(number, valid):
    assert idnumber.is_valid(number) is valid


def test_what_the_kiosk_signs_central_verifies():
    secret, body, now = b"k" * 32, '{"a":"张"}'.encode(), str(int(time.time()))
    nonce = "0123456789abcdef"
    signature = sign(secret, "POST", "/api/v1/services/x/y", now, nonce, body)
    headers = {"x-kiosk-id": "K-1", "x-timestamp": now, "x-nonce": nonce, "x-signature": signature.upper()}
    checked = SignatureVerifier(engine=None).check("POST", "/api/v1/services/x/y", headers, body)
    assert signing.verify(secret, checked.message, checked.signature)
    assert not signing.verify(b"x" * 32, checked.message, checked.signature)
    tampered = SignatureVerifier(engine=None).check("POST", "/api/v1/services/x/z", headers, body)
    assert not signing.verify(secret, tampered.message, tampered.signature)
