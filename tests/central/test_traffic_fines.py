"""交通违法查询缴款 on central: the query over real HTTP through the signed kiosk client, and the
order book's PAYABLE (price, fulfil) called on the running central's own engine and back office.

Each test runs on SQLite and on PostgreSQL (the `central_db` fixture). The demo data's dates
count back from the day central started (central/demo_backoffice.py), so the figures below are
the same every day.
"""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import httpx
import pytest
from fastapi import HTTPException

from central.applications import site_today
from central.backoffice import Refused, TrafficFines
from central.demo_backoffice import DemoBackOffice
from central.identity import id_hash
from central.payments.payable import Priced, Undeliverable
from central.services import traffic_fines
from common.fees import late_fee_fen, total_due
from drivers.idcard.demo_cards import load_demo_card
from kiosk.central_client import CentralClient, CentralRejected

ZHANG_WEI = load_demo_card("zhang-wei").id_number
LI_NA = load_demo_card("li-na").id_number
AYIGUL = load_demo_card("ayigul-maimaiti").id_number
INVALID = "110105194912310021"  # wrong check character

ON_TIME, LATE_16, SPEEDING = "1101011000000205", "4403051000000116", "1101011000000313"
CAPPED, PAID_BEFORE = "3101041000000421", "3101041000000530"
PARKED_20, NEW_ENERGY_3 = "4403051000000648", "4403051000000757"


def by_card(id_number: str, visit_id: str = "v-1") -> dict:
    return {"visit_id": visit_id, "by": "id_card", "id_number": id_number}


def by_plate(plate: str, visit_id: str = "v-1") -> dict:
    return {"visit_id": visit_id, "by": "plate", "plate": plate}


def rejected(call) -> CentralRejected:
    with pytest.raises(CentralRejected) as refused:
        call()
    return refused.value


def refused_price(central, body) -> HTTPException:
    with pytest.raises(HTTPException) as refused:
        price(central, body)
    return refused.value


def price(central, body) -> Priced:
    context = central.context
    with context.engine.begin() as conn:
        return traffic_fines.PAYABLE.price(context, conn, "K-1", body)


def fulfil(central, order) -> dict:
    context = central.context
    with context.engine.begin() as conn:
        return traffic_fines.PAYABLE.fulfil(context, conn, order)


def order_for(body: dict, order_id: str, central) -> dict:
    """What the order book keeps of a priced order and hands to fulfil."""
    priced = price(central, body)
    return {"order_id": order_id, "amount_fen": priced.amount_fen, "request": json.loads(json.dumps(priced.request))}


# ---- the late-fee rule, by hand ----------------------------------------------------------------

@pytest.mark.parametrize("fine_fen, day, late_fen", [
    (20000, 15, 0),         # due within 15 days of being served
    (20000, 16, 600),       # day 16: 3 % of 200 yuan, 206 yuan in all (docs/payments.md)
    (20000, 20, 3000),      # 5 late days: 15 %
    (20000, 48, 19800),     # 33 late days: 99 %
    (20000, 49, 20000),     # 34 late days would be 102 %: the late fee stops at the fine
    (5000, 90, 5000),       # 75 late days, capped
    (3333, 16, 99),         # 99.99 fen rounded down: the fraction stays with the citizen
])
def test_late_fees_worked_by_hand(fine_fen, day, late_fen):
    assert late_fee_fen(fine_fen, day) == late_fen


def test_the_query_charges_what_common_fees_says(enrolled):
    answer = enrolled().call("traffic_fines", "query", by_plate("粤B12345"))
    today = site_today()
    for violation in answer["violations"]:
        days = (today - dt.date.fromisoformat(violation["served_on"])).days
        assert violation["late_fee_fen"] == late_fee_fen(violation["fine_fen"], days)
        assert violation["due_fen"] == violation["fine_fen"] + violation["late_fee_fen"]
    assert answer["total_due_fen"] == total_due(
        [(v["fine_fen"], (today - dt.date.fromisoformat(v["served_on"])).days) for v in answer["violations"]]).total_fen


# ---- query -------------------------------------------------------------------------------------

