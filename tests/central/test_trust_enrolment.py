"""Who may speak for a kiosk: one answer for an unknown kiosk and a bad signature (the two
used to differ, listing which ids exist), the query string signed with the rest, and an
enrolled kiosk's secret replaced only by an operator (--dev enrolment handed a new secret to
anyone naming an existing id, taking the real kiosk off the air)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from central.db import KioskEnrolled, create_engine_for, enrol_kiosk
from common.signing import sign
from kiosk.central_client import CentralClient, CentralRejected, KioskSignature

KIOSK = [str(Path(sys.executable).with_name("kiosk"))]


def _headers(kiosk_id: str, secret: bytes, method: str, path: str, body: bytes, query: str = "") -> dict:
    timestamp, nonce = str(int(time.time())), "0123456789abcdef" * 2
    return {"Content-Type": "application/json", "X-Kiosk-Id": kiosk_id, "X-Timestamp": timestamp,
            "X-Nonce": nonce, "X-Signature": sign(secret, method, path, timestamp, nonce, body, query)}


def test_unknown_kiosk_and_bad_signature_get_the_same_answer(central):
    CentralClient.enrol(central.url, "K-REAL")
    body = b'{"status":{}}'
    with httpx.Client(base_url=central.url) as http:
        unknown = http.post("/api/v1/heartbeat", content=body,
                            headers=_headers("K-NOBODY", b"\x01" * 32, "POST", "/api/v1/heartbeat", body))
        wrong = http.post("/api/v1/heartbeat", content=body,
                          headers=_headers("K-REAL", b"\x01" * 32, "POST", "/api/v1/heartbeat", body))
    assert (unknown.status_code, unknown.json()) == (wrong.status_code, wrong.json())
    assert unknown.status_code == 401


def test_the_query_string_is_signed(central):
    secret = CentralClient.enrol(central.url, "K-1")
    body = b'{"status":{}}'
    with httpx.Client(base_url=central.url, auth=KioskSignature("K-1", secret)) as kiosk:
        assert kiosk.post("/api/v1/heartbeat?since=1", content=body,
                          headers={"Content-Type": "application/json"}).status_code == 200
    with httpx.Client(base_url=central.url) as http:
        # Signed without the query, sent with one added on the way.
        added = http.post("/api/v1/heartbeat?since=1", content=body,
                          headers=_headers("K-1", secret, "POST", "/api/v1/heartbeat", body))
        changed = http.post("/api/v1/heartbeat?since=2", content=body,
                            headers=_headers("K-1", secret, "POST", "/api/v1/heartbeat", body, "since=1"))
    assert added.status_code == 401 and changed.status_code == 401


def test_dev_enrolment_cannot_take_a_kiosk_off_the_air(central):
    secret = CentralClient.enrol(central.url, "K-1")
    with CentralClient(central.url, "K-1", secret) as real:
        real.heartbeat({})
        with pytest.raises(CentralRejected) as refused:
            CentralClient.enrol(central.url, "K-1")
        assert refused.value.status == 409 and "--replace" in refused.value.reason
        assert real.heartbeat({})["ok"] is True  # still on the air


def test_a_secret_never_used_may_be_issued_again(central):
    # A kiosk that died between enrolling and saving its secret enrols again.
    first = CentralClient.enrol(central.url, "K-2")
    second = CentralClient.enrol(central.url, "K-2")
    assert first != second
    with CentralClient(central.url, "K-2", second) as kiosk:
        assert kiosk.heartbeat({})["ok"] is True


def test_an_operator_replaces_a_secret_only_by_saying_so(tmp_path):
    database = str(tmp_path / "central.db")
    engine = create_engine_for(database)
    try:
        enrol_kiosk(engine, "K-1")
        with pytest.raises(KioskEnrolled):
            enrol_kiosk(engine, "K-1")
    finally:
        engine.dispose()
    refused = subprocess.run(KIOSK + ["central", "enrol", "--database", database, "--kiosk-id", "K-1"],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "--replace" in refused.stderr and refused.stdout == ""
    replaced = subprocess.run(KIOSK + ["central", "enrol", "--database", database, "--kiosk-id", "K-1", "--replace"],
                              capture_output=True, text=True, timeout=60)
    assert replaced.returncode == 0 and len(bytes.fromhex(replaced.stdout.strip())) == 32
