"""Whatever a kiosk sends in a batch, central answers each item and never fails as a whole.

Runs on SQLite and on PostgreSQL (`central_db`). The strings include what one engine or the
other cannot hold as text (NUL, lone surrogates sent as JSON escapes), huge strings and other
odd Unicode: an item is either stored as sent or rejected on its own with a reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select

from central.db import normalise_url, records
from kiosk.central_client import CentralClient, KioskSignature

BATCH_URL = "/api/v1/records/batch"
odd_text = st.text(
    alphabet=st.characters(codec=None, categories=None, exclude_categories=()),  # surrogates too
    max_size=20,
) | st.sampled_from(["\x00", "a\x00b", "\ud800", "\udfff x", "\U0010ffff", "\u202e", "\ufeff", "e\u0301"])
huge_text = st.integers(50_000, 200_000).map(lambda n: "长" * n)  # up to 1.2 MB as JSON escapes
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.floats(allow_nan=False, allow_infinity=False)
    | odd_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(odd_text, inner, max_size=4),
    max_leaves=8,
)
items = st.fixed_dictionaries(
    {},
    optional={
        "key": st.text(max_size=210) | odd_text | json_values,
        "kind": st.sampled_from(["visit", "rating", "Visit", "", "x" * 41, "visit\x00"]) | json_values,
        "created_at": st.floats(allow_nan=False, allow_infinity=False) | json_values,
        "payload": st.builds(lambda fields, big: {**fields, **big}, st.dictionaries(odd_text, json_values, max_size=4),
                             st.fixed_dictionaries({}, optional={"notes": huge_text})) | json_values,
    },
)


@pytest.fixture
def signed_http(central) -> Iterator[httpx.Client]:
    """Raw signed POSTs, so bodies can carry what Python's own encoder would refuse."""
    secret = CentralClient.enrol(central.url, "K-FUZZ")
    with httpx.Client(base_url=central.url, auth=KioskSignature("K-FUZZ", secret), timeout=30) as http:
        yield http


def _stored(database_url: str, key: str):
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as conn:
            return conn.execute(select(records.c.kind, records.c.payload).where(records.c.idempotency_key == key)).first()
    finally:
        engine.dispose()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(batch=st.lists(items, max_size=5))
def test_every_item_gets_its_own_answer(signed_http, central_db, batch):
    # ensure_ascii: lone surrogates travel as \\udXXX escapes, as any JSON encoder may send them.
    body = json.dumps({"items": batch}, ensure_ascii=True).encode()
    response = signed_http.post(BATCH_URL, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text[:300]
    answers = response.json()["results"]
    assert len(answers) == len(batch)
    for item, answer in zip(batch, answers, strict=True):
        assert answer["status"] in ("stored", "duplicate", "rejected")
        if answer["status"] == "rejected":
            assert answer["reason"] and "\n" not in answer["reason"]
            continue
        assert answer["key"] == item["key"]
        if answer["status"] == "stored":
            kind, payload = _stored(central_db, item["key"])
            assert (kind, payload) == (item["kind"], item["payload"])  # stored as sent


def test_what_a_database_cannot_hold_is_rejected_per_item_and_the_rest_stored(signed_http, central_db):
    huge = {"notes": "长" * 300_000, "mark": "\u202e\ufeffe\u0301\U0010ffff"}
    batch = [
        {"key": "nul\x00key", "kind": "visit", "created_at": 1.0, "payload": {}},
        {"key": "nul-in-payload", "kind": "visit", "created_at": 1.0, "payload": {"name": "张\x00三"}},
        {"key": "surrogate-key-\ud800", "kind": "visit", "created_at": 1.0, "payload": {}},
        {"key": "surrogate-in-payload", "kind": "visit", "created_at": 1.0, "payload": {"a": ["\udfff"]}},
        {"key": "huge-and-odd", "kind": "visit", "created_at": 1.0, "payload": huge},
    ]
    body = json.dumps({"items": batch}, ensure_ascii=True).encode()
    response = signed_http.post(BATCH_URL, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text[:300]
    answers = [(a["key"], a["status"], a["reason"]) for a in response.json()["results"]]
    assert answers == [
        ("nul\x00key", "rejected", "key: Value error, text must not contain NUL characters"),
        ("nul-in-payload", "rejected", "payload: Value error, text must not contain NUL characters"),
        ("surrogate-key-\\ud800", "rejected", "key: Input should be a valid string, unable to parse raw data as a unicode string"),
        ("surrogate-in-payload", "rejected",
         "payload: Value error, text must be valid Unicode (it holds a lone surrogate)"),
        ("huge-and-odd", "stored", None),
    ]
    assert _stored(central_db, "huge-and-odd") == ("visit", huge)