def test_query_by_id_card_lists_the_licence_holders_violations(enrolled):
    answer = enrolled().call("traffic_fines", "query", by_card(ZHANG_WEI))
    listed = {v["decision_no"]: v for v in answer["violations"]}
    assert set(listed) == {ON_TIME, LATE_16, SPEEDING}
    late = listed[LATE_16]
    assert (late["fine_fen"], late["late_fee_fen"], late["due_fen"], late["points"]) == (20000, 600, 20600, 3)
    assert (late["payable"], late["reason"], late["act"]) == (True, None, "违反禁令标志指示")
    assert (listed[ON_TIME]["late_fee_fen"], listed[ON_TIME]["due_fen"]) == (0, 10000)
    assert (listed[SPEEDING]["payable"], listed[SPEEDING]["reason"]) == (False, "needs_counter")
    assert answer["total_due_fen"] == 20600 + 10000  # the speeding one is handled at a counter
    occurred = dt.datetime.fromisoformat(late["occurred_at"])
    assert occurred.utcoffset() == dt.timedelta(hours=8)
    assert dt.date.fromisoformat(late["served_on"]) == site_today() - dt.timedelta(days=16)
    assert set(late) == {"decision_no", "occurred_at", "served_on", "place", "act", "fine_fen", "points",
                         "late_fee_fen", "due_fen", "payable", "reason"}
    assert [v["occurred_at"] for v in answer["violations"]] == sorted(v["occurred_at"] for v in answer["violations"])


def test_query_leaves_paid_fines_out_and_caps_the_late_fee(enrolled):
    answer = enrolled().call("traffic_fines", "query", by_card(LI_NA))
    [capped] = answer["violations"]  # PAID_BEFORE was paid before the kiosk
    assert (capped["decision_no"], capped["fine_fen"], capped["late_fee_fen"], capped["due_fen"]) == (
        CAPPED, 5000, 5000, 10000)
    assert answer["total_due_fen"] == 10000


def test_query_by_plate_and_by_a_new_energy_plate(enrolled):
    client = enrolled()
    plate = client.call("traffic_fines", "query", by_plate("粤B12345"))
    assert {v["decision_no"]: v["due_fen"] for v in plate["violations"]} == {LATE_16: 20600, PARKED_20: 23000}
    assert plate["total_due_fen"] == 43600
    new_energy = client.call("traffic_fines", "query", by_plate("粤BD12345"))
    assert [(v["decision_no"], v["due_fen"]) for v in new_energy["violations"]] == [(NEW_ENERGY_3, 20000)]
    assert client.call("traffic_fines", "query", by_plate("京A00000")) == {"violations": [], "total_due_fen": 0}
    assert client.call("traffic_fines", "query", by_card(AYIGUL)) == {"violations": [], "total_due_fen": 0}


@pytest.mark.parametrize("body, status, reason", [
    (by_card(INVALID), 422, "not a valid 18-character resident ID number"),
    (by_plate("粤B１2345"), 422, "plate_invalid"),        # a fullwidth digit
    (by_plate("粤B12345\n"), 422, "plate_invalid"),
    (by_plate("B12345"), 422, "plate_province"),
    ({**by_card(ZHANG_WEI), "plate": "粤B12345"}, 422, "by id_card takes id_number and not plate"),
    ({"visit_id": "v-1", "by": "plate", "id_number": ZHANG_WEI}, 422, "by plate takes plate and not id_number"),
    ({**by_card(ZHANG_WEI), "by": "licence"}, 422, "body.by"),
    ({"by": "id_card", "id_number": ZHANG_WEI}, 422, "body.visit_id"),
])
def test_invalid_queries_are_422_and_never_echo_the_number(enrolled, body, status, reason):
    refused = rejected(lambda: enrolled().call("traffic_fines", "query", body))
    assert refused.status == status and reason in refused.reason
    for value in (INVALID, ZHANG_WEI, "粤B１2345"):
        assert value not in str(refused)


def test_unsigned_or_badly_signed_queries_are_refused_before_anything_is_checked(central, enrolled):
    url = f"{central.url}/api/v1/services/traffic_fines/query"
    assert httpx.post(url, json=by_card(ZHANG_WEI)).status_code == 401
    assert httpx.post(url, json=by_card(INVALID)).status_code == 401  # not 422: nothing learned
    enrolled("K-1")
    with CentralClient(central.url, "K-1", b"\x01" * 32) as wrong:
        refused = rejected(lambda: wrong.call("traffic_fines", "query", by_card(INVALID)))
    assert (refused.status, refused.reason) == (401, "unknown kiosk or bad signature")


