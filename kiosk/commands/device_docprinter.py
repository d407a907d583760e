"""`kiosk device docprinter status|print --url URL [--file PDF]`: one document printer (A4)."""

import socket
import time
import uuid
from datetime import datetime
from pathlib import Path

import click

from kiosk.commands.common import clean_failures, emit_json, report_status

URL_HELP = "Document printer URL, e.g. cups://KioskA4?server=127.0.0.1:631 or pdf+file:///var/lib/kiosk/documents"


@click.group()
def docprinter():
    """A4 document printer (CUPS queue, or PDF files in a folder)."""


@docprinter.command()
@click.option("--url", required=True, help=URL_HELP)
@clean_failures
def status(url):
    """Read the queue's state; exit 1 with one line on stderr unless it can print."""
    report_status(url)


@docprinter.command(name="print")
@click.option("--url", required=True, help=URL_HELP)
@click.option("--file", "pdf_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The PDF to print; without it, a test certificate.")
@click.option("--title", default=None, help="Job title (default: the file's name or 打印测试).")
@click.option("--copies", type=click.IntRange(1, 20), default=1, show_default=True)
@click.option("--job-key", default=None, help="Idempotency key (default: a new one).")
@click.option("--timeout", type=click.FloatRange(0, 600), default=60.0, show_default=True,
              help="Seconds to wait for the job to complete; 0 returns once it is queued.")
@clean_failures
def print_(url, pdf_file, title, copies, job_key, timeout):
    """Print a PDF (or a test certificate), wait for the job to end; print the job as JSON."""
    from drivers.registry import open_device

    if pdf_file is not None:
        data = pdf_file.read_bytes()
        title = title or pdf_file.name
    else:
        data = _test_certificate()
        title = title or "打印测试"
    device = open_device(url)
    try:
        started = time.perf_counter()
        job_id = device.print_pdf(data, title=title, copies=copies, job_key=job_key or uuid.uuid4().hex)
        job = device.wait_job(job_id, timeout) if timeout else device.job_state(job_id)
        elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
        after = device.status()
    finally:
        device.close()
    emit_json({"ok": True, "url": url, "job": job.to_json(), "bytes": len(data), "copies": copies,
               "elapsed_ms": elapsed_ms, "status": after.to_json()})


def _test_certificate() -> bytes:
    from kiosk.documents import Document, render_pdf

    host = socket.gethostname()
    now = datetime.now().astimezone()
    return render_pdf(Document(
        title="打印测试",
        number=f"TEST-{now:%Y%m%d%H%M%S}",
        issuer=host,
        fields=[("终端 / kiosk", host), ("时间 / time", now.isoformat(timespec="seconds"))],
        paragraphs=["这是文档打印机的测试页：中文、数字 0123456789 与二维码应清晰可读。",
                    "Document printer test page."],
        verify_url=f"kiosk-docprinter-test:{host}:{now:%Y%m%dT%H%M%S}",
        issued_at=f"{now:%Y年%m月%d日 %H:%M}",
        footer="本页仅用于检查打印机。",
    ))
