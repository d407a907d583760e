"""A real cupsd of the test session's own (drivers/docprinter/cupsd.py): 127.0.0.1 on a free
port, its own configuration, spool, logs and cache, queues on Debian's cups-pdf backend."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from drivers.docprinter import cupsd
from kiosk.documents import render_pdf
from support.pdf_tools import sample_certificate

KIOSK = str(Path(sys.executable).with_name("kiosk"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def cups_server():
    try:
        server = cupsd.start()
    except cupsd.CupsdUnavailable as exc:
        pytest.skip(f"no private cupsd here: {exc}")
    try:
        server.add_pdf_queue("KioskPDF")
        server.add_pdf_queue("Toggle")  # the one tests disable
        # nothing listens there: the socket backend keeps retrying, so the job stays processing
        server.add_device_queue("Unreachable", f"socket://127.0.0.1:{free_port()}")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def certificate_pdf() -> bytes:
    return render_pdf(sample_certificate())


@pytest.fixture
def job_key() -> str:
    return f"test-{uuid.uuid4().hex}"


@pytest.fixture
def job_ids(cups_server):
    """Every job the server has on a queue, finished or not (lpstat -W all)."""
    def ids(queue: str) -> list[str]:
        done = cups_server.admin("lpstat", "-W", "all", "-o", queue)
        return [line.split()[0] for line in done.stdout.splitlines() if line.strip()]
    return ids


@pytest.fixture
def run_kiosk():
    def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([KIOSK, *args], capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "LC_ALL": "C.UTF-8"})
    return run

