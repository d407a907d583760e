"""港澳通行证签注 on central: eligibility over real HTTP through the signed kiosk client, and the
order book's PAYABLE (price, fulfil) called on the running central's own engine and back office.

Each test runs on SQLite and on PostgreSQL (the `central_db` fixture).
"""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest
from fastapi import HTTPException

from central.applications import add_months, site_today
from central.backoffice import ENDORSEMENT_KINDS, ExitEntry, Refused, instant_issue_allowed
from central.demo_backoffice import PERMITS, PICKUP_PLACE, DemoBackOffice
from central.payments.payable import Priced, Undeliverable
from central.server import EmbeddedCentral
from central.services import hkmo_endorsement
from drivers.idcard.demo_cards import load_demo_card
from drivers.pcsc import mrz
from drivers.pcsc.demo_documents import DEMO_DOCUMENTS
from kiosk.central_client import CentralClient, CentralRejected

ZHANG_WEI = load_demo_card("zhang-wei").id_number
LI_NA = load_demo_card("li-na").id_number
AYIGUL = load_demo_card("ayigul-maimaiti").id_number
CHEN_SIYUAN = load_demo_card("chen-siyuan").id_number
INVALID = "110105194912310021"  # wrong check character
HIS, HERS, EXPIRED, USED_UP = "C03005988", "CK7654321", "CA1234567", "C98765432"


def asking(permit_no: str, id_number: str, visit_id: str = "v-1") -> dict:
    return {"visit_id": visit_id, "permit_no": permit_no, "id_number": id_number}


def ordering(permit_no: str, id_number: str, kind: str = "individual", times: int = 1) -> dict:
    return {"permit_no": permit_no, "id_number": id_number, "kind": kind, "times": times}


def rejected(call) -> CentralRejected:
    with pytest.raises(CentralRejected) as refused:
        call()
    return refused.value


def price(central, body) -> Priced:
    context = central.context
    with context.engine.begin() as conn:
        return hkmo_endorsement.PAYABLE.price(context, conn, "K-1", body)


def refused_price(central, body) -> HTTPException:
    with pytest.raises(HTTPException) as refused:
        price(central, body)
    return refused.value


def fulfil(central, order) -> dict:
    context = central.context
    with context.engine.begin() as conn:
        return hkmo_endorsement.PAYABLE.fulfil(context, conn, order)


def order_for(body: dict, order_id: str, central) -> dict:
    priced = price(central, body)
    return {"order_id": order_id, "amount_fen": priced.amount_fen, "request": json.loads(json.dumps(priced.request))}


# ---- eligibility -------------------------------------------------------------------------------

def test_a_permit_endorsed_long_ago_is_endorsed_on_the_spot(enrolled):
    answer = enrolled().call("hkmo_endorsement", "eligibility", asking(HIS, ZHANG_WEI))
    assert answer == {
        "eligible": True, "reason": None, "permit_valid_until": "2031-05-14", "permit_expiry": "310514",
        "endorsements": [{"kind": kind, "times": [1, 2], "fee_fen_per_time": 1500, "instant": True}
                         for kind in ("group", "individual", "family", "business", "other")],
    }


def test_a_permit_endorsed_within_two_months_is_granted_for_pickup(enrolled):
    answer = enrolled().call("hkmo_endorsement", "eligibility", asking(HERS, LI_NA.lower()))
    assert (answer["eligible"], answer["reason"], answer["permit_valid_until"]) == (True, None, "2029-08-30")
    assert [(e["kind"], e["times"], e["instant"]) for e in answer["endorsements"]] == [
        ("group", [1, 2], False), ("individual", [1], False), ("family", [1, 2], False), ("other", [1], False)]


@pytest.mark.parametrize("permit_no, id_number, reason", [
    ("C00000000", ZHANG_WEI, "permit_unknown"),
    (HERS, ZHANG_WEI, "permit_not_holders"),
])
def test_someone_elses_or_an_unknown_permit_tells_nothing(enrolled, permit_no, id_number, reason):
    answer = enrolled().call("hkmo_endorsement", "eligibility", asking(permit_no, id_number))
    assert answer == {"eligible": False, "reason": reason, "permit_valid_until": None, "permit_expiry": None,
                      "endorsements": []}


