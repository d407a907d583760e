"""The provider simulator driven through SimulatorProvider over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from central.payments.provider import OrderRejected, PaymentProvider, ProviderUnavailable, SimulatorProvider
from central.payments.simulator import DEFAULT_KEY, ProviderSimulator


def soon(seconds: float = 120) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def fault(control, name: str, **extra) -> None:
    control.post("/fault", json={"name": name, **extra}).raise_for_status()


def pay(control, order_id: str) -> dict:
    response = control.post("/pay", json={"order_id": order_id})
    response.raise_for_status()
    return response.json()


def test_simulator_provider_is_a_payment_provider(provider):
    assert isinstance(provider, PaymentProvider)


def test_create_pay_notifies_with_a_valid_signature(provider, control, receiver):
    order = provider.create_order("visit-1:pay", 23_450, "交通违法罚款", soon())
    assert order.provider_ref.startswith("SIM") and order.qr_url.endswith(order.provider_ref)
    assert provider.query("visit-1:pay").state == "created"

    pay(control, "visit-1:pay")
    headers, body = receiver.next()
    note = provider.verify_notification(headers, body)
    assert (note.order_id, note.provider_ref, note.state) == ("visit-1:pay", order.provider_ref, "paid")
    assert note.paid_fen == 23_450
    status = provider.query("visit-1:pay")
    assert (status.state, status.paid_fen) == ("paid", 23_450) and status.paid_at == note.paid_at


def test_create_is_idempotent_per_order_id_and_amount(provider):
    first = provider.create_order("o-1", 1500, "签注", soon())
    assert provider.create_order("o-1", 1500, "签注", soon()) == first
    with pytest.raises(OrderRejected, match="another amount"):
        provider.create_order("o-1", 1600, "签注", soon())


def test_qr_url_answers(provider):
    import httpx

    order = provider.create_order("o-qr", 1500, "签注", soon())
    page = httpx.get(order.qr_url, timeout=5)
    assert page.status_code == 200 and "SIMULATOR" in page.text


def test_declined_payment_fails_and_notifies_nothing(provider, control, receiver):
    provider.create_order("o-2", 1500, "签注", soon())
    fault(control, "declined")
    assert pay(control, "o-2")["state"] == "failed"
    assert provider.query("o-2").state == "failed" and provider.query("o-2").paid_fen == 0
    assert receiver.nothing_for(0.5)
    with pytest.raises(OrderRejected, match="nothing to refund"):
        provider.refund("o-2", 1500, "r-1")


def test_expired_order_cannot_be_paid(provider, control, receiver):
    provider.create_order("o-3", 1500, "签注", soon(0.3))
    time.sleep(0.5)
    assert provider.query("o-3").state == "expired"
    response = control.post("/pay", json={"order_id": "o-3"})
    assert response.status_code == 409 and "expired" in response.json()["detail"]
    assert receiver.nothing_for(0.3)


def test_paid_after_expiry_lands_and_is_notified(provider, control, receiver):
    provider.create_order("o-4", 1500, "签注", soon())
    control.post("/expire", json={"order_id": "o-4"}).raise_for_status()
    expired_at = datetime.now(UTC)
    assert provider.query("o-4").state == "expired"
    fault(control, "paid_after_expiry")
    pay(control, "o-4")
    note = provider.verify_notification(*receiver.next())
    assert note.state == "paid" and note.paid_fen == 1500
    status = provider.query("o-4")
    assert status.state == "paid" and status.paid_at >= expired_at
    provider.refund("o-4", 1500, "late-1")  # central's answer to a late payment
    assert provider.query("o-4").state == "refunded"


def test_cancel_closes_an_unpaid_order_and_refuses_a_paid_one(provider, control, receiver):
    provider.create_order("o-5", 1500, "签注", soon())
    assert provider.cancel("o-5").state == "cancelled"
    assert provider.cancel("o-5").state == "cancelled"  # again: same answer
    assert control.post("/pay", json={"order_id": "o-5"}).status_code == 409

    provider.create_order("o-6", 1500, "签注", soon())
    pay(control, "o-6")
    with pytest.raises(OrderRejected, match="refund it"):
        provider.cancel("o-6")


def test_refund_is_idempotent_and_never_above_the_paid_amount(provider, control):
    provider.create_order("o-7", 10_000, "罚款", soon())
    with pytest.raises(OrderRejected, match="nothing to refund"):
        provider.refund("o-7", 100, "r-early")
    pay(control, "o-7")
    first = provider.refund("o-7", 6_000, "r-1")
    assert provider.refund("o-7", 6_000, "r-1") == first  # a retry: no second refund
    assert provider.query("o-7").refunded_fen == 6_000
    with pytest.raises(OrderRejected, match="another amount"):
        provider.refund("o-7", 5_000, "r-1")
    with pytest.raises(OrderRejected, match="exceeds"):
        provider.refund("o-7", 4_001, "r-2")
    assert provider.query("o-7").state == "paid"
    provider.refund("o-7", 4_000, "r-2")
    status = provider.query("o-7")
    assert (status.state, status.refunded_fen, status.paid_fen) == ("refunded", 10_000, 10_000)
    with pytest.raises(OrderRejected):
        provider.refund("o-7", 1, "r-3")


def test_slow_provider_times_out_as_unavailable_and_the_order_still_exists(simulator, control):
    fault(control, "slow", delay_s=1.0)
    with SimulatorProvider(simulator.url, DEFAULT_KEY, timeout=0.3) as impatient:
        with pytest.raises(ProviderUnavailable, match="in time"):
            impatient.create_order("o-8", 1500, "签注", soon())
    with SimulatorProvider(simulator.url, DEFAULT_KEY, timeout=5.0) as patient:
        started = time.monotonic()
        assert patient.query("o-8").state == "created"  # the timed-out create did land
        assert time.monotonic() - started >= 1.0


def test_notification_lost_but_query_says_paid(provider, control, receiver):
    provider.create_order("o-9", 1500, "签注", soon())
    fault(control, "notification_lost")
    pay(control, "o-9")
    assert receiver.nothing_for(0.5)
    assert provider.query("o-9").state == "paid"


def test_duplicate_notification_arrives_twice_each_verifiable(provider, control, receiver):
    provider.create_order("o-10", 1500, "签注", soon())
    fault(control, "duplicate_notification")
    pay(control, "o-10")
    first, second = provider.verify_notification(*receiver.next()), provider.verify_notification(*receiver.next())
    assert first.order_id == second.order_id == "o-10" and first.nonce != second.nonce
    assert receiver.nothing_for(0.3)


def test_a_refused_notification_is_retried(provider, control, receiver):
    receiver.status = 500
    provider.create_order("o-11", 1500, "签注", soon())
    pay(control, "o-11")
    receiver.next()
    receiver.status = 200
    provider.verify_notification(*receiver.next())
    deadline = time.monotonic() + 5
    while len(log := control.get("/notifications").json()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [entry["answer"] for entry in log] == [500, 200]


def test_unknown_order_and_unknown_fault_are_refused(provider, control):
    with pytest.raises(OrderRejected, match="no order"):
        provider.query("nope")
    response = control.post("/fault", json={"name": "on_fire"})
    assert response.status_code == 400 and "declined" in response.json()["detail"]


@pytest.mark.parametrize("amount", [15.0, 0.1, True, "1500", None, 0, -1])
def test_amounts_other_than_positive_integer_fen_are_refused(provider, amount):
    with pytest.raises(ValueError, match="amount_fen"):
        provider.create_order("o-bad", amount, "签注", soon())
    with pytest.raises(ValueError, match="amount_fen"):
        provider.refund("o-bad", amount, "r")


def test_the_simulator_refuses_a_float_amount_sent_raw(simulator):
    import httpx

    body = {"order_id": "raw", "amount_fen": 15.5, "description": "", "expires_at": soon().isoformat()}
    response = httpx.post(f"{simulator.url}/v1/orders", json=body, timeout=5)
    assert response.status_code == 400 and "integer number of fen" in response.json()["detail"]


def test_naive_expiry_is_refused(provider):
    with pytest.raises(ValueError, match="timezone-aware"):
        provider.create_order("o-naive", 1500, "签注", datetime.now())


def test_provider_down_is_unavailable():
    simulator = ProviderSimulator().start()
    url = simulator.url
    simulator.stop()
    with SimulatorProvider(url, DEFAULT_KEY, timeout=1.0) as provider, pytest.raises(ProviderUnavailable):
        provider.query("o-1")


def test_notification_without_notify_url_is_simply_not_sent(control):
    # the fixture's simulator has one; a simulator without one must still take payments
    with ProviderSimulator() as bare, SimulatorProvider(bare.url, DEFAULT_KEY) as provider:
        provider.create_order("o-12", 1500, "签注", soon())
        import httpx

        assert httpx.post(f"{bare.control_url}/pay", json={"order_id": "o-12"}, timeout=5).json()["state"] == "paid"
        assert provider.query("o-12").state == "paid"
    assert json.dumps(control.get("/orders").json()) == "[]"
