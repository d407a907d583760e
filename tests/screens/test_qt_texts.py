"""The screens' English is the core's English: Qt, through a real QTranslator on the compiled
kiosk/i18n/kiosk_en.qm, gives for every catalogue code what kiosk.texts.text(code, "en") gives,
and pyside6-lupdate really finds every catalogue entry in kiosk/texts.py."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator

from kiosk import texts
from kiosk.texts import CATALOGUE, CONTEXT, RATING_SCORES, text
from screens.messages import message_text, rating_labels, rating_reason, summary_label
from support.kiosk_ui import QuietRunner

ROOT = Path(__file__).resolve().parents[2]
TOOLS = Path(sys.executable).parent


@pytest.fixture
def english(qapp):
    translator = QTranslator()
    assert translator.load("kiosk_en", str(texts.I18N_DIR)), "no kiosk_en.qm: run script/bootstrap"
    qapp.installTranslator(translator)
    yield translator
    qapp.removeTranslator(translator)


def test_qt_translates_every_code_as_the_core_does(english):
    for code, source in CATALOGUE.items():
        assert english.translate(CONTEXT, source) == text(code, "en"), code
        assert message_text(code) == text(code, "en"), code


def test_the_screens_lookups_in_english(english):
    assert summary_label("id_number") == text("summary.id_number", "en") == "ID number"
    assert summary_label("text:张伟") == "张伟"
    assert rating_labels() == [(score, text(f"rating.{score}", "en")) for score in RATING_SCORES]
    assert rating_reason("slow") == text("rating.reason.slow", "en")
    assert message_text("no_such_code") == "no_such_code" and message_text(None) == ""


def test_without_a_translator_the_screens_show_the_chinese_source(qapp):
    for code, source in CATALOGUE.items():
        assert QCoreApplication.translate(CONTEXT, source) == source == text(code, "zh")


def test_lupdate_extracts_every_catalogue_entry(tmp_path):
    ts = tmp_path / "extracted.ts"
    result = subprocess.run([str(TOOLS / "pyside6-lupdate"), str(ROOT / "kiosk" / "texts.py"),
                             "-source-language", "zh_CN", "-target-language", "en", "-ts", str(ts)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    extracted = [(ctx.findtext("name"), m.findtext("source"))
                 for ctx in ET.parse(ts).getroot().iter("context") for m in ctx.iter("message")]
    assert sorted(extracted) == sorted((CONTEXT, source) for source in CATALOGUE.values())


def test_the_compiled_file_is_as_new_as_its_source():
    ts = texts.I18N_DIR / "kiosk_en.ts"
    qm = ts.with_suffix(".qm")
    assert qm.exists() and qm.stat().st_mtime >= ts.stat().st_mtime, "run script/bootstrap"


# ---- the widgets in English say what the voice says ------------------------------------------
@pytest.fixture
def kiosk_in_english(qtbot):
    from kiosk.config import load_config
    from kiosk.services import build_services
    from kiosk.session import Session
    from screens.app import make_window

    config = load_config()
    session = Session(config, QuietRunner(), build_services(config))
    window = make_window(session, size=(1080, 1920))
    qtbot.addWidget(window)
    session.touch()
    session.set_language("en")
    qtbot.waitUntil(lambda: window.view.state == "home" and window.view.language == "en")
    yield session, window
    session.set_language("zh")  # the translator is the application's: leave it Chinese
    qtbot.waitUntil(lambda: window.view.language == "zh")
    window.shutdown()


def test_screen_and_voice_agree_in_english(qtbot, kiosk_in_english):
    from drivers.idcard.demo_cards import load_demo_card
    from kiosk.identity.policy import PolicyStep
    from kiosk.prompts import spoken_prompt
    from kiosk.visit import ServiceResult

    session, window = kiosk_in_english
    assert window.pages["home"].title.text() == spoken_prompt(session.view(), None) == "Please choose a service"

    session.choose_service("no_criminal_record")
    visit = session.visit
    session.card_read(visit.id, load_demo_card("zhang-wei"))
    session.verify_step(visit.id, PolicyStep("fallback", "fingerprint", "identity_use_fingerprint"))
    verify = window.pages["verify"]
    qtbot.waitUntil(lambda: verify.message.text() == text("identity_use_fingerprint", "en"))
    assert spoken_prompt(session.view(), None) == text("identity_use_fingerprint", "en")
    assert verify.prompt.text() == text("identity_start_fingerprint", "en")

    session.verify_finished(visit.id, PolicyStep("verified", None, "identity_verified"))
    session.choose("purpose", "visa")
    session.confirm()
    session.stage_done(visit.id, "apply", ServiceResult("issued", "NCR-1", "http://c/verify/NCR-1"))
    for stage in ("document", "receipt", "record"):
        session.stage_done(visit.id, stage)
    rate = window.pages["rate"]
    qtbot.waitUntil(lambda: window.view.state == "rate")
    assert rate.question.text() == spoken_prompt(session.view(), None) == "Please rate this service"
    assert rate.headline.text() == "Certificate issued" and rate.detail.text() == "Certificate no.: NCR-1"
    session.rate(1)
    qtbot.waitUntil(lambda: rate.question.text() == text("spoken.rate_reason", "en"))
    before = session.view()
    assert before.rating.needs_reason and spoken_prompt(before, None) == rate.question.text()
    reasons = {name: b.text() for name, b in rate.reasons.buttons.items()}
    assert reasons["slow"] == "Long wait" and reasons["other"] == "Something else"