def test_an_expired_permit_and_one_without_endorsements_left(enrolled):
    client = enrolled()
    expired = client.call("hkmo_endorsement", "eligibility", asking(EXPIRED, AYIGUL))
    assert (expired["eligible"], expired["reason"], expired["endorsements"]) == (False, "permit_expired", [])
    assert dt.date.fromisoformat(expired["permit_valid_until"]) < site_today()
    used_up = client.call("hkmo_endorsement", "eligibility", asking(USED_UP, CHEN_SIYUAN))
    assert (used_up["eligible"], used_up["reason"], used_up["endorsements"]) == (False, "no_endorsements_left", [])
    assert used_up["permit_valid_until"] == "2030-01-31"


@pytest.mark.parametrize("body, reason", [
    (asking("c03005988", ZHANG_WEI), "permit_no_invalid"),
    (asking("C0300598８", ZHANG_WEI), "permit_no_invalid"),  # a fullwidth digit
    (asking(HIS + "\n", ZHANG_WEI), "permit_no_invalid"),
    (asking(HIS, INVALID), "not a valid 18-character resident ID number"),
    ({"visit_id": "v-1", "permit_no": HIS}, "body.id_number"),
    ({"permit_no": HIS, "id_number": ZHANG_WEI}, "body.visit_id"),
])
def test_invalid_eligibility_requests_are_422_and_never_echo_the_number(enrolled, body, reason):
    refused = rejected(lambda: enrolled().call("hkmo_endorsement", "eligibility", body))
    assert refused.status == 422 and reason in refused.reason
    assert INVALID not in str(refused) and ZHANG_WEI not in str(refused)


def test_unsigned_or_badly_signed_eligibility_is_refused(central, enrolled):
    url = f"{central.url}/api/v1/services/hkmo_endorsement/eligibility"
    assert httpx.post(url, json=asking(HIS, ZHANG_WEI)).status_code == 401
    assert httpx.post(url, json=asking("bad", INVALID)).status_code == 401
    enrolled("K-1")
    with CentralClient(central.url, "K-1", b"\x02" * 32) as wrong:
        assert rejected(lambda: wrong.call("hkmo_endorsement", "eligibility", asking(HIS, ZHANG_WEI))).status == 401
    assert "/api/v1/services/hkmo_endorsement/eligibility" in httpx.get(f"{central.url}/openapi.json").json()["paths"]


def test_demo_permits_are_the_chip_documents(enrolled):
    # The back office's numbers and expiry dates are those on the emulated chips.
    chips = {doc.document_number: doc for doc in (mrz.parse(text) for text in DEMO_DOCUMENTS.values())}
    client = enrolled()
    for item in PERMITS:
        if item.permit_no in chips:
            answer = client.call("hkmo_endorsement", "eligibility", asking(item.permit_no, item.holder))
            assert answer["permit_valid_until"] == chips[item.permit_no].expiry_date.isoformat()
            assert answer["permit_expiry"] == chips[item.permit_no].expiry_date.strftime("%y%m%d")
    assert {HIS, HERS} <= set(chips)


# ---- PAYABLE.price -----------------------------------------------------------------------------

def test_price_is_the_fee_table_times_the_count(central):
    priced = price(central, {**ordering(HIS, ZHANG_WEI, "individual", 2), "amount_fen": 1})
    assert priced.amount_fen == 3000 == hkmo_endorsement.FEES_FEN["individual"] * 2
    assert [(line.label, line.amount_fen, line.reference) for line in priced.lines] == [
        ("港澳个人旅游签注 2次", 3000, "individual")]
    assert priced.description == "往来港澳通行证个人旅游签注"
    assert priced.request == {"permit_no": HIS, "kind": "individual", "times": 2, "fee_fen_per_time": 1500,
                              "instant": True, "priced_on": site_today().isoformat()}
    assert ZHANG_WEI not in json.dumps(priced.request)


