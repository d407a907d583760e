"""Paid services end to end through the real widgets: the kiosk shows the QR code central's order
book got from the payment provider SIMULATOR (its own HTTP service on 127.0.0.1: real providers
cannot run here), the test pays as the citizen's phone would (the simulator's control, with the
code read off the screen), central delivers or refunds, the receipt printer emulator prints.
Real outbox, sync and central on loopback; the fingerprint is the identity check (quicker).
"""

from __future__ import annotations

import contextlib
import sqlite3

import httpx
import pytest

from central.payments.ledger import payments as central_payments
from drivers.idcard.demo_cards import load_demo_card
from kiosk.core import KioskCore
from support.kiosk_ui import all_texts, central_visit_records, click, running_kiosk, start_visit, verified, wait_delivered, wait_state

TF, HK = "traffic_fines", "hkmo_endorsement"
FINGER_FIRST = {"identity.default_methods": ["fingerprint"]}
ZHANG = load_demo_card("zhang-wei")
# zhang-wei's payable fines in the demo back office: 200 yuan on day 16 (206) and 100 yuan.
ZHANG_FINES = {"4403051000000116": 20600, "1101011000000205": 10000}


@pytest.fixture
def env(demo_env):
    return demo_env(overrides=FINGER_FIRST)


def control(env, path, body=None):
    response = httpx.request("POST" if body is not None else "GET", f"{env.payments.control_url}/{path}",
                             json=body, timeout=10)
    response.raise_for_status()
    return response.json()


def provider_orders(env) -> list[dict]:
    return control(env, "orders")


def figures(env) -> dict:
    return central_payments(env.central.database_url)


def ledger(core) -> list[tuple[str, str]]:
    with contextlib.closing(sqlite3.connect(core.outbox.path)) as db:
        return db.execute("SELECT order_id, state FROM payments ORDER BY opened_at").fetchall()


def fines_to_pay(qtbot, env, window):
    """Card, identity, both payable fines picked, confirmed: at the QR code."""
    start_visit(qtbot, window, TF, first_stage="choose")
    click(qtbot, window.pages["choose"].choices.buttons["card"])
    env.place_card()
    verified(qtbot, env, window, until=("select",))
    page = window.pages["select"]
    qtbot.waitUntil(lambda: set(ZHANG_FINES) <= set(page.buttons))
    assert not page.buttons["1101011000000313"].isEnabled()  # needs a counter: listed, not payable
    for decision in ZHANG_FINES:
        click(qtbot, page.buttons[decision])
    click(qtbot, page.ok)
    wait_state(qtbot, window, "confirm")
    click(qtbot, window.pages["confirm"].ok)
    return shown_code(qtbot, window)


def type_permit(qtbot, window, number: str) -> None:
    page = window.pages["enter"]
    for key in number:
        qtbot.waitUntil(lambda k=key: k in page.keys.buttons)
        click(qtbot, page.keys.buttons[key])
    click(qtbot, page.ok)


def shown_code(qtbot, window) -> str:
    wait_state(qtbot, window, "pay")
    qtbot.waitUntil(lambda: bool(window.view.payment and window.view.payment.qr_url), timeout=15_000)
    assert window.pages["pay"].code.pixmap() is not None and not window.pages["pay"].code.pixmap().isNull()
    return window.view.payment.qr_url


def test_fines_paid_once_by_qr_code_and_the_receipt_lists_each_decision(qtbot, env, kiosk):
    core, window = kiosk
    code = fines_to_pay(qtbot, env, window)
    view = window.view
    assert view.payment.amount_fen == sum(ZHANG_FINES.values()) == 30600
    assert "¥306.00" in all_texts(window)
    assert ledger(core) == [(view.payment.order_id, "open")]  # the intent before the code showed
    control(env, "pay", {"qr_url": code})
    view = wait_state(qtbot, window, "result", timeout=20_000)
    assert view.outcome == "paid" and ("text:已付金额", "¥306.00") in view.rows
    receipt = env.printer.jobs[-1].text
    assert all(decision in receipt for decision in ZHANG_FINES) and "实付金额：¥306.00" in receipt
    assert ZHANG.id_number not in receipt and ZHANG.name not in receipt
    assert [state for _order, state in ledger(core)] == ["settled"]
    assert figures(env) == {"orders": {"paid": 1}, "charged_fen": 30600, "refunded_fen": 0, "unreconciled": 0}
    paid = [o for o in provider_orders(env) if o["state"] == "paid"]
    assert len(paid) == 1 and paid[0]["paid_fen"] == 30600
    click(qtbot, window.pages["result"].actions.buttons["finish"])
    wait_state(qtbot, window, "rate")
    assert wait_delivered(core, 3)
    record = next(r for r in central_visit_records(env) if r["service"] == TF)
    assert record["payment"]["outcome"] == "delivered" and record["payment"]["paid_fen"] == 30600
    assert sorted(record["decisions"]) == sorted(ZHANG_FINES) and record["receipt_printed"] is True


