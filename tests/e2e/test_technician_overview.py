"""The technicians' overview after citizens' visits: the card read, the certificate and the
receipt printed (through the real widgets), a card handed out or jammed in the dispenser (the
core alone) show in each device's counters since the start and since the last technician visit,
and a technician entering (PIN through the diagnostics overlay) starts the latter again. The
demo's emulators, the real outbox and central on loopback."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from kiosk.diagnostics import Diagnostics, hash_pin
from kiosk.pin import CHEAPEST
from screens.diagnostics import TAPS_TO_OPEN, attach_diagnostics
from drivers.idcard.demo_cards import load_demo_card
from support.kiosk_core import choose_service, kiosk_core, until
from support.kiosk_ui import click, running_kiosk, start_visit, verified, wait_state

PIN = "2468"


@pytest.fixture
def env(demo_env):
    return demo_env(overrides={"identity.default_methods": ["fingerprint"], "speech.enabled": False,
                               "diagnostics.pin_hash": hash_pin(PIN, **CHEAPEST)})


def a_no_criminal_record_visit(qtbot, env, window) -> None:
    start_visit(qtbot, window, "no_criminal_record")
    env.place_card()
    verified(qtbot, env, window)
    qtbot.waitUntil(lambda: "employment" in window.pages["choose"].choices.buttons)
    click(qtbot, window.pages["choose"].choices.buttons["employment"])
    wait_state(qtbot, window, "confirm")
    click(qtbot, window.pages["confirm"].ok)
    view = wait_state(qtbot, window, "rate", timeout=30_000)
    assert (view.document_printed, view.receipt_printed) == (True, True)
    click(qtbot, window.pages["rate"].skip)
    wait_state(qtbot, window, "done")
    click(qtbot, window.pages["done"].finish)
    wait_state(qtbot, window, "attract")
    env.lift_card()


def test_a_visit_counts_up_and_a_technician_entering_restarts_the_counts_since_the_visit(
        qtbot, env, clock, face_worker):
    with running_kiosk(env, clock, qtbot, face_worker) as (core, window):
        diagnostics = Diagnostics(core)
        overlay = attach_diagnostics(window, diagnostics)
        try:
            a_no_criminal_record_visit(qtbot, env, window)
            devices = diagnostics.snapshot()["devices"]
            for since in ("since_start", "since_visit"):
                assert devices["idcard"][since]["cards_read"] == 1, since
                assert devices["printer"][since]["pages_printed"] == 1, since  # the receipt
                assert devices["docprinter"][since]["pages_printed"] == 1, since  # the A4 certificate
                assert all(device[since]["failures"] == 0 for device in devices.values()), since

            for _ in range(TAPS_TO_OPEN):
                qtbot.mouseClick(window, Qt.LeftButton, pos=QPoint(20, 20))
            for digit in PIN + "K":
                qtbot.mouseClick(overlay.pin_pad.buttons["OK" if digit == "K" else digit], Qt.LeftButton)
            qtbot.waitUntil(lambda: overlay.panel.isVisible(), timeout=10_000)
            rows = overlay.panel.device_rows
            qtbot.waitUntil(lambda: "printer" in rows and "printed 0 (1)" in rows["printer"].text(), timeout=10_000)
            devices = diagnostics.snapshot()["devices"]
            assert devices["idcard"]["since_visit"]["cards_read"] == 0
            assert devices["idcard"]["since_start"]["cards_read"] == 1
            overlay.close_mode()

            a_no_criminal_record_visit(qtbot, env, window)
            devices = diagnostics.snapshot()["devices"]
            assert devices["docprinter"]["since_visit"]["pages_printed"] == 1
            assert devices["docprinter"]["since_start"]["pages_printed"] == 2
        finally:
            overlay.close_mode()
            diagnostics.close()


def a_pickup_visit(env, session) -> None:
    """The citizen types their number and presses the finger; the card comes to the mouth."""
    choose_service(session, "id_card_pickup")
    session.choose("method", "id_number")
    for char in load_demo_card("zhang-wei").id_number:
        session.key("id_number", char)
    session.submit_entry("id_number")
    until(lambda: session.view().state == "verify")
    env.place_finger("zhang-wei-right-index")


def test_a_card_handed_out_counts_as_dispensed(env, face_worker):
    with kiosk_core(env, face_worker) as core:
        diagnostics = Diagnostics(core)
        try:
            session = core.session
            a_pickup_visit(env, session)
            until(lambda: session.view().state == "dispense" and session.view().handout == "presented",
                  timeout=30, what="the card presented")
            assert diagnostics.snapshot()["devices"]["dispenser"]["since_start"]["cards_dispensed"] == 0  # not yet taken
            env.take_card()
            until(lambda: session.view().state == "result", timeout=20, what="the result")
            devices = diagnostics.snapshot()["devices"]
            assert devices["dispenser"]["since_start"]["cards_dispensed"] == 1
            assert devices["dispenser"]["since_visit"]["failures"] == 0
            assert devices["idcard"]["since_start"]["cards_read"] == 1  # the card checked at the read position
        finally:
            diagnostics.close()


def test_a_jam_counts_as_a_failure_of_the_dispenser_and_is_its_last_error(env, face_worker):
    env.dispenser.set_fault("jam", times=1)
    with kiosk_core(env, face_worker) as core:
        diagnostics = Diagnostics(core)
        try:
            session = core.session
            a_pickup_visit(env, session)
            until(lambda: session.view().state == "result", timeout=40, what="the jam's result")
            dispenser = diagnostics.snapshot()["devices"]["dispenser"]
            assert dispenser["since_start"]["cards_dispensed"] == 0 and dispenser["since_visit"]["failures"] == 1
            error = dispenser["last_error"]  # the failed move's, or the poll's that found the jam after it
            assert error["kind"] in ("jam", "hardware_error") and "jam" in error["message"].lower(), error
        finally:
            diagnostics.close()
