"""CupsPrinter against the real cupsd the session started: print, read back, refuse, report."""

from __future__ import annotations

import socket
import time

import pytest

from drivers.base import DeviceState, DeviceTimeout, NotPresent
from drivers.docprinter import cupsd
from drivers.docprinter.base import PrintFailed, PrinterStopped
from drivers.registry import open_device
from support.pdf_tools import pdf_text, sample_certificate


@pytest.fixture
def printer(cups_server):
    device = open_device(cups_server.url("KioskPDF"))
    yield device
    device.close()


def test_idle_queue_is_online(printer, cups_server):
    status = printer.status()
    assert status.state == DeviceState.ONLINE, status
    assert status.detail["state"] == "idle" and status.detail["paper"] == "ok"
    assert status.detail["where"] == f"KioskPDF@{cups_server.server}"
    assert status.detail["model"]  # the queue's make and model (its PPD's), as CUPS reports it


def test_a_certificate_prints_and_comes_out_as_the_same_text(printer, cups_server, certificate_pdf, job_key):
    job_id = printer.print_pdf(certificate_pdf, title="无犯罪记录证明", job_key=job_key)
    assert job_id.startswith("KioskPDF-")
    final = printer.wait_job(job_id, timeout=60)
    assert final.state == "completed"
    out = cups_server.output_of("KioskPDF", job_id)
    text = pdf_text(out)
    document = sample_certificate()
    for expected in (document.title, document.number, "张三", "110101199003071234", *document.paragraphs):
        assert expected in text, f"{expected!r} missing from what CUPS printed ({out.name})"


def test_the_same_job_key_prints_once(cups_server, certificate_pdf, job_key, job_ids):
    before = job_ids("KioskPDF")
    first = open_device(cups_server.url("KioskPDF"))
    job_id = first.print_pdf(certificate_pdf, title="once", job_key=job_key)
    first.wait_job(job_id, timeout=60)
    # a reopened device (the monitor does that after a loss) still knows the key
    again = open_device(cups_server.url("KioskPDF"))
    assert again.print_pdf(certificate_pdf, title="twice", job_key=job_key) == job_id
    assert again.print_pdf(certificate_pdf, title="thrice", copies=2, job_key=job_key) == job_id
    time.sleep(0.3)
    assert [j for j in job_ids("KioskPDF") if j not in before] == [job_id]
    number = job_id.rpartition("-")[2]
    assert len(list(cups_server.output_dir.glob(f"*job_{number}.pdf"))) == 1


def test_a_disabled_queue_is_stopped_and_refuses_clearly(cups_server, certificate_pdf, job_key, job_ids):
    device = open_device(cups_server.url("Toggle"))
    cups_server.admin("cupsdisable", "Toggle")
    try:
        status = device.status()
        assert status.state == DeviceState.HARDWARE_ERROR
        assert status.detail["state"] == "stopped"
        assert not status.usable
        before = job_ids("Toggle")
        with pytest.raises(PrinterStopped, match="^document printer cannot print: queue stopped"):
            device.print_pdf(certificate_pdf, title="refused", job_key=job_key)
        assert job_ids("Toggle") == before  # nothing was sent
    finally:
        cups_server.admin("cupsenable", "Toggle")
    assert device.status().state == DeviceState.ONLINE
    # the refused key was not spent: it prints once the queue is back
    job_id = device.print_pdf(certificate_pdf, title="after", job_key=job_key)
    assert device.wait_job(job_id, timeout=60).state == "completed"


def test_a_queue_that_rejects_jobs_is_not_usable(cups_server, certificate_pdf, job_key):
    device = open_device(cups_server.url("Toggle"))
    cups_server.admin("cupsreject", "Toggle")
    try:
        status = device.status()
        assert status.state == DeviceState.HARDWARE_ERROR and status.detail["state"] == "not_accepting"
        with pytest.raises(PrinterStopped, match="not accepting"):
            device.print_pdf(certificate_pdf, title="refused", job_key=job_key)
    finally:
        cups_server.admin("cupsaccept", "Toggle")


def test_an_unknown_queue_is_no_device(cups_server, certificate_pdf, job_key):
    device = open_device(f"cups://NoSuchQueue?server={cups_server.server}")
    status = device.status()
    assert status.state == DeviceState.NO_DEVICE
    assert status.message == f"no queue NoSuchQueue on CUPS server {cups_server.server}"
    with pytest.raises(NotPresent, match="no queue NoSuchQueue"):
        device.print_pdf(certificate_pdf, title="x", job_key=job_key)