def test_openapi_lists_the_query(central):
    paths = httpx.get(f"{central.url}/openapi.json").json()["paths"]
    assert "/api/v1/services/traffic_fines/query" in paths


# ---- PAYABLE.price -----------------------------------------------------------------------------

def test_price_works_every_line_out_from_the_back_office(central):
    body = {"by": "id_card", "id_number": ZHANG_WEI, "decision_nos": [LATE_16, ON_TIME, LATE_16],
            "amount_fen": 1, "late_fee_fen": 0}  # a kiosk's figures are never used
    priced = price(central, body)
    assert priced.amount_fen == 30600 == sum(line.amount_fen for line in priced.lines)
    assert [(line.label, line.amount_fen, line.reference) for line in priced.lines] == [
        ("罚款 违反禁令标志指示（含滞纳金¥6.00）", 20600, LATE_16), ("罚款 机动车违反规定停放", 10000, ON_TIME)]
    assert priced.description == "交通违法罚款 2 笔"
    assert priced.request == {
        "by": "id_card", "id_hash": id_hash(central.context.hash_key, ZHANG_WEI),
        "decision_nos": [LATE_16, ON_TIME], "priced_on": site_today().isoformat(),
        "fines": [{"decision_no": LATE_16, "fine_fen": 20000, "late_fee_fen": 600},
                  {"decision_no": ON_TIME, "fine_fen": 10000, "late_fee_fen": 0}]}
    stored = json.dumps(priced.request, ensure_ascii=False) + json.dumps([line.label for line in priced.lines])
    assert ZHANG_WEI not in stored and ZHANG_WEI[-8:] not in stored


def test_price_by_plate_keeps_the_plate(central):
    priced = price(central, {"by": "plate", "plate": "粤B12345", "decision_nos": [PARKED_20]})
    assert priced.amount_fen == 23000 and priced.lines[0].label == "罚款 机动车违反规定停放（含滞纳金¥30.00）"
    assert (priced.request["by"], priced.request["plate"]) == ("plate", "粤B12345") and "id_hash" not in priced.request


@pytest.mark.parametrize("body, status, reason", [
    ({"by": "id_card", "id_number": ZHANG_WEI, "decision_nos": ["4403059999999999"]}, 404, "violation_unknown"),
    # li-na's decision is not on zhang-wei's licence
    ({"by": "id_card", "id_number": ZHANG_WEI, "decision_nos": [CAPPED]}, 404, "violation_unknown"),
    ({"by": "id_card", "id_number": ZHANG_WEI, "decision_nos": [ON_TIME, SPEEDING]}, 409, "violation_not_payable"),
    ({"by": "id_card", "id_number": LI_NA, "decision_nos": [CAPPED, PAID_BEFORE]}, 409, "violation_already_paid"),
    ({"by": "id_card", "id_number": ZHANG_WEI, "decision_nos": []}, 422, "violation_none_chosen"),
    ({"by": "id_card", "id_number": INVALID, "decision_nos": [ON_TIME]}, 422, "not a valid 18-character"),
    ({"by": "plate", "plate": "粤Ｂ12345", "decision_nos": [PARKED_20]}, 422, "plate_invalid"),
    ({"by": "id_card", "id_number": ZHANG_WEI, "decision_nos": ON_TIME}, 422, "body.decision_nos:"),
    ({"by": "id_card", "id_number": ZHANG_WEI}, 422, "body.decision_nos:"),
    ({"by": "plate", "id_number": ZHANG_WEI, "decision_nos": [ON_TIME]}, 422, "body:"),
    ([ON_TIME], 422, "body: an object is required"),
])
def test_price_refusals(central, body, status, reason):
    refused = refused_price(central, body)
    assert refused.status_code == status and reason in refused.detail
    assert ZHANG_WEI not in refused.detail and INVALID not in refused.detail


# ---- PAYABLE.fulfil ----------------------------------------------------------------------------

