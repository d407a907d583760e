"""Every service end to end through the real widgets, and what goes wrong on the way: the ID-card
reader, fingerprint module and barcode scanner emulators on ptys, the receipt printer emulator
over TCP, the A4 printer filing PDFs (read back with poppler), the real outbox and sync, and a
real central on loopback. Only the session's clock is the test's (and, for opening hours, the
site's wall clock).

The identity check is the fingerprint here (`identity.default_methods`), which is quicker than
the face; the face is tests/e2e/test_visit.py's business.
"""

from __future__ import annotations

import getpass
import logging
import os
import subprocess
import sys
import threading
import uuid
from datetime import datetime, timezone

import cv2
import httpx
import numpy as np
import pytest
from pytestqt.exceptions import TimeoutError as QtTimeoutError

from central.server import EmbeddedCentral
from central.stats import stats as central_stats
from common.masking import mask_name
from drivers.docprinter.file_printer import FilePdfPrinter
from drivers.idcard.demo_cards import load_demo_card
from drivers.idcard.photo import decode_photo
from kiosk.central_client import CentralRejected
from kiosk.demo_env import free_port
from kiosk.site_clock import SiteClock
from support.kiosk_ui import (all_texts, central_ratings, central_visit_records, click, running_kiosk, start_visit,
                              verified, wait_delivered, wait_state)
from support.pdf_tools import pdf_text, poppler

NCR, TID, PQ = "no_criminal_record", "temporary_id", "progress_query"
FINGER_FIRST = {"identity.default_methods": ["fingerprint"]}
ZHANG = load_demo_card("zhang-wei")
LI_NA = load_demo_card("li-na")
CHEN = load_demo_card("chen-siyuan")
HUMAN_DELAY_MS = 400  # between a page asking and the citizen acting
PURPOSE = {NCR: ("employment", "就业"), TID: ("travel", "乘机乘车")}


@pytest.fixture(autouse=True)
def no_personal_data_in_logs(caplog):
    """Whatever happens in a visit, no log line carries a name or an ID number in full."""
    caplog.set_level(logging.INFO)
    yield
    secrets = [text for card in (ZHANG, LI_NA, CHEN) for text in (card.name, card.id_number)]
    for record in caplog.records:
        line = record.getMessage()
        assert not any(secret in line for secret in secrets), f"personal data logged by {record.name}: {line}"


# ---- what the citizen does ---------------------------------------------------------------------

def identified(qtbot, env, window, *, until=("choose",)):
    env.place_card()
    verified(qtbot, env, window, until=until)


def through_to_confirm(qtbot, env, window, service):
    start_visit(qtbot, window, service)
    identified(qtbot, env, window)
    purpose, _label = PURPOSE[service]
    qtbot.waitUntil(lambda: purpose in window.pages["choose"].choices.buttons)
    click(qtbot, window.pages["choose"].choices.buttons[purpose])
    wait_state(qtbot, window, "confirm")


def confirmed(qtbot, window, *states, timeout=30_000):
    click(qtbot, window.pages["confirm"].ok)
    return wait_state(qtbot, window, *(states or ("rate",)), timeout=timeout)


def skip_rating_and_finish(qtbot, window):
    click(qtbot, window.pages["rate"].skip)
    wait_state(qtbot, window, "done")
    click(qtbot, window.pages["done"].finish)
    wait_state(qtbot, window, "attract")


def choose_method(qtbot, window, method):
    start_visit(qtbot, window, PQ, first_stage="choose")
    click(qtbot, window.pages["choose"].choices.buttons[method])


def type_keys(qtbot, window, text):
    page = window.pages["enter"]
    for key in text:
        qtbot.waitUntil(lambda k=key: k in page.keys.buttons)
        click(qtbot, page.keys.buttons[key])


def present(qtbot, env, window, code, *, message=None):
    """Hold a code under the scanner as a citizen does: a moment after the page asks for it (a
    code held before the kiosk reads is dropped as stale), once more if it was not taken."""
    for attempt in range(2):
        qtbot.wait(HUMAN_DELAY_MS)
        env.scan(code)
        try:
            qtbot.waitUntil(lambda: window.view.state != "scan" or (message and window.view.message == message),
                            timeout=3_000)
            return
        except QtTimeoutError:
            if attempt:
                raise


def result_actions(window) -> list[str]:
    return list(window.pages["result"].actions.buttons)


def personal(card) -> list[str]:
    return [card.name, mask_name(card.name), card.id_number, card.masked_id]


def assert_nothing_personal(window, *texts):
    shown = all_texts(window)
    for text in texts:
        assert text not in shown, f"{text!r} is still on a widget"


# ---- central, asked directly (as another kiosk's visit would have) -----------------------------

def apply_at_central(core, service, card, purpose="employment") -> dict:
    payload = {"visit_id": f"elsewhere-{uuid.uuid4().hex[:12]}", "id_number": card.id_number, "name": card.name,
               "purpose": purpose}
    if service == TID:
        payload.update(sex=card.sex_name, birth_date=card.birth_date.isoformat(), address=card.address)
    return core.central.call(service, "apply", payload)