@pytest.mark.parametrize("body, status, reason", [
    (ordering("C00000000", ZHANG_WEI), 404, "permit_unknown"),
    (ordering(HERS, ZHANG_WEI), 409, "permit_not_holders"),
    (ordering(EXPIRED, AYIGUL), 409, "permit_expired"),
    (ordering(USED_UP, CHEN_SIYUAN), 409, "no_endorsements_left"),
    (ordering(HERS, LI_NA, "individual", 2), 422, "endorsement_not_allowed"),  # one left
    (ordering(HERS, LI_NA, "business", 1), 422, "endorsement_not_allowed"),  # none left of this kind
    (ordering(HIS, ZHANG_WEI, "individual", 3), 422, "endorsement_not_allowed"),
    (ordering(HIS, ZHANG_WEI, "individual", 0), 422, "endorsement_not_allowed"),
    (ordering(HIS, ZHANG_WEI, "tourism", 1), 422, "endorsement_not_allowed"),
    (ordering(HIS, ZHANG_WEI, "individual", "2"), 422, "body.times:"),
    (ordering(HIS, ZHANG_WEI, "individual", 2.0), 422, "body.times:"),
    (ordering(HIS, ZHANG_WEI, "individual", True), 422, "body.times:"),
    (ordering(HIS, INVALID), 422, "not a valid 18-character"),
    (ordering("CK765432", LI_NA), 422, "permit_no_invalid"),
])
def test_price_refusals(central, body, status, reason):
    refused = refused_price(central, body)
    assert (refused.status_code, reason in refused.detail) == (status, True), refused.detail
    assert INVALID not in refused.detail and ZHANG_WEI not in refused.detail


# ---- PAYABLE.fulfil ----------------------------------------------------------------------------

def test_fulfil_endorses_on_the_spot_once_then_for_pickup(central, enrolled):
    today = site_today()
    first = order_for(ordering(HIS, ZHANG_WEI, "individual", 2), "O-1", central)
    result = fulfil(central, first)
    assert result == {"outcome": "instant", "kind": "individual", "times": 2,
                      "valid_until": add_months(today, 3).isoformat()}
    assert fulfil(central, first) == result  # again after a crash: the same endorsement, not another
    # endorsed today: the next one within two months is for pickup, and individual trips are used up
    after = enrolled().call("hkmo_endorsement", "eligibility", asking(HIS, ZHANG_WEI))
    assert "individual" not in [e["kind"] for e in after["endorsements"]]
    assert all(e["instant"] is False for e in after["endorsements"])
    second = order_for(ordering(HIS, ZHANG_WEI, "family", 1), "O-2", central)
    assert second["request"]["instant"] is False
    assert fulfil(central, second) == {"outcome": "pickup", "kind": "family", "times": 1,
                                       "pickup_at": (today + dt.timedelta(days=7)).isoformat(),
                                       "pickup_place": PICKUP_PLACE}


def test_two_paid_orders_for_the_last_endorsement_the_second_is_undeliverable(central):
    first = order_for(ordering(HERS, LI_NA, "individual", 1), "O-1", central)
    second = order_for(ordering(HERS, LI_NA, "individual", 1), "O-2", central)
    assert fulfil(central, first)["outcome"] == "pickup"
    with pytest.raises(Undeliverable) as undeliverable:
        fulfil(central, second)
    assert undeliverable.value.reason == "no_endorsements_left"


def test_a_permit_that_expired_before_the_payment_arrived_is_undeliverable(central_db):
    # The back office's calendar is past the permit's expiry; central's is not yet.
    with EmbeddedCentral(central_db, backoffice=DemoBackOffice(today=dt.date(2031, 5, 15))) as central:
        order = order_for(ordering(HIS, ZHANG_WEI, "group", 1), "O-1", central)
        with pytest.raises(Undeliverable) as undeliverable:
            fulfil(central, order)
    assert undeliverable.value.reason == "permit_expired"


# ---- the rule and the demo back office ---------------------------------------------------------

@pytest.mark.parametrize("last, today, instant", [
    (None, dt.date(2026, 12, 2), True),
    (dt.date(2026, 10, 2), dt.date(2026, 12, 2), False),  # exactly two months: not more
    (dt.date(2026, 10, 2), dt.date(2026, 12, 3), True),
    (dt.date(2026, 12, 31), dt.date(2027, 2, 28), False),  # two months on is 28 Feb
    (dt.date(2026, 12, 31), dt.date(2027, 3, 1), True),
    (dt.date(2026, 11, 20), dt.date(2026, 12, 2), False),
])
def test_once_in_two_calendar_months(last, today, instant):
    assert instant_issue_allowed(last, today) is instant


