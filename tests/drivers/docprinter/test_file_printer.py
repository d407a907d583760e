"""pdf+file:// — jobs as files in a folder, faults through the .fault control file or the API."""

from __future__ import annotations

import os
import threading

import pytest

from drivers.base import DeviceState, NotPresent
from drivers.docprinter.base import PaperOut, PrinterStopped
from drivers.registry import open_device
from support.pdf_tools import pdf_text, sample_certificate


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "documents"
    path.mkdir()
    return path


@pytest.fixture
def printer(folder):
    return open_device(f"pdf+file://{folder}")


def test_a_job_becomes_one_whole_pdf_named_by_its_job_id(printer, folder, certificate_pdf, job_key):
    job_id = printer.print_pdf(certificate_pdf, title="无犯罪记录证明", job_key=job_key)
    assert sorted(os.listdir(folder)) == [f"{job_id}.pdf"]  # no temporary file left behind
    assert (folder / f"{job_id}.pdf").read_bytes() == certificate_pdf
    assert printer.wait_job(job_id).state == "completed"
    assert sample_certificate().title in pdf_text(folder / f"{job_id}.pdf")


def test_the_same_job_key_writes_once(printer, folder, certificate_pdf, job_key):
    first = printer.print_pdf(certificate_pdf, title="a", job_key=job_key)
    again = open_device(f"pdf+file://{folder}").print_pdf(certificate_pdf, title="b", job_key=job_key)
    assert again == first and len(os.listdir(folder)) == 1


def test_concurrent_prints_with_one_key_write_once(printer, folder, certificate_pdf, job_key):
    ids = []
    threads = [threading.Thread(target=lambda: ids.append(printer.print_pdf(certificate_pdf, title="t", job_key=job_key)))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 1 and len(os.listdir(folder)) == 1


def test_paper_out_from_the_control_file(printer, folder, certificate_pdf, job_key):
    (folder / ".fault").write_text("paper_out\n")
    status = printer.status()
    assert status.state == DeviceState.HARDWARE_ERROR and status.detail["paper"] == "out"
    with pytest.raises(PaperOut, match="paper out"):
        printer.print_pdf(certificate_pdf, title="x", job_key=job_key)
    assert not list(folder.glob("*.pdf"))
    (folder / ".fault").unlink()
    assert printer.status().state == DeviceState.ONLINE
    assert printer.print_pdf(certificate_pdf, title="x", job_key=job_key)


def test_stopped_through_the_api_and_the_control_op(printer, folder, certificate_pdf, job_key):
    printer.inject_fault("stopped")
    status = printer.status()
    assert status.state == DeviceState.HARDWARE_ERROR and status.detail["state"] == "stopped"
    with pytest.raises(PrinterStopped):
        printer.print_pdf(certificate_pdf, title="x", job_key=job_key)
    answer = printer.handle_control({"op": "clear_fault"})
    assert answer["fault"] is None and answer["status"]["state"] == "online"
    assert printer.handle_control({"op": "fault", "kind": "paper_out"})["status"]["state"] == "hardware_error"
    with pytest.raises(ValueError, match="unknown fault"):
        printer.inject_fault("jam")


def test_a_missing_folder_is_no_device(tmp_path, certificate_pdf, job_key):
    device = open_device(f"pdf+file://{tmp_path / 'nowhere'}")
    assert device.status().state == DeviceState.NO_DEVICE
    with pytest.raises(NotPresent, match="no folder"):
        device.print_pdf(certificate_pdf, title="x", job_key=job_key)


def test_relative_folder_is_refused():
    with pytest.raises(ValueError, match="ABSOLUTE"):
        open_device("pdf+file://documents")
