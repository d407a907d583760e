"""The operator's receipt and certificate templates: printed through the real ESC/POS driver on
the printer emulator and read back from the rendered PDF, and a bad template refused at
validation with its reason."""

from __future__ import annotations

import pytest

from drivers.idcard.demo_cards import load_demo_card
from drivers.printer.emulator import EscposEmulator
from drivers.registry import open_device
from kiosk.config import ConfigError, load_config
from kiosk.documents import render_pdf
from kiosk.operator_config import read_operator_file, validate_operator
from kiosk.print_templates import template_problem
from kiosk.services import build_services
from kiosk.visit import ServiceResult, Visit
from support.pdf_tools import pdf_text

RECEIPT = {"header": [{"zh": "{site}", "en": "{site}"}, {"zh": "便民服务"}],
           "footer": [{"zh": "请妥善保管本回执", "en": "Please keep this receipt"},
                      {"zh": "咨询电话：{hotline}", "en": "Hotline: {hotline}"}]}
CERTIFICATES = {"no_criminal_record": {"issuer": "某某市公安局刑事侦查支队", "note": "本证明涂改无效，{site}出具。"}}


def issued_visit() -> Visit:
    return Visit(id="v-1", card=load_demo_card("zhang-wei"), choices={"purpose": "employment"},
                 result=ServiceResult("issued", reference="WF-2026-000123", verify_url="https://ga.example/v/WF-2026-000123",
                                      issued_at="2026-12-04T02:00:00+00:00", valid_until="2027-03-04"))


def service(operator: dict, service_id: str = "no_criminal_record"):
    config = load_config(operator=operator)
    return build_services(config)[service_id]


@pytest.fixture
def printer():
    with EscposEmulator(port=0) as emulator:
        device = open_device(f"{emulator.url}?timeout=2&status_timeout=0.3")
        yield device, emulator
        device.close()


def test_the_receipt_prints_the_operators_title_and_footer_lines(printer):
    device, emulator = printer
    device.print_receipt(service({"documents": {"hotline": "96110", "receipt": RECEIPT}}).receipt(issued_visit()))
    lines = emulator.wait_for_job(timeout=2).lines
    assert lines[:4] == ["警务自助服务站", "Police Self-Service Station", "便民服务", "无犯罪记录证明　办理回执"]
    body_end = lines.index("Scan to verify or to check progress")
    assert [line for line in lines[body_end + 1:] if line] == [
        "请妥善保管本回执", "Please keep this receipt", "咨询电话：96110", "Hotline: 96110"]


def test_by_default_the_receipt_is_titled_with_the_site_and_ends_with_the_hotline_if_any(printer):
    device, emulator = printer
    device.print_receipt(service({}).receipt(issued_visit()))
    lines = [line for line in emulator.wait_for_job(timeout=2).lines if line]
    assert (lines[0], lines[-1]) == ("警务自助服务站", "咨询电话：12345")
    no_hotline = service({"documents": {"hotline": ""}}).receipt(issued_visit()).plain_text()
    assert "咨询电话" not in no_hotline  # a line whose placeholder is empty is left out


def test_the_certificate_prints_the_operators_issuer_and_note_and_keeps_the_kiosk_number(tmp_path):
    ncr = service({"documents": {"certificates": CERTIFICATES}})
    path = tmp_path / "ncr.pdf"
    path.write_bytes(render_pdf(ncr.document(issued_visit())))
    text = pdf_text(path)
    assert "某某市公安局刑事侦查支队" in text and "本证明涂改无效，警务自助服务站出具。" in text
    assert f"自助机编号{ncr.kiosk.kiosk.id}" in text and "WF-2026-000123" in text
    other = service({"documents": {"certificates": CERTIFICATES, "issuer": {"zh": "县公安局"}}}, "temporary_id")
    assert other.document(issued_visit()).issuer == "县公安局"  # another kind keeps the site's issuer


@pytest.mark.parametrize("documents, reason", [
    ({"receipt": {"header": [{"zh": "某某市公安局出入境管理支队"}]}}, "header.0.zh: Value error, too long: 26 columns, at most 16"),
    ({"receipt": {"footer": [{"zh": "x", "en": "Call us any day of the week on {hotline}"}]}}, "footer.0.en: .*at most 32"),
    ({"receipt": {"footer": [{"zh": "{name}您好"}]}}, r"unknown placeholder \{name\} \(allowed: \{site\}, \{hotline\}\)"),
    ({"receipt": {"footer": [{"zh": "{site.__class__}"}]}}, r"unknown placeholder \{site.__class__\}"),
    ({"receipt": {"footer": [{"zh": "咨询{hotline"}]}}, "a brace outside a placeholder"),
    ({"receipt": {"footer": [{"zh": "\x1bp0"}]}}, "control characters are not allowed"),
    ({"receipt": {"footer": [{"zh": "一行" * 2}] * 7}}, "footer: List should have at most 6 items"),
    ({"certificates": {"no_criminal_record": {"note": "注" * 61}}}, "note: .*too long: 122 columns, at most 120"),
    ({"certificates": {"no_criminal_record": {"issuer": "{site}公安局"}}}, r"unknown placeholder \{site\} \(allowed: none here\)"),
    ({"certificates": {"passport": {"note": "x"}}}, "certificates.passport"),
    ({"issuer": {"zh": "公安局" * 9}}, "documents.issuer: .*at most 48"),
])
def test_a_bad_template_is_refused_with_where_and_why(documents, reason):
    with pytest.raises(ConfigError, match=reason):
        validate_operator({"documents": documents})


def test_a_bad_template_file_is_refused_in_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[documents.receipt]\nfooter = [{ zh = "{kiosk_id}" }]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        read_operator_file(bad)
    assert str(refused.value) == (f"invalid operator config {bad}: documents.receipt.footer.0.zh: "
                                  "Value error, unknown placeholder {kiosk_id} (allowed: {site}, {hotline})")


def test_a_placeholder_counts_as_a_full_title_line_and_chinese_as_two_columns():
    assert template_problem("{site}", 16) is None and template_problem("{site}站", 16)
    assert template_problem("咨询电话：{hotline}", 32) is None  # 10 + 16
    assert template_problem("a" * 32, 32) is None and template_problem("a" * 33, 32)
