"""The Select and Pay stages in the visit machine, headless with a fake clock: picking fines,
the QR code's countdown, cancel while waiting but not once paid, the outcome, and no going back
over a payment. (The payment itself over real HTTP: tests/e2e/test_paid_services.py.)"""

from datetime import datetime, timedelta, timezone

import pytest

from drivers.idcard.demo_cards import load_demo_card
from kiosk.config import load_config
from kiosk.identity.policy import PolicyStep
from kiosk.inputs import entry_error
from kiosk.payments import Line, Order
from kiosk.services import build_services
from kiosk.session import Session

from tests.kiosk.test_session import Clock, RecordingRunner

SERVICE = "traffic_fines"
VERIFIED = PolicyStep("verified", None, "identity_verified")
ANSWER = {"violations": [
    {"decision_no": "4403001", "occurred_at": "2026-11-01T02:00:00+00:00", "place": "深南大道", "act": "闯红灯",
     "fine_fen": 20000, "points": 6, "late_fee_fen": 600, "due_fen": 20600, "payable": True, "reason": None},
    {"decision_no": "4403002", "occurred_at": "2026-11-20T02:00:00+00:00", "place": "滨河路", "act": "违停",
     "fine_fen": 15000, "points": 0, "late_fee_fen": 0, "due_fen": 15000, "payable": True, "reason": None},
    {"decision_no": "4403003", "occurred_at": "2026-10-01T02:00:00+00:00", "place": "北环", "act": "超速50%以上",
     "fine_fen": 200000, "points": 12, "late_fee_fen": 0, "due_fen": 200000, "payable": False,
     "reason": "needs_counter"},
]}


class Central:
    """Answers the traffic_fines query the way central does (the service's own ask() runs)."""

    def call(self, service, operation, payload):
        assert (service, operation) == (SERVICE, "query") and payload["by"] == "id_card"
        return ANSWER


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def setup(clock):
    config = load_config()
    runner = RecordingRunner()
    services = build_services(config)
    session = Session(config, runner, services, clock=clock)
    session.set_availability({s.id: None for s in config.services}, None)
    return session, runner, services[SERVICE]


def order(state="created", delivery="none", seconds=180, **kw):
    return Order(order_id="v:pay", service=SERVICE, state=state, amount_fen=35600,
                 lines=(Line("罚款 闯红灯", 20600, "4403001"), Line("罚款 违停", 15000, "4403002")),
                 qr_url="http://127.0.0.1:1/qr/abc", expires_at=datetime.now(timezone.utc) + timedelta(seconds=seconds),
                 paid_fen=35600 if state == "paid" else 0, delivery=delivery, **kw)


def to_select(session, service):
    session.touch()
    session.choose_service(SERVICE)
    session.choose("method", "card")
    session.card_read(session.visit.id, load_demo_card("zhang-wei"))
    session.verify_finished(session.visit.id, VERIFIED)
    assert session.state == "ask"
    session.stage_done(session.visit.id, "query", service.ask("query", session.visit, Central()))
    assert session.state == "select"


def to_pay(session, service, *decisions):
    """Through the selection (these fines) and the confirmation, to the payment stage."""
    to_select(session, service)
    for decision in decisions:
        session.toggle("violations", decision)
    session.confirm()
    session.confirm()


def test_select_shows_every_violation_and_only_payable_ones_can_be_picked(setup):
    session, _runner, service = setup
    to_select(session, service)
    select = session.view().select
    assert [o.id for o in select.options] == ["4403001", "4403002", "4403003"]
    assert [o.selectable for o in select.options] == [True, True, False]
    assert select.options[2].reason == "needs_counter"
    assert "滞纳金 ¥6.00" in select.options[0].detail
    session.confirm()
    assert session.state == "select" and session.view().message == "select_none"
    session.toggle("violations", "4403003")  # needs a counter: stays out
    session.toggle("violations", "4403002")
    session.toggle("violations", "4403001")
    select = session.view().select
    assert select.selected == ("4403001", "4403002")  # in the list's order, not the taps'
    assert select.total_fen == 35600
    session.toggle("violations", "4403002")
    assert session.view().select.total_fen == 20600
    session.toggle("violations", "4403002")
    session.confirm()
    view = session.view()
    assert view.state == "confirm"
    assert ("text:合计", "¥356.00") in view.summary
    assert view.step.prompt == "确认后将显示付款二维码"
    session.back()
    assert session.state == "select" and session.view().select.selected == ("4403001", "4403002")  # kept to change