def fresh(demo_env, card="zhang-wei", overrides=None, **options):
    return demo_env(card=card, overrides={**FINGER_FIRST, **(overrides or {})}, **options)


def qr_on_page(pdf, tmp_path) -> str:
    """What a phone reads from the printed page's QR code."""
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(tmp_path / "page")],
                   check=True, timeout=30)
    decoded, _points, _ = cv2.QRCodeDetectorAruco().detectAndDecode(cv2.imread(str(tmp_path / "page.png")))
    return decoded


# ==== 无犯罪记录证明 ================================================================================

def test_no_criminal_record_prints_the_certificate_and_the_receipt(qtbot, demo_env, clock, face_worker, tmp_path):
    env = fresh(demo_env)
    with running_kiosk(env, clock, qtbot, face_worker) as (core, window):
        through_to_confirm(qtbot, env, window, NCR)
        view = confirmed(qtbot, window)
        assert (view.outcome, view.document_printed, view.receipt_printed) == ("issued", True, True)
        assert view.reference and view.reference in window.pages["rate"].detail.text()

        # The certificate carries the full name and number; the receipt only the masked ones.
        [pdf] = env.documents()
        text = pdf_text(pdf)
        assert "无犯罪记录证明" in text and view.reference in text and "就业" in text
        assert ZHANG.name in text and ZHANG.id_number in text
        assert mask_name(ZHANG.name) not in text and ZHANG.masked_id not in text
        assert poppler("pdfimages", "-list", str(pdf)).splitlines()[2:] == []  # no photo on this one
        job = env.printer.wait_for_job(timeout=5)
        assert mask_name(ZHANG.name) in job.text and ZHANG.masked_id in job.text
        assert ZHANG.name not in job.text and ZHANG.id_number not in job.text
        assert view.reference in job.text and job.cut
        [qr] = job.qr_codes
        assert qr.startswith(env.central.url) and qr.endswith(f"/verify/{view.reference}")
        assert qr_on_page(pdf, tmp_path) == qr  # paper and receipt point at the same check
        page = httpx.get(qr, timeout=10)
        assert page.status_code == 200 and view.reference in page.text

        click(qtbot, window.pages["rate"].ratings.buttons["5"])
        wait_state(qtbot, window, "done")
        assert "请取回您的身份证和回执" in window.pages["done"].reminder.text()
        click(qtbot, window.pages["done"].finish)
        wait_state(qtbot, window, "attract")
        assert wait_delivered(core, 2)
        [record] = central_visit_records(env)
        assert record["service"] == NCR and record["outcome"] == "completed"
        assert record["document_printed"] is True and record["receipt_printed"] is True
        figures = central_stats(env.central.database_url)["services"][NCR]
        assert (figures["issued"], figures["printed"]) == (1, 1)
        assert figures["ratings"]["distribution"]["5"] == 1


def test_a_person_on_record_is_refused_nothing_printed_and_the_reason_shown(qtbot, demo_env, clock, face_worker):
    env = fresh(demo_env, card="li-na")
    with running_kiosk(env, clock, qtbot, face_worker) as (core, window):
        through_to_confirm(qtbot, env, window, NCR)
        view = confirmed(qtbot, window)
        assert view.outcome == "refused" and view.reference
        page = window.pages["rate"]
        assert page.headline.text() == "暂不能自助开具" and "派出所窗口" in page.detail.text()
        click(qtbot, window.pages["rate"].skip)
        wait_state(qtbot, window, "done")
        assert "派出所窗口" in window.pages["done"].detail.text()
        assert window.pages["done"].reminder.text() == "请取回您的身份证"
        click(qtbot, window.pages["done"].finish)
        wait_state(qtbot, window, "attract")
        assert env.documents() == [] and env.printer.jobs == []
        assert wait_delivered(core, 1)
        [record] = central_visit_records(env)
        assert record["result"]["outcome"] == "refused" and record["document_printed"] is None
        assert record["result"]["reference"] == view.reference  # the application central refused
        assert central_stats(env.central.database_url)["services"][NCR]["refused"] == 1


def test_central_down_the_application_is_accepted_offline_and_synced_later(qtbot, demo_env, clock, face_worker):
    env = fresh(demo_env)
    with running_kiosk(env, clock, qtbot, face_worker) as (core, window):
        through_to_confirm(qtbot, env, window, NCR)
        port = int(env.central.url.rsplit(":", 1)[1])
        env.central.stop()
        view = confirmed(qtbot, window)
        assert view.outcome == "accepted_offline" and view.reference
        assert env.documents() == []  # nothing is certified without central
        job = env.printer.wait_for_job(timeout=5)
        assert "申请已受理" in job.text and job.qr_codes == [view.reference]
        assert ZHANG.id_number not in job.text
        skip_rating_and_finish(qtbot, window)
        assert core.outbox.stats()["pending"] + core.outbox.stats()["in_flight"] == 1

        restarted = EmbeddedCentral(env.central.database_url, dev=True, port=port).start()
        try:
            assert wait_delivered(core, 1, timeout=30)
            [record] = central_visit_records(env)
            assert record["result"]["reference"] == view.reference
            # central keeps whose it is, but only masked and as a keyed hash
            assert "id_number" not in record["applicant"] and record["applicant"]["id_masked"] == ZHANG.masked_id
            figures = central_stats(env.central.database_url)["services"][NCR]
            assert figures["issued"] == 1 and figures["printed"] == 0  # decided once it arrived
        finally:
            restarted.stop()


