"""The progress query's paid orders in the visit machine: central's real answers (a real central
on 127.0.0.1 whose order book was paid at the provider simulator) through the service's own
ask(), the result rows with each order's state, the reprint action for an unprinted receipt,
and the receipt the paid service prints from central's word on the order. Reprinting adds no
order at the provider; another person's card is refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drivers.idcard.demo_cards import load_demo_card
from kiosk.central_client import CentralClient, CentralRejected
from kiosk.config import load_config
from kiosk.identity.policy import PolicyStep
from kiosk.services import build_services
from kiosk.session import Session
from support.paid_orders import Till, paid, till

from tests.kiosk.test_session import Clock, RecordingRunner

VERIFIED = PolicyStep("verified", None, "identity_verified")
ZHANG_WEI, LI_NA = load_demo_card("zhang-wei"), load_demo_card("li-na")
LATE_16, ON_TIME = "4403051000000116", "1101011000000205"


@pytest.fixture
def shop(tmp_path) -> Iterator[Till]:
    with till(f"sqlite:///{tmp_path / 'central.db'}") as opened:
        yield opened


@pytest.fixture
def client(shop) -> Iterator[CentralClient]:
    with CentralClient(shop.central.url, "K-1", CentralClient.enrol(shop.central.url, "K-1"), timeout=10) as c:
        yield c


@pytest.fixture
def orders(shop, client) -> dict[str, str]:
    """A fine and an endorsement paid with zhang-wei's card, their receipts never printed:
    service id → the reference on the receipt."""
    fine = paid(client, shop.control, "traffic_fines",
                {"by": "id_card", "id_number": ZHANG_WEI.id_number, "decision_nos": [LATE_16, ON_TIME]})
    endorsement = paid(client, shop.control, "hkmo_endorsement",
                       {"permit_no": "C03005988", "id_number": ZHANG_WEI.id_number, "kind": "individual", "times": 1})
    assert fine["delivery"] == endorsement["delivery"] == "delivered"
    return {o["service"]: o["order_id"].split(":")[0].rsplit("-", 1)[-1].upper() for o in (fine, endorsement)}


def by_card(config, client, card=ZHANG_WEI):
    """A progress query visit with `card`, up to the result screen, central answering for real."""
    services = build_services(config)
    session = Session(config, RecordingRunner(), services, clock=Clock())
    session.set_availability({s.id: None for s in config.services}, None)
    session.touch()
    session.choose_service("progress_query")
    session.choose("method", "card")
    session.card_read(session.visit.id, card)
    session.verify_finished(session.visit.id, VERIFIED)
    service = services["progress_query"]
    session.stage_done(session.visit.id, "query", service.ask("query", session.visit, client))
    assert session.state == "result"
    return session, service


def test_paid_orders_are_rows_with_their_state_and_offer_the_receipts_reprint(client, orders):
    session, _service = by_card(load_config(), client)
    view = session.view()
    rows = dict(view.rows)
    assert rows[f"text:交通违法查询缴款 {orders['traffic_fines']}"].startswith("已缴费，未打印")
    assert rows[f"text:港澳通行证签注 {orders['hkmo_endorsement']}"].startswith("已缴费，未打印")
    assert [cid for cid, _ in view.step.choices] == [
        f"reprint:{orders['traffic_fines']}", f"reprint:{orders['hkmo_endorsement']}", "finish"]


def test_reprint_prints_the_fines_receipt_from_centrals_order_without_a_new_charge(shop, client, orders):
    session, service = by_card(load_config(), client)
    before = shop.provider_orders()
    session.choose("result", f"reprint:{orders['traffic_fines']}")
    assert (session.state, session.stage.id) == ("ask", "reprint")
    session.stage_done(session.visit.id, "reprint", service.ask("reprint", session.visit, client))
    assert (session.state, session.view().action) == ("act", "print_receipt")
    text = service.receipt(session.visit).plain_text()
    for expected in ("交通违法查询缴款　缴费回执", f"订单号：{orders['traffic_fines']}", LATE_16, "¥206.00", ON_TIME,
                     "¥100.00", "实付金额：¥306.00", ZHANG_WEI.masked_id, f"[QR] {orders['traffic_fines']}"):
        assert expected in text, (expected, text)
    assert ZHANG_WEI.id_number not in text and ZHANG_WEI.name not in text
    assert shop.provider_orders() == before
    # the visit's record says what was reprinted and whether it came out
    session.visit.printed["print_receipt"] = True
    record = service.record(session.visit, "completed")
    assert (record["reprinted"], record["receipt_printed"], record["payment"]) == (orders["traffic_fines"], True, None)


def test_reprint_of_an_endorsement_shows_its_outcome_and_the_permit_masked(client, orders):
    session, service = by_card(load_config(), client)
    session.choose("result", f"reprint:{orders['hkmo_endorsement']}")
    session.stage_done(session.visit.id, "reprint", service.ask("reprint", session.visit, client))
    text = service.receipt(session.visit).plain_text()
    for expected in ("港澳通行证签注　缴费回执", "通行证号码：C0*****88", "签注种类：个人旅游", "签注次数：1",
                     "办理结果：签注已签发，有效期至 20", "港澳个人旅游签注 1次", "实付金额：¥15.00"):
        assert expected in text, (expected, text)
    assert "C03005988" not in text


def test_another_persons_card_sees_none_of_them_and_is_refused_the_reprint(shop, client, orders):
    session, service = by_card(load_config(), client, LI_NA)
    assert not any(orders["traffic_fines"] in label for label, _ in session.view().rows)
    assert f"reprint:{orders['traffic_fines']}" not in [cid for cid, _ in session.view().step.choices]
    before = shop.provider_orders()
    session.visit.choices["result"] = f"reprint:{orders['traffic_fines']}"  # as if asked anyway
    with pytest.raises(CentralRejected) as refused:
        service.ask("reprint", session.visit, client)
    assert refused.value.status == 403 and shop.provider_orders() == before


def test_without_a_receipt_printer_no_receipt_is_offered(client, orders):
    config = load_config()  # a kiosk without a receipt printer: only the progress query is on
    del config.devices["printer"]
    for service in config.services:
        service.enabled = service.id == "progress_query"
    session, _service = by_card(config, client)
    assert [cid for cid, _ in session.view().step.choices] == ["finish"]


def test_the_receipts_qr_code_finds_the_order_card_free_and_offers_no_reprint(client, orders):
    config = load_config()
    services = build_services(config)
    session = Session(config, RecordingRunner(), services, clock=Clock())
    session.set_availability({s.id: None for s in config.services}, None)
    session.touch()
    session.choose_service("progress_query")
    session.choose("method", "qr")
    session.scanned(session.visit.id, orders["hkmo_endorsement"] + "\r")  # the receipt's QR holds the reference
    session.stage_done(session.visit.id, "query", services["progress_query"].ask("query", session.visit, client))
    view = session.view()
    assert [label for label, _ in view.rows] == [f"text:港澳通行证签注 {orders['hkmo_endorsement']}"]
    assert [cid for cid, _ in view.step.choices] == ["finish"]  # reprinting needs the card


def test_a_fine_paid_by_plate_shows_paid_and_no_reprint_promise(shop, client):
    order = paid(client, shop.control, "traffic_fines",
                 {"by": "plate", "plate": "粤B12345", "decision_nos": ["4403051000000648"]})
    reference = order["order_id"].split(":")[0].rsplit("-", 1)[-1].upper()
    config = load_config()
    services = build_services(config)
    session = Session(config, RecordingRunner(), services, clock=Clock())
    session.set_availability({s.id: None for s in config.services}, None)
    session.touch()
    session.choose_service("progress_query")
    session.choose("method", "number")
    for key in reference.lower():
        session.key("reference", key)
    session.submit_entry("reference")
    session.stage_done(session.visit.id, "query", services["progress_query"].ask("query", session.visit, client))
    [(label, value)] = session.view().rows
    assert label == f"text:交通违法查询缴款 {reference}"
    assert value.split()[0] == "已缴费"  # not "未打印，可补打": no payer on record to reprint for