def test_by_plate_without_the_card_and_the_plate_is_checked_as_typed(qtbot, env, kiosk):
    core, window = kiosk
    start_visit(qtbot, window, TF, first_stage="choose")
    click(qtbot, window.pages["choose"].choices.buttons["plate"])
    wait_state(qtbot, window, "enter")
    page = window.pages["enter"]
    for key in "粤B1234":
        qtbot.waitUntil(lambda k=key: k in page.keys.buttons)
        click(qtbot, page.keys.buttons[key])
    click(qtbot, page.ok)
    qtbot.waitUntil(lambda: window.view.entry.error == "plate_invalid")  # six characters: one short
    click(qtbot, page.keys.buttons["5"])
    click(qtbot, page.ok)
    wait_state(qtbot, window, "select", timeout=15_000)
    options = window.view.select.options
    assert [o.selectable for o in options] == [True, True]  # the plate's two fines
    for option in options:
        click(qtbot, window.pages["select"].buttons[option.id])
    click(qtbot, window.pages["select"].ok)
    wait_state(qtbot, window, "confirm")
    assert ("text:输入车牌号", "粤B12345") in window.view.summary
    click(qtbot, window.pages["confirm"].ok)
    control(env, "pay", {"qr_url": shown_code(qtbot, window)})
    view = wait_state(qtbot, window, "result", timeout=20_000)
    assert view.outcome == "paid"
    assert "号牌号码：粤B12345" in env.printer.jobs[-1].text
    assert figures(env)["unreconciled"] == 0


def test_declined_payment_charges_nothing_and_says_so(qtbot, env, kiosk):
    core, window = kiosk
    control(env, "fault", {"name": "declined", "active": True})
    code = fines_to_pay(qtbot, env, window)
    control(env, "pay", {"qr_url": code})
    view = wait_state(qtbot, window, "done", timeout=20_000)
    assert view.message == "payment_declined" and "未扣款" in all_texts(window)
    assert figures(env) == {"orders": {"failed": 1}, "charged_fen": 0, "refunded_fen": 0, "unreconciled": 0}
    assert [state for _order, state in ledger(core)] == ["settled"]
    assert not env.printer.jobs
    click(qtbot, window.pages["done"].finish)
    wait_state(qtbot, window, "attract")
    assert wait_delivered(core, 3)
    record = next(r for r in central_visit_records(env) if r["service"] == TF)
    assert record["outcome"] == "failed" and record["payment"]["outcome"] == "declined"


def test_cancel_at_the_code_closes_the_order_so_it_can_no_longer_be_paid(qtbot, env, kiosk):
    core, window = kiosk
    code = fines_to_pay(qtbot, env, window)
    click(qtbot, window.cancel)
    wait_state(qtbot, window, "attract")
    qtbot.waitUntil(lambda: [s for _o, s in ledger(core)] == ["settled"], timeout=10_000)
    assert figures(env)["orders"] == {"cancelled": 1}
    with pytest.raises(httpx.HTTPStatusError) as refused:  # the phone scans the code too late
        control(env, "pay", {"qr_url": code})
    assert refused.value.response.status_code == 409
    assert figures(env)["charged_fen"] == 0


def test_payment_after_the_order_expired_is_refunded(qtbot, demo_env, clock, face_worker):
    env = demo_env(overrides=FINGER_FIRST)
    with running_kiosk(env, clock, qtbot, face_worker) as (core, window):
        control(env, "fault", {"name": "paid_after_expiry", "active": True})
        code = fines_to_pay(qtbot, env, window)
        ref = code.rsplit("/", 1)[-1]
        order = next(o for o in provider_orders(env) if o["provider_ref"] == ref)
        control(env, "expire", {"order_id": order["order_id"]})
        view = wait_state(qtbot, window, "done", timeout=20_000)
        assert view.message == "payment_expired"
        control(env, "pay", {"qr_url": code})  # the phone was slow: paid after the expiry
        qtbot.waitUntil(lambda: figures(env)["refunded_fen"] == 30600, timeout=20_000)
        assert figures(env) == {"orders": {"refunded": 1}, "charged_fen": 30600, "refunded_fen": 30600,
                                "unreconciled": 0}