def test_the_ipp_url_names_the_same_queue(cups_server):
    host, port = cups_server.server.split(":")
    device = open_device(f"ipp://{host}:{port}/printers/KioskPDF")
    assert device.status().state == DeviceState.ONLINE


def test_a_server_that_is_not_running_is_no_device_quickly(certificate_pdf, job_key):
    try:
        gone = cupsd.start()
    except cupsd.CupsdUnavailable as exc:
        pytest.skip(str(exc))
    url = gone.url("KioskPDF")
    gone.stop()
    device = open_device(url)
    started = time.monotonic()
    status = device.status()
    assert time.monotonic() - started < 3
    assert status.state == DeviceState.NO_DEVICE
    assert "not reachable" in status.message
    with pytest.raises(NotPresent):
        device.print_pdf(certificate_pdf, title="x", job_key=job_key)


def test_a_server_that_never_answers_is_offline_within_its_timeout():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # the kernel accepts; nobody ever reads or answers
        device = open_device(f"cups://KioskPDF?server=127.0.0.1:{silent.getsockname()[1]}&timeout=1")
        started = time.monotonic()
        status = device.status()
        assert time.monotonic() - started < 3
    assert status.state == DeviceState.OFFLINE
    assert "does not answer" in status.message


def test_a_cancelled_job_is_reported(cups_server, certificate_pdf, job_key):
    device = open_device(cups_server.url("Unreachable"))
    job_id = device.print_pdf(certificate_pdf, title="to cancel", job_key=job_key)
    deadline = time.monotonic() + 10
    while device.job_state(job_id).state != "processing" and time.monotonic() < deadline:
        time.sleep(0.1)
    with pytest.raises(DeviceTimeout, match="still processing"):
        device.wait_job(job_id, timeout=0.5)
    cups_server.admin("cancel", job_id)
    with pytest.raises(PrintFailed, match=f"job {job_id} was cancelled by CUPS"):
        device.wait_job(job_id, timeout=10)


def test_a_job_cups_cannot_process_is_reported(printer, job_key):
    job_id = printer.print_pdf(b"%PDF-1.4\nnot really a PDF\n", title="broken", job_key=job_key)
    with pytest.raises(PrintFailed, match=f"job {job_id} was (stopped|aborted) by CUPS"):
        printer.wait_job(job_id, timeout=30)
    assert printer.status().state == DeviceState.ONLINE  # one bad job does not stop the queue


def test_bad_arguments_are_refused_before_anything_is_sent(printer, job_key):
    with pytest.raises(ValueError, match="PDF bytes"):
        printer.print_pdf(b"hello", title="x", job_key=job_key)
    with pytest.raises(ValueError, match="copies"):
        printer.print_pdf(b"%PDF-1.4", title="x", copies=0, job_key=job_key)
    with pytest.raises(ValueError, match="job_key"):
        printer.print_pdf(b"%PDF-1.4", title="x", job_key="")


def test_without_cups_pdf_a_file_device_queue_yields_the_pdf(certificate_pdf, job_key):
    """The fallback where cupsd may not get its own /etc/cups: CUPS's file: device."""
    try:
        server = cupsd._start(cups_pdf=False)
    except cupsd.CupsdUnavailable as exc:
        pytest.skip(str(exc))
    with server:
        server.add_pdf_queue("Plain")
        device = open_device(server.url("Plain"))
        for number in range(2):  # the second job must not show the first one's output
            job_id = device.print_pdf(certificate_pdf, title="fallback", job_key=f"{job_key}-{number}")
            assert device.wait_job(job_id, timeout=60).state == "completed"
            text = pdf_text(server.output_of("Plain", job_id))
            assert sample_certificate().paragraphs[0] in text and text.count("无犯罪记录证明") == 1


def test_a_job_waiting_on_a_queue_that_stops_is_reported(cups_server, certificate_pdf, job_key):
    device = open_device(cups_server.url("Unreachable"))
    job_id = device.print_pdf(certificate_pdf, title="stranded", job_key=job_key)
    cups_server.admin("cupsdisable", "Unreachable")
    try:
        started = time.monotonic()
        with pytest.raises(PrintFailed, match=f"job {job_id} (was stopped by CUPS|.*printer hardware_error: queue stopped)"):
            device.wait_job(job_id, timeout=30)
        assert time.monotonic() - started < 5  # not the whole timeout
    finally:
        cups_server.admin("cancel", job_id)
        cups_server.admin("cupsenable", "Unreachable")
