"""Central's id_card_pickup over real HTTP, signed by the kiosk client, on SQLite and PostgreSQL:
the lookup, the reports, idempotency, and the demo stock matching the emulators' demo data."""

from __future__ import annotations

import base64

import pytest

from sqlalchemy import create_engine, select

from central.db import card_pickups, normalise_url
from central.demo_backoffice import DEMO_CARDS, ELSEWHERE, DemoBackOffice
from central.server import EmbeddedCentral
from common import demo_fingers
from common.pickup import card_check, is_the_card
from drivers.idcard.demo_cards import load_demo_card
from kiosk.central_client import CentralClient, CentralRejected

ZHANG_WEI = load_demo_card("zhang-wei")
LI_NA = load_demo_card("li-na")
CHEN = load_demo_card("chen-siyuan")
AYIGUL = load_demo_card("ayigul-maimaiti")
NOBODY = "11010519491231002X"  # valid check character, no card


def database_rows(central_db: str, table) -> list[dict]:
    engine = create_engine(normalise_url(central_db))
    try:
        with engine.connect() as conn:
            return [dict(row) for row in conn.execute(select(table)).mappings()]
    finally:
        engine.dispose()


def lookup(client: CentralClient, visit_id: str, **key) -> dict:
    return client.call("id_card_pickup", "lookup", {"visit_id": visit_id, **key})


def rejected(call) -> CentralRejected:
    with pytest.raises(CentralRejected) as refused:
        call()
    return refused.value


def test_a_ready_card_comes_with_its_slot_fingers_photo_and_check(enrolled):
    answer = lookup(enrolled(), "v-1", id_number=ZHANG_WEI.id_number)
    assert answer["ready"] is True and answer["reason"] == "ready" and answer["slot"] == 0
    assert answer["card_id_masked"] == "1101**********1239" and answer["name_masked"] == "张*"
    templates = [base64.b64decode(t) for t in answer["fingerprints"]]
    assert [len(t) for t in templates] == [512, 512]
    # The templates match the emulator's presses of zhang-wei's two fingers, and nobody else's.
    for template, finger in zip(templates, ("zhang-wei-right-index", "zhang-wei-left-index")):
        assert demo_fingers.similarity(template, demo_fingers.press(finger, 7)) >= demo_fingers.MATCH_THRESHOLD
        assert demo_fingers.similarity(template, demo_fingers.press("li-na-right-index", 7)) < demo_fingers.MATCH_THRESHOLD
    assert base64.b64decode(answer["photo"])[:2] == b"\xff\xd8"
    assert is_the_card(answer["card_check"], "v-1", ZHANG_WEI.id_number)
    assert not is_the_card(answer["card_check"], "v-1", LI_NA.id_number)
    assert not is_the_card(answer["card_check"], "v-2", ZHANG_WEI.id_number)  # bound to the visit
    assert ZHANG_WEI.id_number not in str(answer)


def test_the_application_receipt_finds_the_card_without_the_number(enrolled):
    code = next(d.receipt_code for d in DEMO_CARDS if d.card == "li-na")
    answer = lookup(enrolled(), "v-1", receipt_code=code.lower())
    assert (answer["ready"], answer["slot"], answer["name_masked"]) == (True, 1, "李*")
    assert is_the_card(answer["card_check"], "v-1", LI_NA.id_number)


@pytest.mark.parametrize("key, reason, masked", [
    ({"id_number": NOBODY}, "not_found", None),
    ({"receipt_code": "SL00000000000000"}, "not_found", None),
    ({"id_number": CHEN.id_number}, "in_production", "1101**********0034"),
    ({"id_number": AYIGUL.id_number}, "elsewhere", "6501**********138X"),
])
def test_a_card_not_here_says_why_and_gives_nothing_biometric(enrolled, key, reason, masked):
    answer = lookup(enrolled(), "v-1", **key)
    assert answer == {"ready": False, "reason": reason, "slot": None, "card_id_masked": masked,
                      "name_masked": answer["name_masked"], "card_check": None, "fingerprints": [], "photo": None}


def test_the_card_is_ready_only_in_the_kiosk_that_holds_it(enrolled):
    answer = lookup(enrolled(ELSEWHERE), "v-1", id_number=AYIGUL.id_number)
    assert answer["ready"] is True and answer["slot"] == 2 and len(answer["fingerprints"]) == 1


def test_handed_over_is_idempotent_and_the_card_is_then_collected(central, enrolled):
    client = enrolled()
    lookup(client, "v-1", id_number=ZHANG_WEI.id_number)
    first = client.call("id_card_pickup", "handed_over", {"visit_id": "v-1"})
    again = client.call("id_card_pickup", "handed_over", {"visit_id": "v-1"})
    assert first == again and first["state"] == "handed_over" and first["reported_at"].endswith("+00:00")
    later = lookup(client, "v-2", id_number=ZHANG_WEI.id_number)
    assert (later["ready"], later["reason"], later["fingerprints"]) == (False, "collected", [])
    refused = rejected(lambda: client.call("id_card_pickup", "retracted", {"visit_id": "v-1", "reason": "not_taken"}))
    assert refused.status == 409 and "already reported handed_over" in refused.reason
    [row] = database_rows(central.database_url, card_pickups)
    assert (row["visit_id"], row["card_ref"], row["slot"], row["state"]) == ("v-1", "CARD-0001", 0, "handed_over")
    assert ZHANG_WEI.id_number not in str(row)


