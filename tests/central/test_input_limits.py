"""Central refuses oversized bodies before reading them and floods before they cost anything:
four 250 MB uploads used to take it to 1.4 GB, an invalid 10 MB JSON body was parsed before
any check, and 300 bad signatures in half a second were all looked at."""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from central.guard import BODY_LIMITS, DEFAULT_BODY_LIMIT
from central.intake import MAX_ITEM_BYTES
from central.ratelimit import RateLimits
from central.server import EmbeddedCentral
from kiosk.central_client import CentralClient, CentralRejected, CentralUnavailable, KioskSignature

BATCH = "/api/v1/records/batch"


def _raw(url: str, request: bytes, body_chunks: Iterator[bytes] = iter(())) -> bytes:
    """Send a request by hand, streaming `body_chunks` until central answers; its answer."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        for chunk in body_chunks:
            if select.select([sock], [], [], 0)[0]:
                break  # central has answered (or closed): stop sending
            try:
                sock.sendall(chunk)
            except OSError:
                break
        answer = b""
        try:
            while data := sock.recv(65536):
                answer += data
        except OSError:
            pass
    return answer


def test_a_declared_oversized_body_is_refused_unread_and_unauthenticated(central):
    # No signature and no body at all: the Content-Length alone earns the 413.
    answer = _raw(central.url, b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                               b"Content-Length: 262144000\r\n\r\n" % BATCH.encode())
    assert answer.startswith(b"HTTP/1.1 413")


def test_a_streamed_oversized_body_is_cut_off_at_the_limit(central):
    sent = 0

    def chunks():
        nonlocal sent
        for _ in range(250):
            sent += 1024 * 1024
            yield b"100000\r\n" + b"[" * 0x100000 + b"\r\n"

    answer = _raw(central.url, b"POST %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" % BATCH.encode(),
                  chunks())
    assert answer.startswith(b"HTTP/1.1 413")
    assert sent < 64 * 1024 * 1024  # it stopped reading long before the end


@pytest.mark.parametrize("path, limit", [
    ("/api/v1/heartbeat", BODY_LIMITS["/api/v1/heartbeat"]),
    ("/api/v1/services/no_criminal_record/apply", DEFAULT_BODY_LIMIT),
    ("/api/v1/enrol", BODY_LIMITS["/api/v1/enrol"]),
])
def test_each_endpoint_has_its_limit(central, path, limit):
    with httpx.Client(base_url=central.url) as http:
        at_limit = http.post(path, content=b" " * limit, headers={"Content-Type": "application/json"})
        over = http.post(path, content=b" " * (limit + 1), headers={"Content-Type": "application/json"})
    assert at_limit.status_code != 413 and over.status_code == 413


def test_an_invalid_10_mb_json_body_is_refused_before_parsing(central):
    with httpx.Client(base_url=central.url) as http:
        answer = http.post("/api/v1/services/no_criminal_record/apply", content=b"{" * (10 * 1024 * 1024),
                           headers={"Content-Type": "application/json"})
    assert answer.status_code == 413


def test_deeply_nested_json_is_a_422_not_a_500(central):
    with httpx.Client(base_url=central.url) as http:
        answer = http.post("/api/v1/heartbeat", content=b"[" * 50_000, headers={"Content-Type": "application/json"})
    assert answer.status_code == 422


def test_an_oversized_item_is_rejected_alone(enrolled):
    client = enrolled()
    big = {"notes": "x" * (MAX_ITEM_BYTES + 1)}
    answers = client.post_batch([{"key": "big", "kind": "visit", "created_at": 1.0, "payload": big},
                                 {"key": "small", "kind": "visit", "created_at": 1.0, "payload": {}}])
    assert [(a["key"], a["status"]) for a in answers] == [("big", "rejected"), ("small", "stored")]
    assert "KiB" in answers[0]["reason"]


@pytest.fixture
def strict_central(tmp_path) -> Iterator[EmbeddedCentral]:
    limits = RateLimits(per_source="40/minute", per_kiosk="5/minute", auth_failures_per_source="10/minute")
    with EmbeddedCentral(f"sqlite:///{tmp_path / 'central.db'}", rate_limits=limits) as server:
        yield server


def test_bad_signatures_are_cut_off_per_source(strict_central):
    CentralClient.enrol(strict_central.url, "K-1")
    statuses = []
    with httpx.Client(base_url=strict_central.url, auth=KioskSignature("K-1", b"\x01" * 32)) as forger:
        for _ in range(25):
            answer = forger.post("/api/v1/heartbeat", json={"status": {}})
            statuses.append(answer.status_code)
    assert statuses[:10] == [401] * 10 and set(statuses[10:]) == {429}
    assert int(answer.headers["Retry-After"]) >= 1


def test_a_kiosk_is_limited_on_its_own_and_others_go_on(strict_central):
    a = CentralClient(strict_central.url, "K-A", CentralClient.enrol(strict_central.url, "K-A"))
    b = CentralClient(strict_central.url, "K-B", CentralClient.enrol(strict_central.url, "K-B"))
    try:
        for _ in range(5):
            a.heartbeat({})
        with pytest.raises(CentralUnavailable, match="429"):  # the kiosk tries again later
            a.heartbeat({})
        assert b.heartbeat({})["ok"] is True
    finally:
        a.close()
        b.close()


def test_a_source_is_limited_before_anything_else(strict_central):
    with httpx.Client(base_url=strict_central.url) as http:
        statuses = [http.get("/api/v1/health").status_code for _ in range(45)]
        refused = http.post(BATCH, content=b"x" * 100)
    assert statuses.count(200) == 40 and set(statuses[40:]) == {429}
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1


def test_serve_takes_its_rate_limits_from_the_command_line(tmp_path):
    import re
    import signal
    import subprocess
    import sys
    from pathlib import Path

    kiosk = str(Path(sys.executable).with_name("kiosk"))
    bad = subprocess.run([kiosk, "central", "serve", "--database", str(tmp_path / "c.db"), "--kiosk-rate", "lots"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and bad.stderr.startswith("error: rate 'lots'")
    process = subprocess.Popen([kiosk, "central", "serve", "--database", str(tmp_path / "c.db"), "--port", "0",
                                "--source-rate", "3/minute"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = re.fullmatch(r"central listening on (\S+)\n", process.stdout.readline()).group(1)
        statuses = [httpx.get(f"{url}/api/v1/health").status_code for _ in range(4)]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        process.stdout.close()
    assert statuses == [200, 200, 200, 429]
