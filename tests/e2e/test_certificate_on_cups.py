"""The certificate visit printing its A4 certificate through a real cupsd (the test's own, on
127.0.0.1, a cups-pdf queue): the kiosk's CUPS backend submits with lp, the queue renders the
PDF, and the certificate's text is read back with pdftotext. A stopped queue greys the service
out with the reason."""

from __future__ import annotations

import pytest

from drivers.docprinter import cupsd
from drivers.idcard.demo_cards import load_demo_card
from kiosk.demo_env import DemoEnvironment
from support.pdf_tools import pdf_text
from support.kiosk_ui import Clock, click, running_kiosk, verified, wait_state

QUEUE = "KioskA4"


@pytest.fixture(scope="module")
def cups_server():
    try:
        server = cupsd.start()
    except cupsd.CupsdUnavailable as exc:
        pytest.skip(f"no private cupsd here: {exc}")
    try:
        server.add_pdf_queue(QUEUE)
        yield server
    finally:
        server.stop()


def completed_jobs(server) -> list[str]:
    listed = server.admin("lpstat", "-W", "completed", "-o", QUEUE).stdout
    return [line.split()[0] for line in listed.splitlines() if line.strip()]


def test_the_certificate_prints_through_cups(qtbot, tmp_path, cups_server, face_worker):
    overrides = {"devices.docprinter.url": cups_server.url(QUEUE), "identity.default_methods": ["fingerprint"]}
    card = load_demo_card("zhang-wei")
    with (DemoEnvironment(tmp_path, overrides=overrides) as env,
          running_kiosk(env, Clock(), qtbot, face_worker) as (core, window)):
        wait_state(qtbot, window, "attract")
        click(qtbot, window.pages["attract"])
        wait_state(qtbot, window, "home")
        tile = window.pages["home"].tiles.buttons["no_criminal_record"]
        qtbot.waitUntil(tile.isEnabled, timeout=15_000)
        click(qtbot, tile)
        env.place_card()
        verified(qtbot, env, window)
        click(qtbot, window.pages["choose"].choices.buttons["visa"])
        wait_state(qtbot, window, "confirm")
        click(qtbot, window.pages["confirm"].ok)
        view = wait_state(qtbot, window, "rate", timeout=60_000)
        assert view.outcome == "issued" and view.document_printed is True

        qtbot.waitUntil(lambda: bool(completed_jobs(cups_server)), timeout=30_000)
        [job] = completed_jobs(cups_server)
        text = pdf_text(cups_server.output_of(QUEUE, job))
        assert "无犯罪记录证明" in text and view.reference in text
        assert card.name in text and card.id_number in text and "签证办理" in text
        receipt = env.printer.wait_for_job(timeout=5)
        assert view.reference in receipt.text and card.id_number not in receipt.text

        # The queue stops (a technician disabled it, or CUPS did after a failure): no more
        # certificates are promised until it is back.
        cups_server.admin("cupsdisable", QUEUE)
        try:
            qtbot.waitUntil(lambda: core.session.view().state == "out_of_service"
                            or core._availability.get("no_criminal_record") == "docprinter_fault", timeout=20_000)
            assert core._availability["no_criminal_record"] == "docprinter_fault"
        finally:
            cups_server.admin("cupsenable", QUEUE)
        qtbot.waitUntil(lambda: core._availability.get("no_criminal_record") is None, timeout=20_000)