def test_stock_counts_the_cards_waiting_in_this_kiosk(enrolled):
    client = enrolled()
    assert client.call("id_card_pickup", "stock", {}) == {"slots": [{"slot": 0, "cards": 1}, {"slot": 1, "cards": 1}],
                                                          "cards": 2}
    lookup(client, "v-1", id_number=ZHANG_WEI.id_number)
    client.call("id_card_pickup", "handed_over", {"visit_id": "v-1"})
    assert client.call("id_card_pickup", "stock", {}) == {"slots": [{"slot": 1, "cards": 1}], "cards": 1}
    elsewhere = enrolled(ELSEWHERE).call("id_card_pickup", "stock", {})
    assert elsewhere == {"slots": [{"slot": 1, "cards": 1}, {"slot": 2, "cards": 1}], "cards": 2}


def test_a_card_not_taken_is_retracted_and_recorded(enrolled):
    client = enrolled()
    lookup(client, "v-1", id_number=LI_NA.id_number)
    answer = client.call("id_card_pickup", "retracted", {"visit_id": "v-1", "reason": "not_taken"})
    assert answer["state"] == "retracted"
    assert lookup(client, "v-2", id_number=LI_NA.id_number)["reason"] == "retracted"


def test_a_wrong_card_is_reported_to_the_back_office(central_db):
    backoffice = DemoBackOffice()
    with EmbeddedCentral(central_db, backoffice=backoffice) as central:
        with CentralClient(central.url, "K-1", CentralClient.enrol(central.url, "K-1")) as client:
            lookup(client, "v-1", id_number=ZHANG_WEI.id_number)
            body = {"visit_id": "v-1", "found_id_number": LI_NA.id_number}
            assert client.call("id_card_pickup", "wrong_card", body)["state"] == "wrong_card"
            assert client.call("id_card_pickup", "wrong_card", body)["state"] == "wrong_card"
            lookup(client, "v-2", id_number=LI_NA.id_number)
            client.call("id_card_pickup", "handed_over", {"visit_id": "v-2"})
    # Told once per visit, however often the kiosk reported.
    assert backoffice.reports == [("CARD-0001", "K-1", "retracted:wrong_card"), ("CARD-0002", "K-1", "collected")]


def test_reports_need_a_lookup_of_the_same_kiosk(enrolled):
    one, other = enrolled("K-1"), enrolled("K-2")
    refused = rejected(lambda: one.call("id_card_pickup", "handed_over", {"visit_id": "v-9"}))
    assert refused.status == 404
    lookup(one, "v-1", id_number=ZHANG_WEI.id_number)
    assert rejected(lambda: other.call("id_card_pickup", "handed_over", {"visit_id": "v-1"})).status == 409


def test_a_repeated_lookup_gets_the_same_card_and_another_key_is_refused(enrolled):
    client = enrolled()
    first = lookup(client, "v-1", id_number=ZHANG_WEI.id_number)
    assert lookup(client, "v-1", id_number=ZHANG_WEI.id_number) == first
    code = next(d.receipt_code for d in DEMO_CARDS if d.card == "zhang-wei")
    assert lookup(client, "v-1", receipt_code=code) == first  # the same card by its receipt
    assert rejected(lambda: lookup(client, "v-1", id_number=LI_NA.id_number)).status == 409


@pytest.mark.parametrize("body, detail", [
    ({"visit_id": "v-1"}, "give either id_number or receipt_code"),
    ({"visit_id": "v-1", "id_number": ZHANG_WEI.id_number, "receipt_code": "SL20261120000101"}, "give either"),
    ({"visit_id": "v-1", "id_number": "110101198503121230"}, "not a valid 18-character"),
])
def test_bad_lookups_are_422_without_echoing_the_number(enrolled, body, detail):
    refused = rejected(lambda: enrolled().call("id_card_pickup", "lookup", body))
    assert refused.status == 422 and detail in refused.reason and "11010119850312123" not in refused.reason


def test_retracted_needs_a_known_reason(enrolled):
    client = enrolled()
    lookup(client, "v-1", id_number=ZHANG_WEI.id_number)
    refused = rejected(lambda: client.call("id_card_pickup", "retracted", {"visit_id": "v-1", "reason": "lost"}))
    assert refused.status == 422


def test_the_demo_stock_matches_the_demo_cards_and_fingers():
    for demo in DEMO_CARDS:
        card = load_demo_card(demo.card)
        assert (card.id_number, card.name) == (demo.id_number, demo.name)
        assert all(finger in demo_fingers.DEMO_FINGERS and finger.startswith(demo.card) for finger in demo.fingers)
    ready_here = DemoBackOffice().cards_ready("K-1")
    assert [(c.card_ref, c.slot) for c in ready_here] == [("CARD-0001", 0), ("CARD-0002", 1)]
    elsewhere = DemoBackOffice().cards_ready(ELSEWHERE)
    assert [(c.card_ref, c.slot) for c in elsewhere] == [("CARD-0001", 0), ("CARD-0002", 1), ("CARD-0004", 2)]
    assert "110101198503121239" not in repr(ready_here[0]) and "张伟" not in repr(ready_here[0])


def test_card_check_is_the_shared_rule():
    assert card_check("v-1", "11010119850312123x") == card_check("v-1", "11010119850312123X")
    assert len(card_check("v-1", ZHANG_WEI.id_number)) == 64
