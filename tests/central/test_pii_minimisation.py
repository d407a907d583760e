"""Central keeps no plain ID number or name: an offline-accepted application's applicant is
stored masked, as a keyed hash, and sealed to the back-office adapter's X25519 key, which alone
opens it; the database files (WAL included) hold neither in clear, and no answer or log line
echoes them."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from central.db import metadata, normalise_url, records
from central.demo_backoffice import DemoBackOffice
from central.sealing import Unsealable
from central.server import EmbeddedCentral
from kiosk.central_client import CentralClient

ID18 = "11010519491231002X"
NAME = "欧阳娜娜"


def _offline(key: str, id_number: str = ID18, name: str = NAME) -> dict:
    return {"key": key, "kind": "visit", "created_at": time.time(), "payload": {
        "visit_id": key, "service": "no_criminal_record", "outcome": "completed",
        "choices": {"purpose": "employment"},
        "result": {"outcome": "accepted_offline", "reference": f"SQ20261202{key[-8:].upper()}"},
        "applicant": {"id_number": id_number, "name": name}}}


def _everything_stored(database_url: str) -> bytes:
    """The database as bytes: every file of a SQLite database, or every row of every table."""
    url = normalise_url(database_url)
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return "\n".join(str(row) for table in metadata.sorted_tables
                             for row in conn.execute(select(table))).encode()
    finally:
        engine.dispose()


@pytest.fixture
def adapter() -> DemoBackOffice:
    return DemoBackOffice()


@pytest.fixture
def kiosk(central_db, adapter):
    with EmbeddedCentral(central_db, backoffice=adapter) as server:
        with CentralClient(server.url, "K-1", CentralClient.enrol(server.url, "K-1")) as client:
            yield client


def test_no_plain_id_number_or_name_is_stored(kiosk, central_db):
    assert [a["status"] for a in kiosk.post_batch([_offline("v-00000001")])] == ["stored"]
    stored = _everything_stored(central_db)
    for personal in (ID18, ID18[4:14], NAME):
        assert personal.encode() not in stored
    assert "欧**娜".encode() in stored or "\\u6b27**\\u5a1c".encode() in stored


def test_the_applicant_travels_sealed_to_the_adapter_alone(kiosk, central_db, adapter):
    kiosk.post_batch([_offline("v-00000002")])
    engine = create_engine(normalise_url(central_db))
    try:
        with engine.connect() as conn:
            payload = conn.execute(select(records.c.payload).where(records.c.idempotency_key == "v-00000002")).scalar_one()
    finally:
        engine.dispose()
    envelope = payload["applicant"]["sealed"]
    assert set(payload["applicant"]) == {"id_masked", "id_hash", "name_masked", "sealed"}
    applicant = adapter.open_applicant(envelope, "v-00000002")
    assert (applicant.id_number, applicant.name) == (ID18, NAME)
    with pytest.raises(Unsealable):
        DemoBackOffice().open_applicant(envelope, "v-00000002")  # another adapter's key
    with pytest.raises(Unsealable):
        adapter.open_applicant(envelope, "v-00000003")  # moved to another record
    with pytest.raises(Unsealable):
        adapter.open_applicant(envelope[:-4] + "AAAA", "v-00000002")  # altered


@pytest.mark.parametrize("id_number, name", [
    ("11010519491231002Y", NAME), (ID18 + "\n", NAME), (ID18, NAME * 20), (ID18, {"n": NAME}),
])
def test_a_rejected_applicant_is_not_echoed(kiosk, central_db, caplog, id_number, name):
    with caplog.at_level(logging.DEBUG):
        [answer] = kiosk.post_batch([_offline("v-00000004", id_number, name)])
    assert answer["status"] == "rejected"
    for personal in (ID18, ID18[4:14], NAME):
        assert personal not in answer["reason"] and personal not in caplog.text
    assert ID18.encode() not in _everything_stored(central_db)