def test_central_down_while_the_code_shows_then_the_payment_is_found(qtbot, env, kiosk):
    """The citizen pays while central is down (the provider's notification finds nobody); when
    central is back, the kiosk's next question makes central ask the provider: paid, delivered."""
    core, window = kiosk
    code = fines_to_pay(qtbot, env, window)
    env.restart_central(down_s=1.5, during=lambda: control(env, "pay", {"qr_url": code}))
    view = wait_state(qtbot, window, "result", timeout=30_000)
    assert view.outcome == "paid"
    assert figures(env) == {"orders": {"paid": 1}, "charged_fen": 30600, "refunded_fen": 0, "unreconciled": 0}
    notes = control(env, "notifications")
    assert notes and all(n.get("status") != 200 for n in notes)  # every copy was lost


def test_endorsement_issued_on_the_spot_with_the_fee_from_central(qtbot, env, kiosk):
    core, window = kiosk
    start_visit(qtbot, window, HK)
    env.place_card()
    verified(qtbot, env, window, until=("enter",))
    type_permit(qtbot, window, "C03005988")
    wait_state(qtbot, window, "choose", timeout=15_000)
    buttons = window.pages["choose"].choices.buttons
    assert set(buttons) == {"group", "individual", "family", "business", "other"}
    click(qtbot, buttons["individual"])
    qtbot.waitUntil(lambda: window.view.stage_id == "times")
    assert "¥30.00" in window.pages["choose"].choices.buttons["2"].text()
    click(qtbot, window.pages["choose"].choices.buttons["2"])
    wait_state(qtbot, window, "confirm")
    assert ("text:通行证号码", "C0*****88") in window.view.summary
    click(qtbot, window.pages["confirm"].ok)
    control(env, "pay", {"qr_url": shown_code(qtbot, window)})
    view = wait_state(qtbot, window, "result", timeout=20_000)
    assert view.outcome == "paid" and view.rows[0][1].startswith("签注已签发")
    receipt = env.printer.jobs[-1].text
    assert "签注种类：个人旅游" in receipt and "签注次数：2" in receipt and "实付金额：¥30.00" in receipt
    assert "C03005988" not in receipt
    assert figures(env)["charged_fen"] == 3000


def test_no_endorsements_left_is_refused_before_any_payment(qtbot, demo_env, clock, face_worker):
    env = demo_env(card="chen-siyuan", overrides=FINGER_FIRST)
    with running_kiosk(env, clock, qtbot, face_worker) as (core, window):
        start_visit(qtbot, window, HK)
        env.place_card()
        verified(qtbot, env, window, until=("enter",))
        type_permit(qtbot, window, "C98765432")
        view = wait_state(qtbot, window, "result", timeout=15_000)
        assert view.outcome == "refused" and view.reason == "no_endorsements_left"
        assert not provider_orders(env) and not ledger(core)


def test_a_restart_settles_the_order_a_kill_left_open_and_records_the_visit(qtbot, demo_env, clock, face_worker):
    """What a kill -9 between "paid" and "recorded" leaves on disk: the ledger's order open, the
    visit unrecorded. The restarted kiosk asks central before it takes another payment: paid and
    delivered, so the visit is recorded as interrupted and nothing is charged again."""
    env = demo_env(overrides=FINGER_FIRST)
    with running_kiosk(env, clock, qtbot, face_worker) as (core, window):
        code = fines_to_pay(qtbot, env, window)
        order_id = window.view.payment.order_id
        core.stop()  # the core's threads gone at once, as a kill leaves them: nothing more is written
        control(env, "pay", {"qr_url": code})
        qtbot.waitUntil(lambda: figures(env)["orders"] == {"paid": 1}, timeout=15_000)
    assert ledger_of(env) == [(order_id, "open")]
    restarted = KioskCore(env.config, clock=clock, face_worker=face_worker,
                          fingerprint_template=env.fingerprint_template)
    assert restarted._open_payments == 1  # paid services stay closed until central has answered
    restarted.start(ticker=False)
    try:
        assert ledger(restarted) == [(order_id, "settled")]
        visit_id = order_id.split(":")[0]
        assert restarted.outbox.visit_outcome(visit_id) == "interrupted"
        assert restarted._open_payments == 0
        assert wait_delivered(restarted, 3)
    finally:
        restarted.stop()
    assert len([o for o in provider_orders(env) if o["state"] == "paid"]) == 1
    assert figures(env)["unreconciled"] == 0
    record = next(r for r in central_visit_records(env) if r["visit_id"] == visit_id)
    assert record["outcome"] == "interrupted" and record["payment"]["outcome"] == "delivered"


