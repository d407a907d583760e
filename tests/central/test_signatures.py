"""Request signing: central accepts a kiosk only on a fresh, correctly signed request."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx
import pytest
from sqlalchemy import create_engine, select

from central.db import normalise_url, records
from kiosk.central_client import CentralClient, CentralRejected, KioskSignature, sign

BATCH = "/api/v1/records/batch"


def _item(key: str) -> dict:
    return {"key": key, "kind": "visit", "created_at": time.time(), "payload": {"outcome": "completed"}}


def _signed_headers(kiosk_id: str, secret: bytes, body: bytes, *, timestamp: int | None = None,
                    nonce: str = "0123456789abcdef0123456789abcdef", path: str = BATCH) -> dict:
    timestamp_text = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": "application/json",
        "X-Kiosk-Id": kiosk_id,
        "X-Timestamp": timestamp_text,
        "X-Nonce": nonce,
        "X-Signature": sign(secret, "POST", path, timestamp_text, nonce, body),
    }


def test_signature_is_hmac_over_the_documented_message():
    body = b'{"a":1}'
    message = "\n".join(["POST", BATCH, "1700000000", "ab", hashlib.sha256(body).hexdigest()])
    expected = hmac.new(b"k", message.encode(), hashlib.sha256).hexdigest()
    assert sign(b"k", "post", BATCH, "1700000000", "ab", body) == expected


def test_signed_request_is_accepted(enrolled):
    client = enrolled("K-1")
    assert client.post_batch([_item("v-1")]) == [{"key": "v-1", "status": "stored", "reason": None}]


def test_wrong_secret_is_refused(central, enrolled):
    enrolled("K-1")
    with CentralClient(central.url, "K-1", b"\x01" * 32) as wrong:
        with pytest.raises(CentralRejected) as refused:
            wrong.post_batch([_item("v-1")])
    assert refused.value.status == 401 and refused.value.reason == "unknown kiosk or bad signature"


def test_unknown_kiosk_is_refused(central):
    with CentralClient(central.url, "K-NOBODY", b"\x01" * 32) as stranger:
        with pytest.raises(CentralRejected, match="401 unknown kiosk or bad signature"):
            stranger.heartbeat({})


def test_replayed_request_is_refused(central):
    secret = CentralClient.enrol(central.url, "K-1")
    body = json.dumps({"items": [_item("v-1")]}).encode()
    headers = _signed_headers("K-1", secret, body)
    with httpx.Client(base_url=central.url) as http:
        assert http.post(BATCH, content=body, headers=headers).status_code == 200
        replay = http.post(BATCH, content=body, headers=headers)
    assert replay.status_code == 401
    assert replay.json()["detail"] == "replayed request (nonce already used)"


@pytest.mark.parametrize("skew", [-301, +301])
def test_timestamp_outside_the_window_is_refused(central, skew):
    secret = CentralClient.enrol(central.url, "K-1")
    with httpx.Client(base_url=central.url, auth=KioskSignature("K-1", secret, lambda: time.time() + skew)) as http:
        answer = http.post("/api/v1/heartbeat", json={"status": {}})
    assert answer.status_code == 401
    assert "check the kiosk's clock" in answer.json()["detail"]


def test_body_changed_after_signing_is_refused(central):
    secret = CentralClient.enrol(central.url, "K-1")
    signed_body = json.dumps({"items": [_item("v-1")]}).encode()
    headers = _signed_headers("K-1", secret, signed_body)
    with httpx.Client(base_url=central.url) as http:
        answer = http.post(BATCH, content=json.dumps({"items": [_item("v-2")]}).encode(), headers=headers)
    assert answer.status_code == 401


def test_missing_headers_are_refused(central):
    with httpx.Client(base_url=central.url) as http:
        answer = http.post(BATCH, json={"items": []})
    assert answer.status_code == 401 and answer.json()["detail"] == "missing signature headers"


def test_kiosk_a_cannot_post_as_kiosk_b(central, central_db, enrolled):
    secret_a = CentralClient.enrol(central.url, "K-A")
    enrolled("K-B")
    body = json.dumps({"items": [_item("v-1")]}).encode()
    with httpx.Client(base_url=central.url) as http:
        forged = http.post(BATCH, content=body, headers=_signed_headers("K-B", secret_a, body))
    assert forged.status_code == 401

    with CentralClient(central.url, "K-A", secret_a) as a:
        a.post_batch([_item("v-2")])
    engine = create_engine(normalise_url(central_db))
    with engine.connect() as conn:
        owners = conn.execute(select(records.c.idempotency_key, records.c.kiosk_id)).all()
    engine.dispose()
    assert owners == [("v-2", "K-A")]  # the kiosk id comes from the signature, not the body


def test_re_enrolment_by_an_operator_replaces_the_old_secret(central, central_db):
    from central.db import create_engine_for, enrol_kiosk

    old = CentralClient.enrol(central.url, "K-1")
    engine = create_engine_for(central_db)
    try:
        new = enrol_kiosk(engine, "K-1", replace=True)
    finally:
        engine.dispose()
    assert old != new
    with CentralClient(central.url, "K-1", old) as stale, CentralClient(central.url, "K-1", new) as fresh:
        with pytest.raises(CentralRejected, match="401"):
            stale.heartbeat({})
        assert fresh.heartbeat({})["ok"] is True


def test_enrolment_is_refused_without_dev(central_db):
    from central.server import EmbeddedCentral

    with EmbeddedCentral(central_db, dev=False) as production:
        with pytest.raises(CentralRejected) as refused:
            CentralClient.enrol(production.url, "K-1")
    assert refused.value.status == 403
    assert "kiosk central enrol" in refused.value.reason


def test_malformed_kiosk_id_cannot_enrol(central):
    with pytest.raises(CentralRejected, match="422"):
        CentralClient.enrol(central.url, "../etc")