def test_a4_printer_out_of_paper_greys_the_certificate_tiles_with_the_reason(qtbot, demo_env, clock, face_worker):
    env = fresh(demo_env)
    a4 = FilePdfPrinter(env.documents_dir)
    with running_kiosk(env, clock, qtbot, face_worker) as (core, window):
        wait_state(qtbot, window, "attract")
        a4.inject_fault("paper_out")
        click(qtbot, window.pages["attract"])
        wait_state(qtbot, window, "home")
        tiles = window.pages["home"].tiles
        qtbot.waitUntil(lambda: not tiles.buttons[NCR].isEnabled(), timeout=10_000)
        assert "暂不可用：证明打印机缺纸" in tiles.buttons[NCR].text()
        assert not tiles.buttons[TID].isEnabled() and "证明打印机缺纸" in tiles.buttons[TID].text()
        assert tiles.buttons[PQ].isEnabled()  # it prints only when a reprint is asked for
        a4.inject_fault(None)
        qtbot.waitUntil(lambda: tiles.buttons[NCR].isEnabled() and tiles.buttons[TID].isEnabled(), timeout=10_000)


def test_a4_printer_failing_mid_visit_then_reprinted_once_from_progress_query(qtbot, demo_env, clock, face_worker):
    env = fresh(demo_env)
    a4 = FilePdfPrinter(env.documents_dir)
    with running_kiosk(env, clock, qtbot, face_worker) as (core, window):
        through_to_confirm(qtbot, env, window, NCR)
        a4.inject_fault("paper_out")  # after the tile was chosen: the visit goes on
        view = confirmed(qtbot, window)
        assert (view.outcome, view.document_printed, view.receipt_printed) == ("issued", False, True)
        number = view.reference
        assert view.message == "document_not_printed" and "补打" in window.pages["rate"].message.text()
        assert env.documents() == []
        job = env.printer.wait_for_job(timeout=5)
        assert "证明未能打印" in job.text and "补打" in job.text and number in job.text
        skip_rating_and_finish(qtbot, window)
        assert wait_delivered(core, 1)
        [record] = central_visit_records(env)
        assert record["document_printed"] is False and record["result"]["reference"] == number
        a4.inject_fault(None)

        # With the card, the progress query shows it unprinted and offers the reprint.
        choose_method(qtbot, window, "card")
        wait_state(qtbot, window, "identify")
        identified(qtbot, env, window, until=("result",))
        qtbot.waitUntil(lambda: f"reprint:{number}" in result_actions(window))
        assert "未打印，可补打" in all_texts(window)
        click(qtbot, window.pages["result"].actions.buttons[f"reprint:{number}"])
        view = wait_state(qtbot, window, "rate", timeout=30_000)
        assert view.document_printed is True
        [pdf] = env.documents()
        text = pdf_text(pdf)
        assert number in text and ZHANG.name in text and ZHANG.id_number in text and "就业" in text
        skip_rating_and_finish(qtbot, window)
        env.lift_card()
        assert wait_delivered(core, 2)
        assert central_stats(env.central.database_url)["services"][NCR]["printed"] == 1

        # Printed now: a second reprint is not offered, and central refuses one asked for anyway.
        choose_method(qtbot, window, "card")
        wait_state(qtbot, window, "identify")
        identified(qtbot, env, window, until=("result",))
        qtbot.waitUntil(lambda: "finish" in result_actions(window))
        assert result_actions(window) == ["finish"]
        assert "已开具，已打印" in all_texts(window)
        with pytest.raises(CentralRejected) as refused:
            core.central.call(PQ, "reprint", {"visit_id": "another-visit", "reference": number,
                                               "id_number": ZHANG.id_number})
        assert "409" in str(refused.value)
        click(qtbot, window.pages["result"].actions.buttons["finish"])
        wait_state(qtbot, window, "rate")
        skip_rating_and_finish(qtbot, window)
        assert len(env.documents()) == 1


