"""The one text catalogue (kiosk/texts.py): every code the core can publish has Chinese and
English, the English comes from the Linguist file the widgets use, and no other (zh, en) table
is left in kiosk/ or screens/."""

from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from drivers.base import DeviceState, DeviceStatus
from kiosk import texts
from kiosk.config import load_config
from kiosk.core import device_reason
from kiosk.texts import CATALOGUE, codes, text, translation

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
PRINTERS = ("printer", "docprinter")  # only printers report paper and cover (drivers/printer)


# ---- what the core publishes ------------------------------------------------------------------
# Where kiosk/ hands a message code to the session or the screens: the argument that carries it.
PUBLISHING_CALLS = {"identify_problem": -1, "stage_problem": -1, "stage_failed": -1, "scan_problem": -1,
                    "_finish_with": -1, "_fail": -1, "ServiceRefused": 0, "PolicyStep": 2}
RETURNING_CODES = {"entry_error", "plate_error", "_retry_message", "_unavailable_reason", "refresh_availability"}
SHARED_RULES = ("common/plates.py",)  # rules in common/ whose codes the kiosk shows (kiosk/inputs.py)
CODE_TABLES = {"PROBLEMS", "_START", "_SWITCH"}
CODE_MODULES = {"kiosk/identity/quality.py", "kiosk/identity/liveness.py",  # guidance, challenges
                "kiosk/identity/photo_checks.py"}  # ID photo guidance
MESSAGE_ATTRIBUTES = {"_message", "_carry"}


