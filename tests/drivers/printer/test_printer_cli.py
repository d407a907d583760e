"""`kiosk device printer …` and `kiosk emulate printer` as real subprocesses."""

import json
import time

import pytest

from drivers.emulation.control import send_control


def test_status_prints_json(run_kiosk, emulator):
    result = run_kiosk("device", "printer", "status", "--url", emulator.url)
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["state"] == "online" and status["detail"]["paper"] == "ok"


def test_test_receipt_prints_chinese_kiosk_id_time_qr_and_cut(run_kiosk, emulator):
    result = run_kiosk("device", "printer", "test", "--url", emulator.url, "--kiosk-id", "GA-0101")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["ok"] and answer["kiosk_id"] == "GA-0101" and answer["status"]["state"] == "online"
    job = emulator.wait_for_job(timeout=2)
    assert job.lines[0] == "打印测试"
    assert "终端 / kiosk：GA-0101" in job.lines
    assert f"时间 / time：{answer['printed_at']}" in job.lines
    assert len(job.qr_codes) == 1 and "GA-0101" in job.qr_codes[0]
    assert job.cut
    assert b"\x1c&" + "打印测试".encode("gb18030") + b"\x1c." in job.raw


@pytest.mark.parametrize(
    "fault, message",
    [
        ("paper_out", "error: hardware_fault: 缺纸 / paper out"),
        ("cover_open", "error: hardware_fault: 纸仓盖打开 / cover open"),
        ("no_answer", "error: timeout: 打印机无应答 / printer does not answer"),
    ],
)
def test_failing_printer_gets_no_job_and_one_line(run_kiosk, emulator, fault, message):
    emulator.set_fault(fault)
    started = time.monotonic()
    result = run_kiosk("device", "printer", "test", "--url", emulator.url)
    assert time.monotonic() - started < 10
    assert result.returncode != 0 and result.stdout == ""
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert emulator.handle_control({"op": "status"})["content_bytes"] == 0 and emulator.jobs == []


def test_nothing_listening(run_kiosk):
    result = run_kiosk("device", "printer", "test", "--url", "escpos+tcp://127.0.0.1:1?timeout=1")
    assert result.returncode != 0
    assert result.stderr == "error: not_present: nothing listening at 127.0.0.1:1\n"


def test_status_of_a_printer_out_of_paper_exits_non_zero(run_kiosk, emulator):
    emulator.set_fault("paper_out")
    result = run_kiosk("device", "printer", "status", "--url", emulator.url)
    assert result.returncode == 1
    assert json.loads(result.stdout)["detail"]["paper"] == "out"
    assert result.stderr == "error: hardware_error: 缺纸 / paper out\n"


def test_emulator_process_faulted_through_its_control_port(run_kiosk, emulator_process):
    url, control_port, process = emulator_process
    printed = run_kiosk("device", "printer", "test", "--url", url, "--kiosk-id", "GA-0202")
    assert printed.returncode == 0, printed.stderr

    faulted = run_kiosk("emulate", "control", "--port", str(control_port), '{"op":"fault","kind":"paper_out"}')
    assert faulted.returncode == 0 and json.loads(faulted.stdout) == {"ok": True, "fault": "paper_out"}
    refused = run_kiosk("device", "printer", "test", "--url", url)
    assert refused.returncode != 0 and "paper out" in refused.stderr

    jobs = send_control("127.0.0.1", control_port, {"op": "jobs"})["jobs"]
    assert len(jobs) == 1 and jobs[0]["text"].startswith("打印测试\n")
    assert send_control("127.0.0.1", control_port, {"op": "status"})["dropped_bytes"] == 0

    process.terminate()
    assert process.wait(timeout=10) == 0
    output = process.stdout.read()
    assert "--- job 1:" in output and "打印测试" in output and "终端 / kiosk：GA-0202" in output
    assert "Traceback" not in process.stderr.read()