def test_a_certificate_that_outlasts_its_steps_ceiling_is_not_printed_for_nobody(
        qtbot, demo_env, clock, face_worker, monkeypatch, caplog):
    """A loaded machine: rendering the page takes longer than the stage's ceiling. The visit fails,
    the citizen leaves, and the page that comes out of the render afterwards is not printed."""
    import kiosk.documents

    rendering, release = threading.Event(), threading.Event()
    render = kiosk.documents.render_pdf

    def slow_render(document):
        rendering.set()
        release.wait(30)
        return render(document)

    monkeypatch.setattr(kiosk.documents, "render_pdf", slow_render)
    env = fresh(demo_env)
    with running_kiosk(env, clock, qtbot, face_worker) as (core, window):
        through_to_confirm(qtbot, env, window, NCR)
        click(qtbot, window.pages["confirm"].ok)
        qtbot.waitUntil(rendering.is_set, timeout=30_000)
        clock.now += env.config.timeouts.working_s + 1
        core.session.tick()
        view = wait_state(qtbot, window, "done")
        assert view.message == "machine_timeout"
        click(qtbot, window.pages["done"].finish)
        wait_state(qtbot, window, "attract")
        release.set()
        qtbot.waitUntil(lambda: "before it printed: not printed" in caplog.text, timeout=30_000)
        assert env.documents() == [] and env.printer.jobs == []
        assert "job run failed" not in caplog.text
        assert wait_delivered(core, 1)
        [record] = central_visit_records(env)
        # Issued at central, never printed: the progress query offers the reprint.
        assert record["result"]["outcome"] == "issued" and record["document_printed"] is None
        choose_method(qtbot, window, "card")
        wait_state(qtbot, window, "identify")
        identified(qtbot, env, window, until=("result",))
        qtbot.waitUntil(lambda: f"reprint:{record['result']['reference']}" in result_actions(window))


def test_receipt_printer_out_of_paper_mid_visit(qtbot, demo_env, clock, face_worker):
    env = fresh(demo_env)
    with running_kiosk(env, clock, qtbot, face_worker) as (core, window):
        through_to_confirm(qtbot, env, window, NCR)
        env.printer.handle_control({"op": "fault", "kind": "paper_out"})
        view = confirmed(qtbot, window)
        assert (view.outcome, view.document_printed, view.receipt_printed) == ("issued", True, False)
        assert view.message == "receipt_not_printed" and "回执未能打印" in window.pages["rate"].message.text()
        assert len(env.documents()) == 1 and env.printer.jobs == []
        skip_rating_and_finish(qtbot, window)
        assert wait_delivered(core, 1)
        [record] = central_visit_records(env)
        assert record["receipt_printed"] is False and record["document_printed"] is True
        # and the tiles that print receipts wait for paper
        click(qtbot, window.pages["attract"])
        wait_state(qtbot, window, "home")
        tiles = window.pages["home"].tiles
        qtbot.waitUntil(lambda: not tiles.buttons[NCR].isEnabled(), timeout=10_000)
        assert "打印机缺纸" in tiles.buttons[NCR].text()


# ==== 临时身份证明 ==================================================================================

def test_temporary_id_prints_the_certificate_with_the_card_photo(qtbot, demo_env, clock, face_worker, tmp_path):
    env = fresh(demo_env)
    with running_kiosk(env, clock, qtbot, face_worker) as (core, window):
        through_to_confirm(qtbot, env, window, TID)
        view = confirmed(qtbot, window)
        assert (view.outcome, view.document_printed, view.receipt_printed) == ("issued", True, True)
        assert view.reference.startswith("TID")
        [pdf] = env.documents()
        text = pdf_text(pdf)
        assert "临时身份证明" in text and view.reference in text and "乘机乘车" in text
        assert ZHANG.name in text and ZHANG.id_number in text and "".join(ZHANG.address.split()) in text
        [image] = poppler("pdfimages", "-list", str(pdf)).splitlines()[2:]  # the photo (the QR is drawn)
        photo = decode_photo(ZHANG.photo)
        assert image.split()[3:5] == [str(photo.shape[1]), str(photo.shape[0])]
        poppler("pdfimages", "-png", str(pdf), str(tmp_path / "photo"))
        printed = cv2.imread(str(tmp_path / "photo-000.png"))
        assert printed.shape == photo.shape and np.abs(printed.astype(int) - photo.astype(int)).mean() < 2
        job = env.printer.wait_for_job(timeout=5)
        assert "有效期至" in job.text and ZHANG.masked_id in job.text and ZHANG.id_number not in job.text
        assert job.qr_codes[0].endswith(f"/verify/{view.reference}")
        skip_rating_and_finish(qtbot, window)
        assert wait_delivered(core, 1)
        assert central_stats(env.central.database_url)["services"][TID]["printed"] == 1


def test_temporary_id_is_refused_plainly_when_central_is_down(qtbot, demo_env, clock, face_worker):
    env = fresh(demo_env)
    with running_kiosk(env, clock, qtbot, face_worker) as (core, window):
        through_to_confirm(qtbot, env, window, TID)
        env.central.stop()
        view = confirmed(qtbot, window, "done")
        assert view.message == "central_unreachable" and view.outcome is None
        assert "暂时无法连接公安业务系统" in window.pages["done"].message.text()
        assert env.documents() == [] and env.printer.jobs == []
        click(qtbot, window.pages["done"].finish)
        wait_state(qtbot, window, "attract")
        click(qtbot, window.pages["attract"])
        wait_state(qtbot, window, "home")
        tiles = window.pages["home"].tiles
        qtbot.waitUntil(lambda: TID in tiles.buttons and not tiles.buttons[TID].isEnabled(), timeout=15_000)
        assert "暂时无法连接公安业务系统" in tiles.buttons[TID].text()
        assert tiles.buttons[NCR].isEnabled()  # that one accepts applications for later