def test_fulfil_settles_the_fines_and_is_idempotent_per_order(central, enrolled):
    order = order_for({"by": "id_card", "id_number": ZHANG_WEI, "decision_nos": [LATE_16, ON_TIME]}, "O-1", central)
    result = fulfil(central, order)
    assert result == {"decisions": [{"decision_no": LATE_16, "fine_fen": 20000, "late_fee_fen": 600},
                                    {"decision_no": ON_TIME, "fine_fen": 10000, "late_fee_fen": 0}],
                      "paid_fen": 30600}
    assert result["paid_fen"] == order["amount_fen"]
    assert fulfil(central, order) == result  # the order book calling again after a crash
    client = enrolled()
    left = client.call("traffic_fines", "query", by_card(ZHANG_WEI))
    assert [v["decision_no"] for v in left["violations"]] == [SPEEDING] and left["total_due_fen"] == 0
    # the fine on zhang-wei's licence was also the car's: paid once, gone from the plate too
    assert [v["decision_no"] for v in client.call("traffic_fines", "query", by_plate("粤B12345"))["violations"]] == [
        PARKED_20]
    refused = refused_price(central, {"by": "plate", "plate": "粤B12345", "decision_nos": [LATE_16]})
    assert (refused.status_code, refused.detail) == (409, "violation_already_paid")


def test_a_second_order_for_fines_paid_meanwhile_is_undeliverable(central):
    # Two kiosks price the same fine (by licence, by plate); both citizens pay.
    first = order_for({"by": "id_card", "id_number": ZHANG_WEI, "decision_nos": [LATE_16]}, "O-1", central)
    second = order_for({"by": "plate", "plate": "粤B12345", "decision_nos": [LATE_16, PARKED_20]}, "O-2", central)
    fulfil(central, first)
    with pytest.raises(Undeliverable) as undeliverable:
        fulfil(central, SimpleNamespace(**second))  # an order object works as well as a row
    assert undeliverable.value.reason == "violation_already_paid"
    # all or none: the parking fine of the refused order is still unpaid
    assert price(central, {"by": "plate", "plate": "粤B12345", "decision_nos": [PARKED_20]}).amount_fen == 23000


def test_fulfil_of_a_fine_the_back_office_no_longer_takes_is_undeliverable(central):
    order = {"order_id": "O-1", "request": {"by": "id_card", "decision_nos": [ON_TIME, SPEEDING],
                                            "fines": [{"decision_no": ON_TIME, "fine_fen": 10000, "late_fee_fen": 0}]}}
    with pytest.raises(Undeliverable) as undeliverable:
        fulfil(central, order)
    assert undeliverable.value.reason == "violation_not_payable"
    assert price(central, {"by": "id_card", "id_number": ZHANG_WEI, "decision_nos": [ON_TIME]}).amount_fen == 10000


# ---- the demo back office on its own -----------------------------------------------------------

def test_demo_traffic_fines_settle_all_or_none_once_per_order():
    office = DemoBackOffice(today=dt.date(2026, 12, 2))
    assert isinstance(office, TrafficFines)
    [late] = [v for v in office.violations(id_number=ZHANG_WEI) if v.decision_no == LATE_16]
    assert late.served_on == dt.date(2026, 11, 16) and late.occurred_at.tzinfo is not None
    assert office.violations(id_number=ZHANG_WEI.lower()) == office.violations(id_number=ZHANG_WEI)
    office.settle([LATE_16], "O-1")
    office.settle([LATE_16], "O-1")
    with pytest.raises(ValueError, match="other decisions"):
        office.settle([ON_TIME], "O-1")
    for numbers, reason in [([ON_TIME, LATE_16], "violation_already_paid"), ([ON_TIME, "x"], "violation_unknown"),
                            ([SPEEDING], "violation_not_payable")]:
        with pytest.raises(Refused) as refused:
            office.settle(numbers, "O-2")
        assert refused.value.reason == reason
    assert not [v for v in office.violations(id_number=ZHANG_WEI) if v.decision_no == ON_TIME][0].paid
    with pytest.raises(ValueError):
        office.violations(id_number=ZHANG_WEI, plate="粤B12345")
