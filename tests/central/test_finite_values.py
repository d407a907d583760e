"""Central takes only finite numbers and storable text, answers 422 without echoing what was
sent, and never 500 for content: NaN in one item used to turn its whole batch into a 500,
Infinity and 1e400 were stored, a lone surrogate in a name gave a 500 whose log line held the
full ID number."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from central.db import heartbeats, normalise_url, records
from central.stats import stats as central_stats
from kiosk.central_client import CentralClient, KioskSignature

ID18 = "11010519491231002X"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def signed_http(central) -> Iterator[httpx.Client]:
    secret = CentralClient.enrol(central.url, "K-NUM")
    with httpx.Client(base_url=central.url, auth=KioskSignature("K-NUM", secret), timeout=30) as http:
        yield http


def _count(database_url: str, table) -> int:
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(table)).scalar_one()
    finally:
        engine.dispose()


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
@pytest.mark.parametrize("where", ["created_at", "payload"])
def test_a_batch_with_a_non_finite_number_is_refused_whole(signed_http, central_db, value, where):
    item = ('{"key":"bad","kind":"visit","created_at":%s,"payload":{}}' % value if where == "created_at"
            else '{"key":"bad","kind":"visit","created_at":1.0,"payload":{"score":%s}}' % value)
    body = ('{"items":[{"key":"good","kind":"visit","created_at":1.0,"payload":{}},%s]}' % item).encode()
    answer = signed_http.post("/api/v1/records/batch", content=body, headers=JSON)
    assert answer.status_code == 422, answer.text
    assert "finite" in answer.json()["detail"]
    assert _count(central_db, records) == 0
    central_stats(central_db)  # the operators' figures still work


@pytest.mark.parametrize("path, body", [
    ("/api/v1/heartbeat", '{"status":{"temperature":NaN}}'),
    ("/api/v1/services/no_criminal_record/apply",
     '{"visit_id":"v","id_number":"%s","name":"x","purpose":"p","extra":Infinity}' % ID18),
])
def test_non_finite_numbers_are_refused_on_every_route(signed_http, path, body):
    answer = signed_http.post(path, content=body.encode(), headers=JSON)
    assert answer.status_code == 422 and ID18 not in answer.text


def test_non_finite_numbers_are_refused_before_authentication(central):
    with httpx.Client(base_url=central.url) as http:
        answer = http.post("/api/v1/records/batch", content=b'{"items":[],"x":NaN}', headers=JSON)
    assert answer.status_code == 422


@pytest.mark.parametrize("name", ["\ud800", "张\udfff三", "\x00"])
def test_unstorable_text_in_a_certificate_request_is_a_422_that_names_no_one(signed_http, name, caplog):
    body = json.dumps({"visit_id": "v-1", "id_number": ID18, "name": name, "purpose": "就业"}).encode()
    with caplog.at_level(logging.INFO):
        answer = signed_http.post("/api/v1/services/no_criminal_record/apply", content=body, headers=JSON)
    assert answer.status_code == 422, answer.text
    assert ID18 not in answer.text and "1101" not in answer.text
    assert ID18 not in caplog.text


@pytest.mark.parametrize("status", [{"note": "a\x00b"}, {"a\x00": 1}, {"x": ["\ud800"]}])
def test_unstorable_text_in_a_heartbeat_is_a_422(signed_http, central_db, status):
    body = json.dumps({"status": status}).encode()
    answer = signed_http.post("/api/v1/heartbeat", content=body, headers=JSON)
    assert answer.status_code == 422, answer.text
    assert _count(central_db, heartbeats) == 0


@pytest.mark.parametrize("body", [
    {"visit_id": "v", "id_number": ID18 + "1", "name": "张三", "purpose": "p"},
    {"visit_id": ["v", ID18], "id_number": ID18, "name": "张三", "purpose": "p"},
    {"visit_id": "v", "id_number": 110105194912310020, "name": "张三", "purpose": "p"},
    {"visit_id": "v", "id_number": ID18, "name": {"n": "张三"}, "purpose": "p"},
    {"visit_id": "v", "id_number": ID18, "name": "张三" * 40, "purpose": "p"},
    {ID18: "v"},
])
def test_a_422_never_includes_what_was_sent(signed_http, body):
    answer = signed_http.post("/api/v1/services/no_criminal_record/apply", content=json.dumps(body).encode(),
                              headers=JSON)
    assert answer.status_code == 422
    for personal in (ID18, "110105194912310020", "张三", ID18[:10]):
        assert personal not in answer.text
