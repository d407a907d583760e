"""The real driver against the real emulator over TCP on 127.0.0.1."""

import socket
import threading
import time

import pytest

from drivers.base import DeviceState, DeviceTimeout, HardwareFault, NotPresent
from drivers.printer.escpos_codec import EscposDecoder, Qr, Text
from drivers.printer.escpos_printer import EscposPrinter, PrintFailed
from drivers.printer.receipt import Receipt
from drivers.registry import open_device, parse_device_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_prints_a_chinese_receipt_with_qr_and_cut(printer, emulator, receipt):
    printer.print_receipt(receipt)
    job = emulator.wait_for_job(timeout=2)
    assert job.lines[:4] == ["无犯罪记录证明", "受理回执", "-" * 48, "受理编号：WF-2026-000123"]
    assert "Please keep this receipt." in job.lines
    assert job.qr_codes == ["https://ga.example.gov.cn/q?no=WF-2026-000123"]
    assert job.cut
    assert "\x1c&".encode() + "无犯罪记录证明".encode("gb18030") in job.raw


def test_status_of_a_ready_printer(printer):
    status = printer.status()
    assert status.state is DeviceState.ONLINE and status.usable
    assert status.detail | {"where": None} == {
        "where": None, "online": True, "paper": "ok", "cover": "closed", "error": False,
        # what the printer answered to GS I 65-68
        "firmware": "emulator-1", "maker": "police-kiosk", "model": "ESC/POS emulator", "serial": "EMU0001",
    }


def test_the_printers_identity_is_asked_once_and_one_that_does_not_answer_has_none(emulator):
    emulator.info = {"firmware": "1.03 ESC/POS", "model": "TM-T88VI"}  # no maker, no serial
    printer = open_device(f"{emulator.url}?timeout=2&status_timeout=0.3")
    try:
        first, second = printer.status(), printer.status()
        assert (first.detail["model"], first.detail["firmware"]) == ("TM-T88VI", "1.03 ESC/POS")
        assert "maker" not in first.detail and second.detail == first.detail
        assert emulator.handle_control({"op": "status"})["info_requests"] == 4  # once: firmware, maker, model, serial
    finally:
        printer.close()
    emulator.info = {}  # a printer that does not know GS I
    silent = open_device(f"{emulator.url}?timeout=2&status_timeout=0.3")
    try:
        started = time.monotonic()
        status = silent.status()
        assert status.state is DeviceState.ONLINE and "model" not in status.detail and "firmware" not in status.detail
        assert time.monotonic() - started < 2  # one unanswered question, not four
        silent.status()
        assert emulator.handle_control({"op": "status"})["info_requests"] == 5  # and not asked again
    finally:
        silent.close()


def test_paper_out_sends_no_job(printer, emulator, receipt):
    emulator.set_fault("paper_out")
    status = printer.status()
    assert status.state is DeviceState.HARDWARE_ERROR and status.detail["paper"] == "out"
    with pytest.raises(HardwareFault, match="缺纸 / paper out") as caught:
        printer.print_receipt(receipt)
    assert not isinstance(caught.value, PrintFailed)
    with pytest.raises(HardwareFault, match="paper out"):
        printer.check_ready()
    counters = emulator.handle_control({"op": "status"})
    assert counters["content_bytes"] == 0 and emulator.jobs == []


def test_near_end_prints_and_says_so(printer, emulator, receipt):
    emulator.set_fault("paper_near_end")
    printer.check_ready()
    printer.print_receipt(receipt)
    assert emulator.wait_for_job(timeout=2).cut
    status = printer.status()
    assert status.state is DeviceState.ONLINE and status.detail["paper"] == "near_end"
    assert "near end" in status.message


def test_cover_open(printer, emulator, receipt):
    emulator.set_fault("cover_open")
    status = printer.status()
    assert status.state is DeviceState.HARDWARE_ERROR and status.detail["cover"] == "open"
    with pytest.raises(HardwareFault, match="cover open"):
        printer.print_receipt(receipt)
    assert emulator.handle_control({"op": "status"})["content_bytes"] == 0


def test_offline(printer, emulator, receipt):
    emulator.set_fault("offline")
    status = printer.status()
    assert status.state is DeviceState.OFFLINE and status.detail["online"] is False
    with pytest.raises(HardwareFault, match="offline"):
        printer.print_receipt(receipt)
    assert emulator.handle_control({"op": "status"})["content_bytes"] == 0


def test_no_answer_fails_fast_and_is_never_paper_ok(printer, emulator, receipt):
    emulator.set_fault("no_answer")
    started = time.monotonic()
    status = printer.status()
    assert status.state is DeviceState.OFFLINE and status.detail["paper"] == "unknown"
    assert "does not answer" in status.message
    with pytest.raises(DeviceTimeout, match="does not answer"):
        printer.print_receipt(receipt)
    assert time.monotonic() - started < 3
    assert emulator.handle_control({"op": "status"})["content_bytes"] == 0


def test_nothing_listening_is_not_present(receipt):
    printer = open_device(f"escpos+tcp://127.0.0.1:{free_port()}?timeout=1")
    assert printer.status().state is DeviceState.NO_DEVICE
    with pytest.raises(NotPresent, match="nothing listening"):
        printer.print_receipt(receipt)


