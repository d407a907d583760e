"""Paid orders in the progress query, over real signed HTTP: orders made through central's own
order book and the demo back office, paid at the provider simulator on 127.0.0.1; the receipt's
reprint for its payer only, once per visit, without a second order or charge; `receipt_printed`
learned from synced visit records. Each test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select, update

from central.db import create_engine_for, orders
from drivers.idcard.demo_cards import load_demo_card
from kiosk.central_client import CentralClient, CentralRejected
from support.paid_orders import Till, opened, paid, pay, till

ZHANG_WEI = load_demo_card("zhang-wei").id_number
LI_NA = load_demo_card("li-na").id_number
LATE_16, ON_TIME, PARKED_20 = "4403051000000116", "1101011000000205", "4403051000000648"
SUMMARY = {"kind", "reference", "service", "state", "submitted_at", "updated_at", "printed", "reprintable"}


@pytest.fixture
def shop(central_db) -> Iterator[Till]:
    with till(central_db) as opened:
        yield opened


@pytest.fixture
def kiosk(shop) -> Iterator[CentralClient]:
    with CentralClient(shop.central.url, "K-1", CentralClient.enrol(shop.central.url, "K-1"), timeout=10) as client:
        yield client


def fines_by_card(client, shop, decisions=(ON_TIME,), visit=None) -> dict:
    return paid(client, shop.control, "traffic_fines",
                {"by": "id_card", "id_number": ZHANG_WEI, "decision_nos": list(decisions)}, visit)


def reference_of(order: dict) -> str:
    return order["order_id"].split(":")[0].rsplit("-", 1)[-1].upper()


def query(client, **key) -> list[dict]:
    return client.call("progress_query", "query", key)["applications"]


def reprint(client, reference: str, visit: str = "v-reprint", card: str = ZHANG_WEI) -> dict:
    return client.call("progress_query", "reprint", {"visit_id": visit, "reference": reference, "id_number": card})


def rejected(call) -> CentralRejected:
    with pytest.raises(CentralRejected) as refused:
        call()
    return refused.value


def visit_record(visit: str, **payload) -> dict:
    return {"key": visit, "kind": "visit", "created_at": time.time(),
            "payload": {"visit_id": visit, "outcome": "completed", **payload}}


def test_the_payers_query_lists_the_order_and_its_reference_finds_it(kiosk, shop):
    order = fines_by_card(kiosk, shop)
    assert order["delivery"] == "delivered"
    reference = reference_of(order)
    [mine] = query(kiosk, id_number=ZHANG_WEI)
    assert set(mine) == SUMMARY
    assert (mine["kind"], mine["reference"], mine["service"], mine["state"], mine["printed"], mine["reprintable"]) == (
        "order", reference, "traffic_fines", "paid", False, True)
    assert query(kiosk, reference=reference) == [mine]
    # references are capitals (a lower-case letter; the reference itself may be all digits)
    assert rejected(lambda: query(kiosk, reference=reference[:-1] + "x")).status == 422
    assert query(kiosk, id_number=LI_NA) == []  # someone else's card
    text = json.dumps(mine, ensure_ascii=False)
    assert ZHANG_WEI not in text and "张" not in text and ON_TIME not in text


def test_reprint_answers_the_receipt_without_a_second_order_or_charge(kiosk, shop):
    order = fines_by_card(kiosk, shop, (LATE_16, ON_TIME))
    before = (shop.provider_orders(), shop.charged_fen())
    assert before == (1, 30600)
    receipt = reprint(kiosk, reference_of(order))
    assert receipt == {
        "service": "traffic_fines", "reference": reference_of(order), "outcome": "delivered", "state": "paid",
        "lines": [{"label": "罚款 违反禁令标志指示（含滞纳金¥6.00）", "amount_fen": 20600, "reference": LATE_16},
                  {"label": "罚款 机动车违反规定停放", "amount_fen": 10000, "reference": ON_TIME}],
        "amount_fen": 30600, "paid_fen": 30600, "refunded_fen": 0, "paid_at": receipt["paid_at"],
        "result": order["result"], "shown": {},
    }
    assert receipt["result"]["paid_fen"] == 30600 and receipt["paid_at"].endswith("+00:00")
    assert reprint(kiosk, reference_of(order)) == receipt  # the same visit's resend
    assert (shop.provider_orders(), shop.charged_fen()) == before


def test_an_endorsements_reprint_carries_its_outcome_and_the_permit_masked(kiosk, shop):
    order = paid(kiosk, shop.control, "hkmo_endorsement",
                 {"permit_no": "C03005988", "id_number": ZHANG_WEI, "kind": "individual", "times": 2})
    receipt = reprint(kiosk, reference_of(order))
    assert receipt["lines"] == [{"label": "港澳个人旅游签注 2次", "amount_fen": 3000, "reference": "individual"}]
    assert receipt["result"]["outcome"] == "instant" and receipt["result"]["times"] == 2
    assert receipt["shown"] == {"permit": "C0*****88"}
    assert "C03005988" not in json.dumps(receipt)


def test_reprint_is_refused_to_another_card_holder(kiosk, shop):
    order = fines_by_card(kiosk, shop)
    refused = rejected(lambda: reprint(kiosk, reference_of(order), card=LI_NA))
    assert (refused.status, refused.reason) == (403, "this order belongs to another ID card")
    assert shop.provider_orders() == 1


def test_a_printed_receipt_ends_reprints_and_a_reprint_that_printed_too(kiosk, shop, central_db):
    printed = fines_by_card(kiosk, shop)
    failed = paid(kiosk, shop.control, "hkmo_endorsement",
                  {"permit_no": "C03005988", "id_number": ZHANG_WEI, "kind": "group", "times": 1})
    first, second = printed["order_id"].split(":")[0], failed["order_id"].split(":")[0]
    payment = {"order_id": printed["order_id"], "outcome": "delivered"}
    other = CentralClient(shop.central.url, "K-2", CentralClient.enrol(shop.central.url, "K-2"))
    with other:  # another kiosk cannot mark K-1's order printed
        other.post_batch([visit_record("x-1", service="traffic_fines", payment=payment, receipt_printed=True)])
    assert [a["printed"] for a in query(kiosk, id_number=ZHANG_WEI)] == [False, False]
    kiosk.post_batch([
        visit_record(first, service="traffic_fines", payment=payment, receipt_printed=True),
        visit_record(second, service="hkmo_endorsement", receipt_printed=False,
                     payment={"order_id": failed["order_id"], "outcome": "delivered"}),
    ])
    done, open_ = query(kiosk, id_number=ZHANG_WEI)
    assert (done["printed"], done["reprintable"], open_["printed"], open_["reprintable"]) == (True, False, False, True)
    refused = rejected(lambda: reprint(kiosk, reference_of(printed), visit="v-2"))
    assert refused.status == 409 and "printed already" in refused.reason
    # the failed one is reprinted at another kiosk; its record says the receipt came out
    with CentralClient(shop.central.url, "K-3", CentralClient.enrol(shop.central.url, "K-3")) as third:
        granted = reprint(third, reference_of(failed), visit="v-3")
        third.post_batch([visit_record("v-3", service="progress_query", receipt_printed=True,
                                       result={"outcome": "paid", "reference": reference_of(failed)})])
        assert [a["reprintable"] for a in query(third, id_number=ZHANG_WEI)] == [False, False]
        assert rejected(lambda: reprint(third, reference_of(failed), visit="v-4")).status == 409
        assert reprint(third, reference_of(failed), visit="v-3") == granted  # its own resend still answered
    assert shop.provider_orders() == 2


def test_only_delivered_recent_card_orders_are_reprintable(kiosk, shop, central_db):
    by_plate = paid(kiosk, shop.control, "traffic_fines", {"by": "plate", "plate": "粤B12345", "decision_nos": [PARKED_20]})
    [found] = query(kiosk, reference=reference_of(by_plate))
    assert (found["state"], found["reprintable"]) == ("paid", False)  # no payer on record: by reference only
    assert all(a["reference"] != reference_of(by_plate) for a in query(kiosk, id_number=ZHANG_WEI))
    assert rejected(lambda: reprint(kiosk, reference_of(by_plate))).status == 403
    old = fines_by_card(kiosk, shop)
    engine = create_engine_for(central_db)
    try:
        with engine.begin() as conn:
            conn.execute(update(orders).where(orders.c.order_id == old["order_id"])
                         .values(delivered_at=time.time() - 31 * 86400))
    finally:
        engine.dispose()
    [summary] = query(kiosk, reference=reference_of(old))
    assert summary["reprintable"] is False
    refused = rejected(lambda: reprint(kiosk, reference_of(old), visit="v-old"))
    assert refused.status == 409 and "30 days" in refused.reason
    assert rejected(lambda: reprint(kiosk, "ABCDEF123456", visit="v-none")).status == 404


def test_a_refused_delivery_is_listed_refunded_and_not_reprintable(kiosk, shop):
    # one fine, two orders priced before either is paid (by card and by plate): the second
    # payment finds it paid, the back office refuses, central refunds
    by_card = opened(kiosk, "traffic_fines", {"by": "id_card", "id_number": ZHANG_WEI, "decision_nos": [LATE_16]})
    by_plate = opened(kiosk, "traffic_fines", {"by": "plate", "plate": "粤B12345", "decision_nos": [LATE_16]})
    by_card = pay(kiosk, shop.control, by_card)
    again = pay(kiosk, shop.control, by_plate)
    assert (by_card["delivery"], again["delivery"], again["reason"]) == ("delivered", "refused", "violation_already_paid")
    [summary] = query(kiosk, reference=reference_of(again))
    assert (summary["state"], summary["reprintable"]) == ("refunded", False)
    assert rejected(lambda: reprint(kiosk, reference_of(again))).status == 403  # by plate: nobody's


def test_a_visit_id_reprints_one_thing_only(kiosk, shop):
    order = fines_by_card(kiosk, shop)
    card = load_demo_card("zhang-wei")
    issued = kiosk.call("no_criminal_record", "apply", {
        "visit_id": "v-ncr", "id_number": card.id_number, "name": card.name, "purpose": "就业"})
    reprint(kiosk, reference_of(order), visit="v-one")
    refused = rejected(lambda: reprint(kiosk, issued["reference"], visit="v-one"))
    assert refused.status == 409 and "already used" in refused.reason
    with shop.central.app.state.engine.connect() as conn:
        assert conn.execute(select(orders.c.receipt_printed).where(orders.c.order_id == order["order_id"])).scalar() \
            is False