# ==== 业务进度查询 ==================================================================================

def test_progress_by_card_lists_that_persons_applications(qtbot, demo_env, clock, face_worker):
    env = fresh(demo_env)
    with running_kiosk(env, clock, qtbot, face_worker) as (core, window):
        wait_state(qtbot, window, "attract")
        mine = [apply_at_central(core, NCR, ZHANG)["reference"],
                apply_at_central(core, TID, ZHANG, "travel")["reference"]]
        theirs = apply_at_central(core, NCR, CHEN)["reference"]
        choose_method(qtbot, window, "card")
        wait_state(qtbot, window, "identify")
        identified(qtbot, env, window, until=("result",))
        shown = all_texts(window)
        assert f"无犯罪记录证明 {mine[0]}" in shown and f"临时身份证明 {mine[1]}" in shown
        assert theirs not in shown
        assert ZHANG.id_number not in shown and ZHANG.name not in shown
        assert set(result_actions(window)) == {f"reprint:{mine[0]}", f"reprint:{mine[1]}", "finish"}
        click(qtbot, window.pages["result"].actions.buttons["finish"])
        wait_state(qtbot, window, "rate")
        skip_rating_and_finish(qtbot, window)
        assert env.documents() == []
        assert wait_delivered(core, 1)
        [record] = central_visit_records(env)
        assert record["method"] == "card" and record["applications"] == 2


def test_progress_by_receipt_qr_shows_the_state_and_nothing_personal(qtbot, demo_env, clock, face_worker):
    env = fresh(demo_env)
    with running_kiosk(env, clock, qtbot, face_worker) as (core, window):
        wait_state(qtbot, window, "attract")
        answer = apply_at_central(core, NCR, ZHANG)
        choose_method(qtbot, window, "qr")
        wait_state(qtbot, window, "scan")
        assert "请扫描回执上的二维码" in window.pages["scan"].title.text()
        present(qtbot, env, window, answer["verify_url"])
        wait_state(qtbot, window, "result", timeout=15_000)
        qtbot.waitUntil(lambda: result_actions(window) == ["finish"])  # no reprint without the card
        shown = all_texts(window)
        assert answer["certificate_no"] in shown and "已开具" in shown
        assert_nothing_personal(window, *personal(ZHANG))
        click(qtbot, window.pages["result"].actions.buttons["finish"])
        wait_state(qtbot, window, "rate")
        skip_rating_and_finish(qtbot, window)
        assert env.documents() == [] and env.printer.jobs == []


def test_progress_by_typed_number_refuses_bad_input_then_finds_it(qtbot, demo_env, clock, face_worker):
    env = fresh(demo_env)
    with running_kiosk(env, clock, qtbot, face_worker) as (core, window):
        wait_state(qtbot, window, "attract")
        number = apply_at_central(core, TID, ZHANG, "lodging")["certificate_no"]
        choose_method(qtbot, window, "number")
        wait_state(qtbot, window, "enter")
        page = window.pages["enter"]
        click(qtbot, page.ok)  # nothing typed
        qtbot.waitUntil(lambda: page.message.text() == "请先输入")
        type_keys(qtbot, window, number[:3])
        qtbot.waitUntil(lambda: page.value.text() == number[:3])
        assert page.message.text() == ""  # typing clears the error
        click(qtbot, page.ok)  # too short to be a number
        qtbot.waitUntil(lambda: page.message.text() == "编号应为4至32位字母或数字")
        assert window.view.state == "enter"
        type_keys(qtbot, window, "X")
        click(qtbot, page.delete)
        type_keys(qtbot, window, number[3:])
        qtbot.waitUntil(lambda: page.value.text() == number)
        click(qtbot, page.ok)
        wait_state(qtbot, window, "result", timeout=15_000)
        assert f"临时身份证明 {number}" in all_texts(window)
        assert result_actions(window) == ["finish"]


def test_progress_scanner_garbage_asks_to_scan_again(qtbot, demo_env, clock, face_worker):
    env = fresh(demo_env)
    with running_kiosk(env, clock, qtbot, face_worker) as (core, window):
        wait_state(qtbot, window, "attract")
        answer = apply_at_central(core, NCR, ZHANG)
        choose_method(qtbot, window, "qr")
        wait_state(qtbot, window, "scan")
        env.scanner.set_fault("garbage", times=1)
        present(qtbot, env, window, answer["verify_url"], message="scan_again")
        assert "重新扫描" in window.pages["scan"].message.text()
        assert window.view.state == "scan"
        present(qtbot, env, window, answer["verify_url"])
        wait_state(qtbot, window, "result", timeout=15_000)
        assert answer["certificate_no"] in all_texts(window)


