"""Central's order book end to end: a real central (SQLite and PostgreSQL), the provider simulator
on 127.0.0.1 behind a fault proxy, a kiosk signing its requests, and the test paid service.

Each case ends with the ledger's `unreconciled` at 0: no money taken for nothing.
"""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from central.payments import notification
from central.payments.ledger import summary
from central.payments.orders import provider_order_id, refund_id
from central.payments.simulator import DEFAULT_KEY
from central.server import EmbeddedCentral
from kiosk.central_client import CentralClient, KioskSignature

ORDER_OUT = {"order_id", "service", "state", "amount_fen", "lines", "qr_url", "expires_at", "paid_fen",
             "refunded_fen", "delivery", "result", "reason"}


def eventually(check, timeout: float = 8.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def ledger(shop) -> dict:
    with shop.central.app.state.engine.connect() as conn:
        return summary(conn)


def opened(shop, order_id: str = "visit-1:pay", amount_fen: int = 1500) -> dict:
    response = shop.open(order_id, amount_fen)
    assert response.status_code == 200, response.text
    return response.json()


def test_paid_by_notification_is_delivered_once(shop, paid):
    order = opened(shop)
    assert set(order) == ORDER_OUT
    assert order["state"] == "created" and order["delivery"] == "none" and order["amount_fen"] == 1500
    assert order["lines"] == [{"label": "罚款", "amount_fen": 1400, "reference": "T-1"},
                              {"label": "手续费", "amount_fen": 100, "reference": ""}]
    assert order["qr_url"].startswith(shop.sim.url + "/qr/SIM") and order["expires_at"].endswith("+00:00")
    assert shop.pay().status_code == 200
    # the notification alone delivers it: no status poll in between
    assert eventually(lambda: shop.row().delivery == "delivered")
    # the simulator notes the answer once central has given it, a moment after the delivery
    assert eventually(lambda: shop.notifications() == [{"order_id": provider_order_id("visit-1:pay"), "copy": 1,
                                                        "answer": 200}])
    final = shop.status()
    assert (final["state"], final["paid_fen"], final["delivery"]) == ("paid", 1500, "delivered")
    assert final["result"] == {"receipt_no": "R-T-1", "paid_fen": 1500} and final["reason"] is None
    assert paid.CALLS == ["visit-1:pay"] and shop.fulfilled() == 1500
    assert ledger(shop) == {"orders": {"paid": 1}, "charged_fen": 1500, "refunded_fen": 0, "unreconciled": 0}


def test_lost_notification_is_found_by_the_status_poll(shop, paid):
    shop.fault("notification_lost")
    opened(shop)
    shop.pay()
    time.sleep(0.3)
    assert shop.row().state == "created" and paid.CALLS == []  # central has not heard
    final = shop.status()
    assert (final["state"], final["delivery"]) == ("paid", "delivered")
    assert paid.CALLS == ["visit-1:pay"] and shop.notifications() == []
    assert ledger(shop)["unreconciled"] == 0


def test_status_asks_the_provider_at_most_every_two_seconds(shop, paid):
    shop.fault("notification_lost")
    opened(shop)
    shop.status()  # asks
    shop.pay()
    assert shop.status()["state"] == "created"  # within 2 s: the stored answer
    time.sleep(2.05)
    assert shop.status()["delivery"] == "delivered"


def test_duplicate_notification_delivers_once(shop, paid):
    shop.fault("duplicate_notification")
    opened(shop)
    shop.pay()
    assert eventually(lambda: len(shop.notifications()) == 2)
    assert [n["answer"] for n in shop.notifications()] == [200, 200]
    assert paid.CALLS == ["visit-1:pay"] and shop.status()["delivery"] == "delivered"
    assert ledger(shop)["unreconciled"] == 0


def test_declined_payment_fails(shop, paid):
    shop.fault("declined")
    opened(shop)
    assert shop.pay().json()["state"] == "failed"
    final = shop.status()
    assert (final["state"], final["paid_fen"], final["delivery"]) == ("failed", 0, "none")
    assert paid.CALLS == [] and ledger(shop)["unreconciled"] == 0


def test_order_expired_at_the_provider(shop, paid):
    opened(shop)
    shop.expire()
    assert shop.status()["state"] == "expired"
    assert shop.pay().status_code == 409  # the QR code is void


def test_sweep_closes_an_order_past_its_expiry(shop, paid):
    shop.central.app.state.orders.expiry_s = 1.0
    opened(shop)
    assert shop.sweep()["expired"] == 0
    time.sleep(1.1)
    assert shop.sweep()["expired"] == 1
    assert shop.row().state == "expired"
    assert shop.provider_order()["state"] in ("expired", "cancelled")
    assert shop.pay().status_code == 409
    assert shop.sweep()["expired"] == 0  # done with


def test_cancelled_order_cannot_be_paid(shop, paid):
    opened(shop)
    response = shop.post("cancel", {"order_id": "visit-1:pay"})
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    assert shop.provider_order()["state"] == "cancelled"
    assert shop.pay().status_code == 409
    assert shop.post("cancel", {"order_id": "visit-1:pay"}).json()["state"] == "cancelled"  # again: the same
    assert paid.CALLS == [] and ledger(shop)["unreconciled"] == 0


def test_cancel_racing_a_payment_refunds_it(shop, paid):
    shop.fault("notification_lost")  # paid an instant before the cancel; central has not heard yet
    opened(shop)
    shop.pay()
    final = shop.post("cancel", {"order_id": "visit-1:pay"}).json()
    assert (final["state"], final["delivery"], final["reason"]) == ("refunded", "refused", "cancelled_after_payment")
    assert final["paid_fen"] == final["refunded_fen"] == 1500
    assert shop.provider_order()["state"] == "refunded" and paid.CALLS == []
    assert [r.refund_id for r in shop.refunds()] == [refund_id("visit-1:pay", "cancelled_after_payment")]
    assert ledger(shop) == {"orders": {"refunded": 1}, "charged_fen": 1500, "refunded_fen": 1500, "unreconciled": 0}


def test_cancel_after_delivery_changes_nothing(shop, paid):
    opened(shop)
    shop.pay()
    assert eventually(lambda: shop.row().delivery == "delivered")
    final = shop.post("cancel", {"order_id": "visit-1:pay"}).json()
    assert (final["state"], final["delivery"], final["refunded_fen"]) == ("paid", "delivered", 0)


def test_paid_after_expiry_is_refunded_not_delivered(shop, paid):
    shop.fault("paid_after_expiry")
    shop.central.app.state.orders.expiry_s = 1.0
    opened(shop)
    time.sleep(1.1)
    shop.sweep()
    assert shop.row().state == "expired"
    assert shop.pay().json()["state"] == "paid"  # the provider took it anyway
    assert eventually(lambda: shop.row().state == "refunded")
    row = shop.row()
    assert (row.delivery, row.reason, row.refunded_fen) == ("refused", "paid_after_expiry", 1500)
    assert paid.CALLS == [] and ledger(shop)["unreconciled"] == 0


def test_late_payment_without_notification_is_found_by_the_sweep(shop, paid, monkeypatch):
    import central.payments.orders as book

    monkeypatch.setattr(book, "LATE_QUERY_S", 0.0)
    shop.fault("paid_after_expiry")
    shop.fault("notification_lost")
    opened(shop)
    shop.expire()
    assert shop.status()["state"] == "expired"
    shop.pay()
    assert shop.sweep()["late"] == 1
    row = shop.row()
    assert (row.state, row.delivery, row.reason) == ("refunded", "refused", "paid_after_expiry")
    assert paid.CALLS == [] and ledger(shop)["unreconciled"] == 0


def test_fulfil_refusing_refunds_with_its_reason(shop, paid):
    paid.REFUSE = "fine_already_settled"
    opened(shop)
    shop.pay()
    assert eventually(lambda: shop.row().state == "refunded")
    final = shop.status()
    assert (final["delivery"], final["reason"], final["refunded_fen"], final["result"]) == \
        ("refused", "fine_already_settled", 1500, None)
    assert paid.CALLS == ["visit-1:pay"] and shop.provider_order()["refunded_fen"] == 1500
    assert shop.fulfilled() is None  # what fulfil wrote before refusing is gone; the refusal stays
    assert ledger(shop)["unreconciled"] == 0


def test_broken_back_office_leaves_delivery_to_the_sweep(shop, paid):
    paid.BROKEN = True
    opened(shop)
    shop.pay()
    assert eventually(lambda: len(paid.CALLS) == 1)
    assert eventually(lambda: shop.notifications() != [])
    assert shop.row().delivery == "pending" and shop.fulfilled() is None  # all rolled back with the failure
    assert ledger(shop)["unreconciled"] == 1  # money taken, nothing delivered yet
    paid.BROKEN = False
    assert shop.sweep()["delivered"] == 1
    assert shop.row().delivery == "delivered" and len(paid.CALLS) == 2 and shop.fulfilled() == 1500
    assert ledger(shop)["unreconciled"] == 0


def test_kiosk_refund_before_delivery_and_refused_after(shop, paid):
    paid.BROKEN = True
    opened(shop)
    shop.pay()
    assert eventually(lambda: shop.row() is not None and shop.row().delivery == "pending")
    final = shop.post("refund", {"order_id": "visit-1:pay", "reason": "printer_failed"}).json()
    assert (final["state"], final["delivery"], final["reason"]) == ("refunded", "refused", "printer_failed")
    paid.BROKEN = False
    shop.sweep()
    assert shop.row().delivery == "refused"  # never delivered after the refund
    assert shop.post("refund", {"order_id": "visit-1:pay", "reason": "printer_failed"}).status_code == 200

    opened(shop, "visit-2:pay")
    shop.pay("visit-2:pay")
    assert eventually(lambda: shop.row("visit-2:pay").delivery == "delivered")
    late = shop.post("refund", {"order_id": "visit-2:pay", "reason": "printer_failed"})
    assert late.status_code == 409 and late.json() == {"detail": "already_delivered"}
    assert shop.post("refund", {"order_id": "visit-2:pay", "reason": "Printer failed!"}).status_code == 422
    assert ledger(shop)["unreconciled"] == 0


def test_provider_down_during_open(shop, paid):
    shop.proxy.fault = "error500"
    response = shop.open()
    assert response.status_code == 503 and response.json() == {"detail": "payment_provider_unavailable"}
    row = shop.row()
    assert (row.state, row.paid_fen, row.provider_ref, row.delivery) == ("created", 0, None, "none")
    assert shop.provider_order() is None
    shop.proxy.fault = "pass"
    again = opened(shop)
    assert again["qr_url"] and again["amount_fen"] == 1500
    assert shop.provider_order()["amount_fen"] == 1500


def test_open_whose_answer_was_lost_opens_one_provider_order(shop, paid):
    shop.proxy.plan.append("drop_response")  # the provider created it; central never heard
    assert shop.open().status_code == 503
    created = shop.provider_order()
    again = opened(shop)
    assert again["qr_url"].endswith(created["provider_ref"])
    assert len(shop.control.get("/orders").json()) == 1


def test_provider_down_during_refund_then_the_sweep_refunds(shop, paid):
    paid.REFUSE = "endorsement_refused"
    shop.fault("notification_lost")
    opened(shop)
    shop.pay()
    # the status poll: the query passes, the refund's answer is lost after the provider did it
    shop.proxy.plan.extend(["pass", "drop_response"])
    final = shop.status()
    assert (final["state"], final["delivery"], final["refunded_fen"]) == ("paid", "refused", 0)
    assert [r.state for r in shop.refunds()] == ["pending"]
    assert ledger(shop)["unreconciled"] == 1
    shop.proxy.plan.append("error500")
    assert shop.sweep()["refunds"] == 1 and shop.refunds()[0].state == "pending"  # still down
    assert shop.sweep()["refunds"] == 1
    assert [r.state for r in shop.refunds()] == ["succeeded"]
    assert shop.status()["refunded_fen"] == 1500
    assert shop.provider_order()["refunded_fen"] == 1500  # paid back once, not twice
    assert ledger(shop)["unreconciled"] == 0


def test_open_is_idempotent(shop, paid):
    first = opened(shop)
    second = opened(shop, amount_fen=9900)  # a resend never reprices
    assert second == first
    assert len(shop.control.get("/orders").json()) == 1
    conflict = shop.post("orders", {"order_id": "visit-1:pay", "visit_id": "visit-1", "service": "no_criminal_record",
                                    "request": {}})
    assert conflict.status_code == 409


def test_another_kiosks_order_does_not_exist_for_it(shop, paid):
    opened(shop)
    other = httpx.Client(base_url=shop.central.url,
                         auth=KioskSignature("K-2", CentralClient.enrol(shop.central.url, "K-2")), timeout=10)
    with other:
        for route, body in (("status", {"order_id": "visit-1:pay"}), ("cancel", {"order_id": "visit-1:pay"}),
                            ("orders", {"order_id": "visit-1:pay", "visit_id": "visit-1", "service": "test_paid",
                                        "request": {"amount_fen": 1500}})):
            response = shop.post(route, body, kiosk=other)
            assert (response.status_code, response.json()) == (404, {"detail": "no_such_order"}), route
    assert shop.status()["state"] == "created"


def test_requests_the_order_book_refuses(shop, paid):
    unsigned = httpx.post(f"{shop.central.url}/api/v1/payments/status", json={"order_id": "visit-1:pay"})
    assert unsigned.status_code == 401
    assert shop.post("orders", {"order_id": "x:pay", "visit_id": "x", "service": "temporary_id",
                                "request": {}}).status_code == 404  # not a paid service
    assert shop.post("orders", {"order_id": "other:pay", "visit_id": "visit-1", "service": "test_paid",
                                "request": {"amount_fen": 1500}}).status_code == 422
    nothing = shop.open(amount_fen="not_payable")
    assert (nothing.status_code, nothing.json()) == (409, {"detail": "nothing_to_pay"})
    assert shop.post("status", {"order_id": "nobody:pay"}).status_code == 404
    assert shop.row("other:pay") is None and shop.row() is None


def test_float_amounts_are_refused(shop, paid):
    response = shop.open(amount_fen=15.0, float_price=True)  # a service pricing in yuan floats
    assert (response.status_code, response.json()) == (500, {"detail": "service_priced_badly"})
    assert shop.row() is None and shop.provider_order() is None
    opened(shop)
    body = json.dumps({"order_id": provider_order_id("visit-1:pay"), "provider_ref": shop.row().provider_ref,
                       "state": "paid", "paid_fen": 1500.0, "paid_at": "2026-01-01T00:00:00+00:00"}).encode()
    forged = httpx.post(shop.central.notify_url, content=body, headers=notification.signed_headers(DEFAULT_KEY, body))
    assert (forged.status_code, forged.json()) == (400, {"detail": "bad_notification"})
    assert shop.row().paid_fen == 0 and shop.row().state == "created"


def test_bad_notifications_record_nothing(shop, paid):
    opened(shop)
    body = json.dumps({"order_id": provider_order_id("visit-1:pay"), "provider_ref": shop.row().provider_ref,
                       "state": "paid", "paid_fen": 1500, "paid_at": "2026-01-01T00:00:00+00:00"}).encode()
    wrong_key = httpx.post(shop.central.notify_url, content=body, headers=notification.signed_headers(b"x", body))
    assert wrong_key.status_code == 400
    unknown = body.replace(provider_order_id("visit-1:pay").encode(), provider_order_id("nobody:pay").encode())
    stranger = httpx.post(shop.central.notify_url, content=unknown,
                          headers=notification.signed_headers(DEFAULT_KEY, unknown))
    assert (stranger.status_code, stranger.json()) == (400, {"detail": "unknown_order"})
    assert shop.row().paid_fen == 0 and paid.CALLS == []


def test_concurrent_notify_status_and_sweep_fulfil_once(shop, paid):
    paid.FULFIL_DELAY_S = 0.5  # whoever claims first holds delivery open while the others arrive
    opened(shop)
    shop.pay()  # the notification is on its way
    answers: list[dict] = []
    errors: list[BaseException] = []

    def poll() -> None:
        try:
            with httpx.Client(base_url=shop.central.url, auth=shop.kiosk.auth, timeout=15) as kiosk:
                response = kiosk.post("/api/v1/payments/status", json={"order_id": "visit-1:pay"})
                answers.append((response.status_code, response.json()["state"]))
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    def sweep() -> None:
        try:
            shop.sweep()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=poll) for _ in range(4)] + [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert errors == [] and len(answers) == 4
    assert {status for status, _state in answers} == {200}
    assert eventually(lambda: shop.row().delivery == "delivered")
    assert paid.CALLS == ["visit-1:pay"] and shop.fulfilled() == 1500
    assert ledger(shop)["unreconciled"] == 0


def test_central_without_a_provider_answers_503(central, paid):
    auth = KioskSignature("K-1", CentralClient.enrol(central.url, "K-1"))
    with httpx.Client(base_url=central.url, auth=auth, timeout=10) as kiosk:
        response = kiosk.post("/api/v1/payments/orders", json={"order_id": "v:pay", "visit_id": "v",
                                                                "service": "test_paid", "request": {}})
    assert (response.status_code, response.json()) == (503, {"detail": "payments_unavailable"})


def test_background_sweep_expires_orders_and_stops_with_central(central_db, paid):
    from central.payments.simulator import ProviderSimulator

    with ProviderSimulator() as sim:
        server = EmbeddedCentral(central_db, payment_provider_url=sim.url, payment_expiry_s=1.0,
                                 payment_sweep_s=0.2).start()
        try:
            sim.notify_to(server.notify_url)
            auth = KioskSignature("K-1", CentralClient.enrol(server.url, "K-1"))
            with httpx.Client(base_url=server.url, auth=auth, timeout=10) as kiosk:
                opened_ = kiosk.post("/api/v1/payments/orders", json={"order_id": "v:pay", "visit_id": "v",
                                                                       "service": "test_paid",
                                                                       "request": {"amount_fen": 500}})
                assert opened_.status_code == 200
                engine = server.app.state.engine
                with engine.connect() as conn:
                    assert summary(conn)["orders"] == {"created": 1}

                def expired() -> bool:
                    with engine.connect() as conn:
                        return summary(conn)["orders"] == {"expired": 1}

                assert eventually(expired, timeout=6)
            threads = {t.name for t in threading.enumerate()}
            assert "payment-sweep" in threads
        finally:
            server.stop()
        assert "payment-sweep" not in {t.name for t in threading.enumerate()}


@pytest.mark.parametrize("route", ["status", "cancel"])
def test_provider_down_never_reads_as_not_paid(shop, paid, route):
    shop.fault("notification_lost")
    opened(shop)
    shop.pay()
    shop.proxy.fault = "error500"
    response = shop.post(route, {"order_id": "visit-1:pay"})
    if route == "status":
        assert response.status_code == 200 and response.json()["state"] == "created"  # unknown, not failed
    else:
        assert (response.status_code, response.json()) == (503, {"detail": "payment_provider_unavailable"})
    assert shop.row().state == "created"
    shop.proxy.fault = "pass"
    time.sleep(2.05)
    if route == "status":
        assert shop.status()["delivery"] == "delivered"
    else:
        assert shop.post(route, {"order_id": "visit-1:pay"}).json()["state"] == "refunded"
    assert ledger(shop)["unreconciled"] == 0


def test_expired_order_with_the_provider_down_stays_open_until_it_answers(shop, paid):
    shop.central.app.state.orders.expiry_s = 1.0
    opened(shop)
    time.sleep(1.1)
    shop.proxy.fault = "error500"
    assert shop.status()["state"] == "created"  # not known to be unpaid: not called expired
    assert shop.sweep()["expired"] == 1 and shop.row().state == "created"
    shop.proxy.fault = "pass"
    shop.sweep()
    assert shop.row().state == "expired"


def test_resend_of_an_open_long_after_the_provider_was_down_closes_it(shop, paid):
    shop.central.app.state.orders.expiry_s = 1.0
    shop.proxy.fault = "error500"
    assert shop.open().status_code == 503
    shop.proxy.fault = "pass"
    time.sleep(1.1)
    again = opened(shop)
    assert (again["state"], again["qr_url"]) == ("expired", None)
    assert shop.provider_order() is None  # never offered after its time


def test_refund_the_provider_made_already_counts_as_done(shop, paid):
    from central.payments.provider import SimulatorProvider

    paid.BROKEN = True
    opened(shop)
    shop.pay()
    assert eventually(lambda: shop.row().delivery == "pending")
    with SimulatorProvider(shop.sim.url, DEFAULT_KEY) as by_hand:  # the merchant refunds in the provider's portal
        by_hand.refund(provider_order_id("visit-1:pay"), 1500, "portal-1")
    final = shop.post("refund", {"order_id": "visit-1:pay", "reason": "printer_failed"}).json()
    assert (final["state"], final["refunded_fen"]) == ("refunded", 1500)
    assert shop.provider_order()["refunded_fen"] == 1500 and ledger(shop)["unreconciled"] == 0


def test_a_restarted_central_delivers_what_was_paid_while_it_was_away(central_db, paid):
    from central.payments.simulator import ProviderSimulator

    with ProviderSimulator(faults=("notification_lost",)) as sim:
        first = EmbeddedCentral(central_db, payment_provider_url=sim.url, payment_expiry_s=1.0,
                                payment_sweep_s=None).start()
        try:
            auth = KioskSignature("K-1", CentralClient.enrol(first.url, "K-1"))
            with httpx.Client(base_url=first.url, auth=auth, timeout=10) as kiosk:
                assert kiosk.post("/api/v1/payments/orders", json={
                    "order_id": "v:pay", "visit_id": "v", "service": "test_paid",
                    "request": {"amount_fen": 800}}).status_code == 200
        finally:
            first.stop()
        # paid while central is down; the kiosk gave up; nobody polls
        httpx.post(f"{sim.control_url}/pay", json={"order_id": provider_order_id("v:pay")}).raise_for_status()
        time.sleep(1.1)
        with EmbeddedCentral(central_db, payment_provider_url=sim.url, payment_sweep_s=None) as second:
            assert second.app.state.orders.sweep()["expired"] == 1
            with second.app.state.engine.connect() as conn:
                assert summary(conn) == {"orders": {"paid": 1}, "charged_fen": 800, "refunded_fen": 0,
                                         "unreconciled": 0}
    assert paid.CALLS == ["v:pay"]  # paid in time: delivered, once