def test_demo_exit_entry_is_idempotent_per_order_and_binds_permits_to_holders():
    office = DemoBackOffice(today=dt.date(2026, 12, 2))
    assert isinstance(office, ExitEntry)
    assert office.permit("C00000000", ZHANG_WEI) is None
    stranger = office.permit(HIS, LI_NA)
    assert stranger.holder_matches is False and stranger.endorsements_left == {}
    mine = office.permit(HIS, ZHANG_WEI)
    assert mine.holder_matches and set(mine.endorsements_left) == set(ENDORSEMENT_KINDS)
    granted = office.issue_endorsement(HIS, "business", 1, "O-1")
    assert (granted.outcome, granted.valid_until) == ("instant", dt.date(2027, 3, 2))
    assert office.issue_endorsement(HIS, "business", 1, "O-1") == granted
    with pytest.raises(ValueError, match="another endorsement"):
        office.issue_endorsement(HIS, "group", 1, "O-1")
    assert office.permit(HIS, ZHANG_WEI).endorsements_left["business"] == 1
    assert office.permit(HIS, ZHANG_WEI).last_endorsed_on == dt.date(2026, 12, 2)
    mine.endorsements_left["group"] = 99  # a caller's copy, not the store
    assert office.permit(HIS, ZHANG_WEI).endorsements_left["group"] == 2
    for permit_no, reason in [("C00000000", "permit_unknown"), (EXPIRED, "permit_expired"),
                              (USED_UP, "no_endorsements_left")]:
        with pytest.raises(Refused) as refused:
            office.issue_endorsement(permit_no, "group", 1, f"O-{permit_no}")
        assert refused.value.reason == reason


# ---- fees operators publish ----------------------------------------------------------------------

def test_the_fee_is_the_one_the_kiosks_operator_config_publishes(tmp_path, central_db):
    """Version 1 of the group's config sets the individual endorsement's fee; version 2 raises
    it again. A kiosk is charged (and told) the fee of the version it runs; a kiosk without an
    operator config the service's own table; fee items not published keep the table's."""
    from central import tuf_keys
    from central.tuf_repo import ConfigRepository

    keys_dir = tmp_path / "keys"
    tuf_keys.generate(keys_dir)
    keys = tuf_keys.load(keys_dir)
    repo = ConfigRepository.init(tmp_path / "repo", keys)

    def fees(individual: int) -> dict:
        return {"services": [{"id": "hkmo_endorsement", "title": {"zh": "签注"}, "fees_fen": {"individual": individual}}]}

    repo.publish("district-a", fees(2000), keys)
    repo.publish("district-a", fees(2500), keys)
    with EmbeddedCentral(central_db, dev=True, tuf_repo=str(repo.path)) as central:
        kiosks = {}
        for kiosk_id, running in (("K-1", 1), ("K-2", 2), ("K-3", None)):
            kiosks[kiosk_id] = CentralClient(central.url, kiosk_id, CentralClient.enrol(central.url, kiosk_id))
            status = {"operator_config": {"group": "district-a", "running": running}} if running else {}
            kiosks[kiosk_id].heartbeat(status)
        try:
            for kiosk_id, individual in (("K-1", 2000), ("K-2", 2500), ("K-3", 1500)):
                answer = kiosks[kiosk_id].call("hkmo_endorsement", "eligibility", asking(HIS, ZHANG_WEI))
                told = {e["kind"]: e["fee_fen_per_time"] for e in answer["endorsements"]}
                assert told == {**dict.fromkeys(ENDORSEMENT_KINDS, 1500), "individual": individual}
                with central.context.engine.begin() as conn:
                    priced = hkmo_endorsement.PAYABLE.price(central.context, conn, kiosk_id,
                                                            ordering(HIS, ZHANG_WEI, "individual", 2))
                assert priced.amount_fen == 2 * individual
        finally:
            for client in kiosks.values():
                client.close()


def test_a_published_config_file_that_is_not_its_hash_is_not_believed(tmp_path):
    from central import tuf_keys
    from central.price_list import PriceList
    from central.tuf_repo import ConfigRepository

    tuf_keys.generate(tmp_path / "keys")
    keys = tuf_keys.load(tmp_path / "keys")
    repo = ConfigRepository.init(tmp_path / "repo", keys)
    repo.publish("district-a", {"services": [{"id": "hkmo_endorsement", "title": {"zh": "签注"},
                                              "fees_fen": {"individual": 9}}]}, keys)
    (target,) = (repo.path / "targets" / "groups" / "district-a").glob("*.config.json")
    target.write_text(target.read_text().replace('"individual": 9', '"individual": 1'))
    assert PriceList(repo.path)._config("district-a", 1) is None
    assert PriceList(repo.path)._config("../../etc", 1) is None