def test_progress_a_code_that_is_not_ours_gets_a_clear_message(qtbot, demo_env, clock, face_worker):
    env = fresh(demo_env)
    with running_kiosk(env, clock, qtbot, face_worker) as (core, window):
        choose_method(qtbot, window, "qr")
        wait_state(qtbot, window, "scan")
        present(qtbot, env, window, "https://shop.example.com/item/12-34?ref=poster")
        view = wait_state(qtbot, window, "done", timeout=15_000)
        assert view.message == "code_not_ours"
        assert "不是本机回执上的二维码" in window.pages["done"].message.text()
        click(qtbot, window.pages["done"].finish)
        wait_state(qtbot, window, "attract")

        # A number in our form that central does not know: found nothing, said so.
        choose_method(qtbot, window, "qr")
        wait_state(qtbot, window, "scan")
        present(qtbot, env, window, "NCR20260101ZZZZZZZZ")
        wait_state(qtbot, window, "result", timeout=15_000)
        assert "未查询到办理记录" in all_texts(window)


def test_progress_with_the_scanner_unplugged_the_card_still_works(qtbot, demo_env, clock, face_worker):
    env = fresh(demo_env)
    with running_kiosk(env, clock, qtbot, face_worker) as (core, window):
        wait_state(qtbot, window, "attract")
        number = apply_at_central(core, NCR, ZHANG)["reference"]
        env.scanner.set_fault("unplugged")
        qtbot.waitUntil(lambda: not core.devices.statuses()["scanner"].usable, timeout=15_000)
        # Picking the receipt way anyway: told to use the card instead.
        choose_method(qtbot, window, "qr")
        wait_state(qtbot, window, "scan")
        qtbot.waitUntil(lambda: window.view.message == "scanner_fault", timeout=15_000)
        assert "请改用身份证查询" in window.pages["scan"].message.text()
        click(qtbot, window.cancel)
        wait_state(qtbot, window, "attract")
        choose_method(qtbot, window, "card")
        wait_state(qtbot, window, "identify")
        identified(qtbot, env, window, until=("result",))
        assert number in all_texts(window)


# ==== 好差评 =======================================================================================

def scanned_to_rate(qtbot, env, window, code):
    choose_method(qtbot, window, "qr")
    wait_state(qtbot, window, "scan")
    present(qtbot, env, window, code)
    wait_state(qtbot, window, "result", timeout=15_000)
    qtbot.waitUntil(lambda: "finish" in result_actions(window))
    click(qtbot, window.pages["result"].actions.buttons["finish"])
    wait_state(qtbot, window, "rate")


def test_ratings_the_two_lowest_ask_why_and_all_reach_central(qtbot, demo_env, clock, face_worker):
    env = fresh(demo_env)
    with running_kiosk(env, clock, qtbot, face_worker) as (core, window):
        wait_state(qtbot, window, "attract")
        code = apply_at_central(core, NCR, ZHANG)["verify_url"]
        page = window.pages["rate"]
        for level, reason in ((1, "slow"), (2, "device_problem")):
            scanned_to_rate(qtbot, env, window, code)
            click(qtbot, page.ratings.buttons[str(level)])
            qtbot.waitUntil(lambda: reason in page.reasons.buttons)
            assert page.question.text() == "请告诉我们不满意的原因" and page.ratings.buttons == {}
            assert window.view.state == "rate"  # kept only once a reason is picked
            click(qtbot, page.reasons.buttons[reason])
            wait_state(qtbot, window, "done")
            click(qtbot, window.pages["done"].finish)
            wait_state(qtbot, window, "attract")
        scanned_to_rate(qtbot, env, window, code)
        click(qtbot, page.ratings.buttons["3"])  # 基本满意: no reason asked
        wait_state(qtbot, window, "done")
        click(qtbot, window.pages["done"].finish)
        scanned_to_rate(qtbot, env, window, code)
        skip_rating_and_finish(qtbot, window)

        assert wait_delivered(core, 4 + 3)
        assert sorted(central_ratings(env)) == [(PQ, 1, "slow"), (PQ, 2, "device_problem"), (PQ, 3, None)]
        ratings = central_stats(env.central.database_url)["services"][PQ]["ratings"]
        assert ratings["count"] == 3 and ratings["mean"] == 2.0


def test_a_service_configured_without_rating_skips_the_stage(qtbot, demo_env, clock, face_worker):
    env = fresh(demo_env)
    env.config.service(PQ).rating = False
    with running_kiosk(env, clock, qtbot, face_worker) as (core, window):
        states = []
        core.session.subscribe(lambda view: states.append(view.state))
        wait_state(qtbot, window, "attract")
        code = apply_at_central(core, NCR, ZHANG)["verify_url"]
        choose_method(qtbot, window, "qr")
        wait_state(qtbot, window, "scan")
        present(qtbot, env, window, code)
        wait_state(qtbot, window, "result", timeout=15_000)
        qtbot.waitUntil(lambda: "finish" in result_actions(window))
        click(qtbot, window.pages["result"].actions.buttons["finish"])
        wait_state(qtbot, window, "done")
        click(qtbot, window.pages["done"].finish)
        wait_state(qtbot, window, "attract")
        assert "rate" not in states
        assert wait_delivered(core, 1)
        assert central_ratings(env) == []