def _strings(node):
    """String constants an expression may evaluate to (through `a if c else b`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body)
        yield from _strings(node.orelse)


def _call_name(call: ast.Call) -> str | None:
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)


def published_codes() -> dict[str, str]:
    """Message code → where kiosk/ publishes it, read from the source."""
    found = {}
    for path in sorted((ROOT / "kiosk").rglob("*.py")) + [ROOT / rule for rule in SHARED_RULES]:
        where = str(path.relative_to(ROOT))
        if where == "kiosk/texts.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            values = []
            if isinstance(node, ast.Call) and _call_name(node) in PUBLISHING_CALLS:
                index = PUBLISHING_CALLS[_call_name(node)]
                if node.args and -len(node.args) <= index < len(node.args):
                    values.append(node.args[index])
                values += [kw.value for kw in node.keywords if kw.arg == "message"]
            elif (isinstance(node, ast.Call) and _call_name(node) == "get" and len(node.args) == 2
                  and getattr(node.func.value, "id", None) in CODE_TABLES):
                values.append(node.args[1])  # a table's default code
            elif isinstance(node, ast.FunctionDef) and node.name in RETURNING_CODES:
                values += [n.value for n in ast.walk(node) if isinstance(n, (ast.Return, ast.Assign)) and n.value]
            elif isinstance(node, ast.Assign):
                targets = {getattr(t, "id", None) or getattr(t, "attr", None) for t in node.targets}
                if targets & CODE_TABLES and isinstance(node.value, ast.Dict):
                    values += node.value.values
                elif targets & MESSAGE_ATTRIBUTES:
                    values.append(node.value)
                elif where in CODE_MODULES and node in tree.body:
                    values += node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            for value in values:
                for code in _strings(value):
                    found.setdefault(code, f"{where}:{value.lineno}")
    return found


def test_the_source_scan_finds_the_codes_it_should():
    """The scan below is only as good as its patterns: it must see a code of every kind."""
    found = published_codes()
    for code in ("place_card", "card_expired", "central_rejected", "receipt_not_printed", "record_failed",
                 "scan_again", "code_not_ours", "phone_invalid", "service_unavailable", "machine_timeout",
                 "identity_start_face", "identity_locked", "identity_retry_liveness", "no_face", "turn_left",
                 "queue_full", "closed", "no_service_available", "central_unreachable", "machine_error",
                 "device_action_failed"):
        assert code in found, code
    assert len(found) >= 49


def test_every_code_the_core_publishes_has_chinese_and_english():
    missing = {code: where for code, where in published_codes().items()
               if code not in CATALOGUE or translation(code, "en") is None}
    assert missing == {}


def test_every_device_reason_has_chinese_and_english():
    devices = set(load_config().devices)
    assert devices == {"idcard", "printer", "camera", "fingerprint", "docprinter", "scanner", "dispenser"}
    reasons = set()
    for device in devices:
        reasons.add(device_reason(device, None))
        reasons.add(device_reason(device, DeviceStatus(device, DeviceState.OFFLINE)))
        reasons.add(device_reason(device, DeviceStatus(device, DeviceState.HARDWARE_ERROR)))
    for device in PRINTERS:
        reasons.add(device_reason(device, DeviceStatus(device, DeviceState.USER_ERROR, detail={"paper": "out"})))
        reasons.add(device_reason(device, DeviceStatus(device, DeviceState.USER_ERROR, detail={"cover": "open"})))
    assert len(reasons) == 2 * len(devices) + 2 * len(PRINTERS)
    for code in reasons:
        assert code in codes("availability"), code
        assert text(code, "zh") and translation(code, "en"), code


def test_what_the_screens_and_the_voice_ask_for_is_in_the_catalogue():
    session = (ROOT / "kiosk" / "session.py").read_text(encoding="utf-8")
    reasons = re.search(r"^RATING_REASONS = \((.*)\)$", session, re.M).group(1)
    for reason in re.findall(r'"(\w+)"', reasons):
        assert f"rating.reason.{reason}" in CATALOGUE
    for score in texts.RATING_SCORES:
        assert f"rating.{score}" in CATALOGUE
    for label in ("service", "name", "id_number"):
        assert f"summary.{label}" in CATALOGUE
    for state in ("home", "identify", "scan", "confirm", "ask", "print_receipt", "print_document",
                  "result", "rate", "done", "out_of_service", "more_time", "rate_reason"):
        assert f"spoken.{state}" in CATALOGUE


# ---- the catalogue and its English ------------------------------------------------------------
@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_code_has_chinese_and_a_real_english_translation(code):
    zh, en = text(code, "zh"), translation(code, "en")
    assert CJK.search(zh), f"{code}: the source should be Chinese"
    assert en is not None, f"{code}: no English in kiosk/i18n/kiosk_en.ts (script/update-translations)"
    assert en.strip() and not CJK.search(en.replace("京", "").replace("“", "").replace("”", "")), en
    assert text(code, "en") == en


def test_one_source_text_per_code():
    """Qt finds a translation by (context, source): two codes with one source would share it."""
    sources = list(CATALOGUE.values())
    assert len(sources) == len(set(sources))


def test_the_linguist_file_is_complete():
    root = ET.parse(texts.I18N_DIR / "kiosk_en.ts").getroot()
    assert root.get("language") == "en" and root.get("sourcelanguage") == "zh_CN"
    left = [(ctx.findtext("name"), m.findtext("source"))
            for ctx in root.iter("context") for m in ctx.iter("message")
            if m.find("translation").get("type") or not (m.findtext("translation") or "").strip()]
    assert left == [], "translate these in kiosk/i18n/kiosk_en.ts"


def test_an_untranslated_language_or_text_falls_back_to_chinese(tmp_path, monkeypatch, caplog):
    assert text("place_card", "fr") == CATALOGUE["place_card"]
    (tmp_path / "kiosk_en.ts").write_text(
        '<?xml version="1.0" encoding="utf-8"?><!DOCTYPE TS><TS version="2.1" language="en">'
        "<context><name>Messages</name>"
        f"<message><source>{CATALOGUE['blink']}</source><translation>Blink, please</translation></message>"
        f'<message><source>{CATALOGUE["no_face"]}</source><translation type="unfinished"></translation></message>'
        f'<message><source>{CATALOGUE["hold_still"]}</source><translation type="vanished">Old</translation></message>'
        "</context><context><name>VerifyPage</name>"
        f"<message><source>{CATALOGUE['move_back']}</source><translation>Other context</translation></message>"
        "</context></TS>", encoding="utf-8")
    monkeypatch.setattr(texts, "I18N_DIR", tmp_path)
    monkeypatch.setattr(texts, "_cache", {})
    assert text("blink", "en") == "Blink, please"
    for code in ("no_face", "hold_still", "move_back"):
        assert text(code, "en") == CATALOGUE[code]
    assert "no_face has no en translation" in caplog.text
    with pytest.raises(KeyError):
        text("no_such_code", "en")


# ---- one place only ---------------------------------------------------------------------------
def _python_files():
    for package in ("kiosk", "screens"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path != ROOT / "kiosk" / "texts.py":
                yield path


def test_no_chinese_english_pair_tables_outside_the_catalogue():
    offenders = []
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Tuple) and len(node.elts) == 2 and all(
                    isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
                zh, en = (e.value for e in node.elts)
                if CJK.search(zh) and en and not CJK.search(en):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {zh!r}")
    assert offenders == []


def test_the_old_tables_are_gone_and_only_the_catalogue_marks_texts():
    old = re.compile(r"^(MESSAGES|SPOKEN|MORE_TIME|REASON|STATES|TEXTS|SUMMARY_LABELS|RATINGS)\b.*=", re.M)
    offenders = []
    for path in _python_files():
        source = path.read_text(encoding="utf-8")
        offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in old.finditer(source)]
        offenders += [f"{path.relative_to(ROOT)}: marks its own texts"] * ("QT_TRANSLATE_NOOP" in source)
    assert offenders == []