def test_paper_running_out_mid_job_is_print_failed(printer, emulator, receipt):
    emulator.handle_control({"op": "fault", "kind": "paper_runs_out_mid_job", "after_bytes": 40})
    with pytest.raises(PrintFailed, match="paper out during the job"):
        printer.print_receipt(receipt)
    torn = emulator.wait_for_job(timeout=2)
    assert not torn.cut and len(torn.raw) <= 40
    assert printer.status().detail["paper"] == "out"


def test_connection_dropped_mid_job_is_print_failed(printer, emulator, receipt):
    emulator.handle_control({"op": "fault", "kind": "drop_connection", "after_bytes": 40})
    with pytest.raises(PrintFailed, match="receipt may be incomplete|not sent whole"):
        printer.print_receipt(receipt)
    assert not emulator.wait_for_job(timeout=2).cut


def test_printer_restart_does_not_wedge_the_driver(receipt):
    port = free_port()
    from drivers.printer.emulator import EscposEmulator

    printer = open_device(f"escpos+tcp://127.0.0.1:{port}?timeout=1&status_timeout=0.3")
    with EscposEmulator(port=port) as first:
        printer.print_receipt(receipt)
        first.wait_for_job(timeout=2)
    with pytest.raises(NotPresent):
        printer.check_ready()
    with EscposEmulator(port=port) as second:
        printer.print_receipt(receipt)
        assert second.wait_for_job(timeout=2).cut


def test_concurrent_jobs_come_out_whole(printer, emulator):
    errors = []

    def print_one(i: int) -> None:
        try:
            printer.print_receipt(Receipt().title(f"回执 {i}").field("编号", i).cut())
        except Exception as exc:  # collected, asserted below
            errors.append(exc)

    threads = [threading.Thread(target=print_one, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert errors == []
    jobs = [emulator.wait_for_job(timeout=2) for _ in range(6)]
    assert sorted(job.lines[0] for job in jobs) == [f"回执 {i}" for i in range(6)]
    assert all(job.cut and job.lines[1] == f"编号：{job.lines[0].split()[1]}" for job in jobs)


def test_file_backend_prints_but_says_status_is_not_readable(tmp_path, receipt):
    target = tmp_path / "lp0"
    with open_device(f"escpos+file://{target}") as printer:
        status = printer.status()
        assert status.state is DeviceState.ONLINE
        assert status.message == "status not readable on this transport"
        assert status.detail["paper"] == "unknown" and status.detail["cover"] == "unknown"
        printer.check_ready()
        printer.print_receipt(receipt)
    decoder = EscposDecoder()
    events = decoder.feed(target.read_bytes())
    assert "无犯罪记录证明" in "".join(e.text for e in events if isinstance(e, Text))
    assert [e.data for e in events if isinstance(e, Qr)] == ["https://ga.example.gov.cn/q?no=WF-2026-000123"]


def test_file_backend_missing_directory_is_not_present(tmp_path):
    with pytest.raises(NotPresent, match="cannot open printer"):
        open_device(f"escpos+file://{tmp_path}/missing/lp0")


def test_urls():
    usb = EscposPrinter.from_url(parse_device_url("escpos+usb://04b8:0202?in_ep=0x81&out_ep=3"))
    assert usb.where == "USB 04b8:0202"
    serial = EscposPrinter.from_url(parse_device_url("escpos+serial:///dev/ttyS0?baudrate=9600"))
    assert serial.where == "/dev/ttyS0"
    tcp = EscposPrinter.from_url(parse_device_url("escpos+tcp://10.0.0.5?columns=32"))
    assert tcp.where == "10.0.0.5:9100" and tcp.columns == 32
    with pytest.raises(ValueError, match="VENDOR:PRODUCT"):
        EscposPrinter.from_url(parse_device_url("escpos+usb://printer"))
    with pytest.raises(ValueError, match="bad value for option"):
        EscposPrinter.from_url(parse_device_url("escpos+tcp://10.0.0.5?timeout=soon"))


def test_missing_serial_port_is_not_present(tmp_path):
    printer = open_device(f"escpos+serial://{tmp_path}/ttyNONE", open_now=False)
    assert printer.status().state is DeviceState.NO_DEVICE
    with pytest.raises(NotPresent):
        printer.open()


def test_serial_printer_over_a_pty(emulator, receipt):
    from drivers.emulation.pty import PtyEndpoint

    with PtyEndpoint(emulator.session()) as endpoint:
        with open_device(f"escpos+serial://{endpoint.device}?baudrate=9600&status_timeout=0.3") as printer:
            assert printer.status().state is DeviceState.ONLINE
            printer.print_receipt(receipt)
            assert emulator.wait_for_job(timeout=2).lines[0] == "无犯罪记录证明"
            emulator.set_fault("paper_out")
            with pytest.raises(HardwareFault, match="paper out"):
                printer.check_ready()
            emulator.set_fault("no_answer")
            assert printer.status().state is DeviceState.OFFLINE


def test_usb_printer_that_cannot_be_opened_is_not_present():
    # no USB printer (and, unless the lead adds it, no pyusb) on a test machine: a clear NotPresent
    printer = open_device("escpos+usb://04b8:0202", open_now=False)
    assert printer.status().state is DeviceState.NO_DEVICE
    with pytest.raises(NotPresent):
        printer.open()