# ==== walking away ================================================================================

def walk_away(qtbot, core, window, clock):
    """Nobody touches the screen: the "need more time?" prompt, unanswered, then the deadline
    (and whatever deadlines follow) pass on the session's clock."""
    session, timeouts = core.session, core.config.timeouts
    if session.state != "done":  # done has no prompt: it just goes back
        clock.now += session.view().countdown - timeouts.warning_s + 1
        session.tick()
        qtbot.waitUntil(window.prompt.isVisible)
        assert "需要更多时间吗" in window.prompt.question.text()
    for _ in range(6):
        if session.state == "attract":
            break
        clock.now += (session.view().countdown or 0) + 1
        session.tick()
    wait_state(qtbot, window, "attract")
    assert session.visit is None and not window.prompt.isVisible()


def to_certificate_stage(qtbot, env, window, service, stage):
    start_visit(qtbot, window, service)
    if stage == "identify":
        return
    env.place_card()
    if stage == "verify":
        qtbot.waitUntil(lambda: window.view.state == "verify" and window.view.message == "identity_start_fingerprint",
                        timeout=15_000)
        return
    verified(qtbot, env, window)
    if stage == "choose":
        return
    click(qtbot, window.pages["choose"].choices.buttons[PURPOSE[service][0]])
    wait_state(qtbot, window, "confirm")
    if stage == "confirm":
        return
    confirmed(qtbot, window)
    if stage == "rate":
        return
    click(qtbot, window.pages["rate"].skip)
    wait_state(qtbot, window, "done")


TYPED = "Q7X9K2"


def to_progress_stage(qtbot, env, window, stage, number):
    if stage in ("scan", "enter"):
        choose_method(qtbot, window, "qr" if stage == "scan" else "number")
        wait_state(qtbot, window, stage)
        if stage == "enter":
            type_keys(qtbot, window, TYPED)
            qtbot.waitUntil(lambda: window.pages["enter"].value.text() == TYPED)
        return
    start_visit(qtbot, window, PQ, first_stage="choose")
    if stage == "choose":
        return
    click(qtbot, window.pages["choose"].choices.buttons["card"])
    wait_state(qtbot, window, "identify")
    if stage == "identify":
        return
    env.place_card()
    if stage == "verify":
        qtbot.waitUntil(lambda: window.view.state == "verify" and window.view.message == "identity_start_fingerprint",
                        timeout=15_000)
        return
    verified(qtbot, env, window, until=("result",))
    qtbot.waitUntil(lambda: f"reprint:{number}" in result_actions(window))
    if stage == "result":
        return
    click(qtbot, window.pages["result"].actions.buttons["finish"])
    wait_state(qtbot, window, "rate")
    if stage == "rate":
        return
    click(qtbot, window.pages["rate"].skip)
    wait_state(qtbot, window, "done")


STAGES = {
    NCR: ("identify", "verify", "choose", "confirm", "rate", "done"),
    TID: ("identify", "verify", "choose", "confirm", "rate", "done"),
    PQ: ("choose", "identify", "verify", "scan", "enter", "result", "rate", "done"),
}


@pytest.mark.parametrize("service", [NCR, TID, PQ])
def test_walking_away_at_every_stage_leaves_nothing_behind(qtbot, demo_env, clock, face_worker, service):
    env = fresh(demo_env)
    with running_kiosk(env, clock, qtbot, face_worker) as (core, window):
        wait_state(qtbot, window, "attract")
        number = apply_at_central(core, NCR, ZHANG)["reference"] if service == PQ else None
        for stage in STAGES[service]:
            if service == PQ:
                to_progress_stage(qtbot, env, window, stage, number)
            else:
                to_certificate_stage(qtbot, env, window, service, stage)
            assert window.view.state == stage
            if stage == "confirm":
                assert ZHANG.masked_id in all_texts(window)  # what the wipe must take away
            if stage == "enter":
                assert TYPED in all_texts(window)
            walk_away(qtbot, core, window, clock)
            assert_nothing_personal(window, *personal(ZHANG), TYPED)
            env.lift_card()
            env.lift_finger()
        assert wait_delivered(core, len(STAGES[service]))
        outcomes = [r["outcome"] for r in central_visit_records(env)]
        # Walking away ends the visit at once, even from a result (the list of applications must
        # not wait on the screen); past the record, at the rating or done, the visit was completed.
        assert outcomes.count("timeout") == sum(s not in ("rate", "done") for s in STAGES[service])


# ==== opening hours ================================================================================

