"""`kiosk device docprinter status|print` as real subprocesses."""

from __future__ import annotations

import json

from support.pdf_tools import pdf_text


def test_print_a_file_through_cups_and_wait(run_kiosk, cups_server, certificate_pdf, tmp_path):
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(certificate_pdf)
    result = run_kiosk("device", "docprinter", "print", "--url", cups_server.url("KioskPDF"), "--file", str(pdf))
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["ok"] and answer["job"]["state"] == "completed" and answer["bytes"] == len(certificate_pdf)
    out = cups_server.output_of("KioskPDF", answer["job"]["job_id"])
    assert "无犯罪记录证明" in pdf_text(out)


def test_test_page_into_a_folder(run_kiosk, tmp_path):
    result = run_kiosk("device", "docprinter", "print", "--url", f"pdf+file://{tmp_path}")
    assert result.returncode == 0, result.stderr
    job_id = json.loads(result.stdout)["job"]["job_id"]
    assert "打印测试" in pdf_text(tmp_path / f"{job_id}.pdf")


def test_status_json(run_kiosk, cups_server):
    result = run_kiosk("device", "docprinter", "status", "--url", cups_server.url("KioskPDF"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["state"] == "online"


def test_a_stopped_queue_fails_in_one_line(run_kiosk, cups_server, certificate_pdf, tmp_path):
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(certificate_pdf)
    cups_server.admin("cupsdisable", "Toggle")
    try:
        result = run_kiosk("device", "docprinter", "print", "--url", cups_server.url("Toggle"), "--file", str(pdf))
        status = run_kiosk("device", "docprinter", "status", "--url", cups_server.url("Toggle"))
    finally:
        cups_server.admin("cupsenable", "Toggle")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("error: printer_stopped: document printer cannot print: queue stopped")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert status.returncode == 1 and status.stderr.startswith("error: hardware_error: queue stopped")


def test_nothing_listening_fails_in_one_line(run_kiosk):
    result = run_kiosk("device", "docprinter", "print", "--url", "cups://KioskPDF?server=127.0.0.1:1")
    assert result.returncode == 1
    assert result.stderr == ("error: not_present: document printer cannot print: "
                             "CUPS server 127.0.0.1:1 not reachable: Connection refused\n")