def ledger_of(env) -> list[tuple[str, str]]:
    with contextlib.closing(sqlite3.connect(env.config.data_path("outbox.db"))) as db:
        return db.execute("SELECT order_id, state FROM payments").fetchall()


def test_walking_away_from_the_code_closes_the_order_when_its_time_runs_out(qtbot, env, kiosk, clock):
    core, window = kiosk
    fines_to_pay(qtbot, env, window)
    countdown = window.view.countdown
    assert 170 <= countdown <= 191  # central's 180 s order expiry and a grace, not the 60 s default
    clock.now += countdown + 1
    core.session.tick()
    wait_state(qtbot, window, "attract")
    qtbot.waitUntil(lambda: [s for _o, s in ledger(core)] == ["settled"], timeout=10_000)
    assert figures(env) == {"orders": {"cancelled": 1}, "charged_fen": 0, "refunded_fen": 0, "unreconciled": 0}
    assert wait_delivered(core, 3)
    record = next(r for r in central_visit_records(env) if r["service"] == TF)
    assert record["outcome"] == "timeout" and record["furthest_state"] == "pay"


def test_a_stop_while_the_receipt_prints_leaves_the_payment_settled_and_the_visit_interrupted(
        qtbot, demo_env, clock, face_worker):
    """What a kill -9 between "recorded" (the payment's outcome is in the outbox) and "printed"
    leaves: the ledger settled, the visit unrecorded. The restart records it as interrupted
    with the payment delivered and the receipt not printed; nothing is charged again."""
    env = demo_env(overrides=FINGER_FIRST)
    with running_kiosk(env, clock, qtbot, face_worker) as (core, window):
        code = fines_to_pay(qtbot, env, window)
        order_id = window.view.payment.order_id
        env.printer.set_fault("no_answer")  # the receipt takes its time: the kiosk stops meanwhile
        control(env, "pay", {"qr_url": code})
        wait_state(qtbot, window, "act", timeout=20_000)
        core.stop()
    assert ledger_of(env) == [(order_id, "settled")]
    env.printer.set_fault(None)
    restarted = KioskCore(env.config, clock=clock, face_worker=face_worker,
                          fingerprint_template=env.fingerprint_template).start(ticker=False)
    try:
        visit_id = order_id.split(":")[0]
        assert restarted.outbox.visit_outcome(visit_id) == "interrupted"
        assert wait_delivered(restarted, 3)
    finally:
        restarted.stop()
    record = next(r for r in central_visit_records(env) if r["visit_id"] == visit_id)
    assert record["outcome"] == "interrupted" and record["receipt_printed"] is False
    assert figures(env) == {"orders": {"paid": 1}, "charged_fen": 30600, "refunded_fen": 0, "unreconciled": 0}
    assert len([o for o in provider_orders(env) if o["paid_fen"]]) == 1


def test_the_permit_in_hand_is_read_from_its_chip_where_the_kiosk_has_the_reader(
        qtbot, demo_env, clock, face_worker, pcsc_service, session_card):
    """A real pcscd with the virtual card on vpcd (tests/support/pcsc_fixtures.py), the real
    PC/SC driver: the chip opens with the typed number, the card's birth date and central's
    expiry. Someone else's permit laid down first does not open; the citizen's own does."""
    from urllib.parse import quote

    from drivers.pcsc.demo_documents import demo_mrz

    virtual, _link = session_card
    virtual.remove()
    env = demo_env(overrides={**FINGER_FIRST, "devices.chipdoc": {
        "url": f"pcsc://{quote(pcsc_service.reader(0))}?timeout=5", "poll_interval_s": 2}})
    with running_kiosk(env, clock, qtbot, face_worker) as (core, window):
        start_visit(qtbot, window, HK)
        env.place_card()
        verified(qtbot, env, window, until=("enter",))
        type_permit(qtbot, window, "C03005988")
        wait_state(qtbot, window, "read_document", timeout=15_000)
        qtbot.waitUntil(lambda: window.view.message == "place_permit", timeout=15_000)
        virtual.insert(demo_mrz("permit-li-na"))  # not the permit typed in
        qtbot.waitUntil(lambda: window.view.message == "permit_chip_mismatch", timeout=20_000)
        virtual.remove()
        virtual.insert(demo_mrz("permit-zhang-wei"))
        view = wait_state(qtbot, window, "choose", timeout=30_000)
        assert view.stage_id == "kind"
    virtual.remove()


def test_without_a_chip_reader_the_stage_is_left_out(env):
    from kiosk.services import build_services

    steps = [s.id for s in build_services(env.config)[HK].steps]
    assert "permit_chip" not in steps and steps.index("eligibility") + 1 == steps.index("kind")