def test_a_service_outside_its_hours_is_greyed_with_its_hours(qtbot, demo_env, clock, face_worker):
    env = fresh(demo_env)
    env.config.service(TID).hours = ["08:30-12:00", "13:30-17:30"]
    now = [datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)]  # 20:00 in Beijing
    site = SiteClock("Asia/Shanghai", now=lambda: now[0])
    with running_kiosk(env, clock, qtbot, face_worker, site_clock=site) as (core, window):
        wait_state(qtbot, window, "attract")
        click(qtbot, window.pages["attract"])
        wait_state(qtbot, window, "home")
        tiles = window.pages["home"].tiles
        qtbot.waitUntil(lambda: TID in tiles.buttons and not tiles.buttons[TID].isEnabled())
        assert "办理时间：08:30-12:00，13:30-17:30" in tiles.buttons[TID].text()
        assert tiles.buttons[NCR].isEnabled() and tiles.buttons[PQ].isEnabled()
        now[0] = datetime(2026, 12, 2, 1, 30, tzinfo=timezone.utc)  # 09:30
        core.refresh_availability()
        qtbot.waitUntil(lambda: tiles.buttons[TID].isEnabled())
        now[0] = datetime(2026, 12, 2, 4, 30, tzinfo=timezone.utc)  # 12:30, the lunch break
        core.refresh_availability()
        qtbot.waitUntil(lambda: not tiles.buttons[TID].isEnabled())


# ==== the scripted demo ============================================================================

@pytest.mark.slow
# The front door, once with the A4 printer and once at the camera (the other services' widgets are
# driven by the tests above; each run here costs a whole demo start, ~45 s on a loaded 2-core machine).
# The technician's tour rides on the first run rather than costing a demo start of its own.
@pytest.mark.parametrize("service, document, technician", [(NCR, "无犯罪记录证明", True), ("id_photo", None, False)])
def test_scripted_demo_of_each_service(tmp_path, service, document, technician):
    out = tmp_path / "out"
    command = ["xvfb-run", "-a", "-s", "-screen 0 1080x1920x24 -nolisten tcp",
               sys.executable, "-m", "kiosk.cli", "demo", "--scripted", "--service", service, "--out", str(out),
               # not the default 9100, which every demo on this machine tries first
               "--printer-port", str(free_port())] + (["--technician"] if technician else [])
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path,
                          env={**os.environ, "QT_QPA_PLATFORM": "xcb"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    shots = sorted(out.glob("*.png"))
    assert len(shots) >= 5 and any("rate" in p.name for p in shots), [p.name for p in shots]
    assert "---- receipt received by the printer emulator ----" in done.stdout
    pdfs = sorted((out / "documents").glob("*.pdf"))
    if document:
        [pdf] = pdfs
        assert document in pdf_text(pdf)
    else:  # the ID photo: no A4 page, the accepted photo in the output folder
        assert pdfs == []
        [photo] = out.glob("*photo.jpg")
        assert photo.read_bytes()[:3] == b"\xff\xd8\xff" and 14 * 1024 <= photo.stat().st_size <= 20_000
    assert f"demo: {service}: " in done.stderr
    assert "demo: technicians' console: kiosk diag --config " in done.stderr
    if technician:
        assert_technician_tour_reached_central(done.stdout, out)
        assert_console_tour_saw_and_fixed_the_fault(done.stderr)
    else:
        assert "audit trail at central" not in done.stdout


def assert_console_tour_saw_and_fixed_the_fault(stderr: str) -> None:
    """The console's steps as the demo printed them: the fault through the printer emulator's
    control port, seen in the running kiosk's overview, cleared, the printer back, its test passed."""
    steps = [line.split("demo: console: ", 1)[1] for line in stderr.splitlines() if "demo: console: " in line]
    assert [step.split(" → ")[0].split(" '")[0].split(" --port")[0] for step in steps] == [
        "kiosk emulate control", "kiosk diag status", "kiosk emulate control", "kiosk diag reconnect printer",
        "kiosk diag selftest printer", "kiosk diag service off --message", "kiosk diag service on"]
    assert all(" → exit 0" in step for step in steps), steps
    assert "printer hardware_error" in steps[1]
    assert "(printer online)" in steps[3] and "(passed: " in steps[4]


def assert_technician_tour_reached_central(stdout: str, out) -> None:
    """Each step of the screen's technician and of the console, as the demo read it back from
    central's audit trail."""
    lines = stdout.split("audit trail at central: ", 1)[1].splitlines()[1:]
    steps = []
    for line in lines:
        if not line.startswith("  "):
            break
        _at, actor, action, outcome = line.split()[:4]
        steps.append((actor, action, outcome))
    screen = [("technician", action, "done") for action in (
        "enter", "emulator_control", "emulator_control", "reconnect", "self_test", "service_off", "exit",
        "enter", "service_on", "exit")]
    console = [(f"console:{getpass.getuser()}", action, "done")
               for action in ("status", "reconnect", "self_test", "service_off", "service_on")]
    assert steps == screen + console
    assert "[device=printer op=fault kind=paper_out]" in stdout
    assert "self_test done [device=printer state=passed]" in stdout
    assert f"console:{getpass.getuser()} reconnect done [device=printer state=online]" in stdout
    assert f"console:{getpass.getuser()} self_test done [device=printer state=passed]" in stdout
    shots = {p.name.split("-", 1)[1] for p in out.glob("*technician-*.png")}
    assert {"technician-printer-fault.png", "technician-printer-self-test.png",
            "technician-citizens-out-of-service.png", "technician-console-citizens-out-of-service.png"} <= shots
