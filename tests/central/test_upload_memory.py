"""Concurrent oversized uploads keep central's memory within a bound (docs/security.md):
each refused upload holds at most its endpoint's limit (8 MiB for a batch) while it is counted,
so eight at once may add at most 8 × 8 MiB of bodies; the bound set here is 96 MiB of peak RSS
over the idle process. Four 250 MB uploads used to take central to 1.4 GB."""

from __future__ import annotations

import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

KIOSK = [str(Path(sys.executable).with_name("kiosk"))]
BOUND_MIB = 96
UPLOAD = 250 * 1024 * 1024
CHUNK = 1024 * 1024


def _status_kib(pid: int, field: str) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1))


def _upload(port: int, chunked: bool, answers: list[tuple[bytes, int]]) -> None:
    head = (b"POST /api/v1/records/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + (b"Transfer-Encoding: chunked\r\n" if chunked else b"Content-Length: %d\r\n" % UPLOAD) + b"\r\n")
    payload = b"[" * CHUNK
    frame = (b"%x\r\n" % CHUNK + payload + b"\r\n") if chunked else payload
    answer, sent = b"", 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        try:
            sock.sendall(head)
            for _ in range(UPLOAD // CHUNK):
                if select.select([sock], [], [], 0)[0]:
                    break
                sock.sendall(frame)
                sent += CHUNK
            while data := sock.recv(65536):
                answer += data
        except OSError:
            pass  # central closed the connection on us: a reset may swallow its 413
    answers.append((answer, sent))


def test_eight_concurrent_250_mb_uploads_stay_within_the_bound(tmp_path):
    errors = open(tmp_path / "central.err", "w")
    process = subprocess.Popen(KIOSK + ["central", "serve", "--database", str(tmp_path / "central.db"),
                                        "--port", "0", "--log-level", "warning"],
                               stdout=subprocess.PIPE, stderr=errors, text=True)
    try:
        line = process.stdout.readline()
        url = re.fullmatch(r"central listening on (http://127\.0\.0\.1:\d+)\n", line).group(1)
        assert httpx.get(f"{url}/api/v1/health").status_code == 200
        baseline_kib = _status_kib(process.pid, "VmRSS")
        port = int(url.rsplit(":", 1)[1])
        answers: list[tuple[bytes, int]] = []
        threads = [threading.Thread(target=_upload, args=(port, i % 2 == 0, answers)) for i in range(8)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert time.monotonic() - started < 60
        peak_kib = _status_kib(process.pid, "VmHWM")
        assert httpx.get(f"{url}/api/v1/health").status_code == 200  # still serving
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        process.stdout.close()
        errors.close()
    assert len(answers) == 8
    assert all(answer.startswith(b"HTTP/1.1 413") for answer, _sent in answers if answer)
    assert any(answer for answer, _sent in answers)
    assert all(sent < 100 * CHUNK for _answer, sent in answers)  # cut off far before 250 MB
    grown_mib = (peak_kib - baseline_kib) / 1024
    assert grown_mib < BOUND_MIB, f"central's RSS grew by {grown_mib:.0f} MiB"