def test_pay_shows_the_code_with_the_orders_countdown_and_goes_on_when_paid(setup, clock):
    session, runner, service = setup
    to_pay(session, service, "4403001", "4403002")
    view = session.view()
    assert view.state == "pay" and runner.calls[-1] == "pay"
    assert view.payment.state == "opening" and view.can_cancel
    assert service.order(session.visit, service.step("pay")) == {
        "decision_nos": ["4403001", "4403002"], "by": "id_card", "id_number": session.visit.card.id_number}
    session.payment_update(session.visit.id, "pay", order(seconds=120))
    view = session.view()
    assert view.payment.state == "waiting" and view.payment.qr_url.endswith("/qr/abc")
    assert view.payment.amount_fen == 35600 and view.payment.lines[0] == ("罚款 闯红灯", 20600)
    assert 125 <= view.countdown <= 131  # the order's expiry and a grace, not the default 60 s
    clock.advance(100)
    session.tick()
    assert not session.view().prompt_more_time  # paying has no "need more time?"
    session.payment_update(session.visit.id, "pay", order("paid", "delivering"))
    view = session.view()
    assert view.payment.state == "paid" and view.payment.qr_url == "" and not view.can_cancel
    session.cancel()
    assert session.state == "pay"  # the money is in: no walking off with a cancel
    assert session.view().countdown == 30  # central's delivery: the machine's ceiling (working_s)
    delivered = order("paid", "delivered", result={"decisions": [{"decision_no": "4403001"}], "paid_fen": 35600})
    session.stage_done(session.visit.id, "pay", service.paid_result(session.visit, delivered))
    session.visit.payment = delivered
    assert session.state == "act" and session.view().action == "print_receipt"
    session.stage_done(session.visit.id, "receipt")
    session.stage_done(session.visit.id, "record")
    view = session.view()
    assert view.state == "result" and view.outcome == "paid"
    assert ("text:罚款 闯红灯", "¥206.00") in view.rows and ("text:已付金额", "¥356.00") in view.rows
    assert runner.calls[-3:] == ["pay", "receipt", "record"]


def test_a_declined_payment_ends_the_visit_with_its_message(setup):
    session, runner, service = setup
    to_pay(session, service, "4403002")
    session.payment_update(session.visit.id, "pay", order())
    session.stage_failed(session.visit.id, "pay", "payment_declined")
    view = session.view()
    assert view.state == "done" and view.message == "payment_declined"
    assert view.outcome is None  # the fines looked up are not the visit's outcome
    visit = session.visit
    session.finish()
    assert runner.ended[-1] == (visit, "failed")


def test_cancel_while_waiting_ends_the_visit_and_there_is_no_back_over_a_payment(setup):
    session, runner, service = setup
    to_pay(session, service, "4403002")
    session.payment_update(session.visit.id, "pay", order())
    assert not session.view().can_back
    session.back()
    assert session.state == "pay"
    visit = session.visit
    session.cancel()
    assert session.state == "attract" and runner.ended[-1] == (visit, "cancelled")
    assert visit.payment is None and visit.selected == {}  # wiped


def test_refund_outcome_is_shown_and_printed(setup):
    session, runner, service = setup
    to_pay(session, service, "4403002")
    refused = order("paid", "refused", reason="violation_already_paid", refunded_fen=0)
    result = service.paid_result(session.visit, refused)
    assert result.outcome == "refunded" and result.reason == "violation_already_paid" and result.printable
    session.visit.payment = refused
    session.stage_done(session.visit.id, "pay", result)
    assert session.state == "act"
    receipt = service.receipt(session.visit)
    text = "\n".join(getattr(e, "text", "") for e in receipt.elements)
    assert "退款通知" in text and "应退金额：¥356.00" in text
    assert session.visit.card.id_number not in text


@pytest.mark.parametrize("value, error", [
    ("C12345678", None), ("CA1234567", None), ("C1234567", "permit_no_invalid"), ("D12345678", "permit_no_invalid"),
    ("C123456789", "permit_no_invalid"), ("CA12345X7", "permit_no_invalid"),
])
def test_permit_numbers(value, error):
    assert entry_error("permit", value) == error


def test_a_delivery_that_never_comes_ends_as_a_machine_timeout_not_a_walk_away(setup, clock):
    session, runner, service = setup
    to_pay(session, service, "4403002")
    session.payment_update(session.visit.id, "pay", order())
    session.payment_update(session.visit.id, "pay", order("paid", "delivering"))
    visit = session.visit
    clock.advance(31)
    session.tick()
    view = session.view()
    assert view.state == "done" and view.message == "machine_timeout"
    assert runner.ended == []  # still the visit's, until the citizen finishes at done
    session.finish()
    assert runner.ended[-1] == (visit, "failed")
