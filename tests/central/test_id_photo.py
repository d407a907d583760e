"""Central's id_photo library over real HTTP on SQLite and PostgreSQL: a GA 461 photo made by the
kiosk's own checks and export is stored with consent, reused by its receipt code from another
kiosk, sealed in the database, withdrawn, and purged when it expires."""

from __future__ import annotations

import base64
import time

import pytest
from sqlalchemy import create_engine, select, update

from central.db import id_photos, normalise_url
from central.services import id_photo
from drivers.idcard.demo_cards import load_demo_card
from kiosk.central_client import CentralRejected

ZHANG_WEI = load_demo_card("zhang-wei")
LI_NA = load_demo_card("li-na")


@pytest.fixture(scope="module")
def photo() -> bytes:
    """A GA 461 photo as the kiosk makes it: the compliant scene, checked and exported."""
    from drivers.emulation import photo_scenes
    from kiosk.identity import ga461, photo_checks

    frame = photo_scenes.scene("compliant", frames=1)[0]
    report = photo_checks.assess(frame)
    assert report.passed
    return ga461.export(frame, report.crop)


def store(client, visit_id: str, photo: bytes, card=ZHANG_WEI, **extra) -> dict:
    body = {"visit_id": visit_id, "id_number": card.id_number, "photo": base64.b64encode(photo).decode(),
            "consent": True, **extra}
    return client.call("id_photo", "store", body)


def rejected(call) -> CentralRejected:
    with pytest.raises(CentralRejected) as refused:
        call()
    return refused.value


def rows(central_db: str) -> list[dict]:
    engine = create_engine(normalise_url(central_db))
    try:
        with engine.connect() as conn:
            return [dict(row) for row in conn.execute(select(id_photos)).mappings()]
    finally:
        engine.dispose()


def test_a_stored_photo_is_reused_from_any_kiosk_by_its_receipt_code(enrolled, photo):
    answer = store(enrolled("K-1"), "v-1", photo)
    code = answer["receipt_code"]
    assert code.startswith("ZP") and len(code) == 14
    typed = f"{code[:6].lower()}-{code[6:10]} {code[10:]}"  # as a citizen might type it
    fetched = enrolled("K-2").call("id_photo", "fetch", {"receipt_code": typed, "id_number": ZHANG_WEI.id_number})
    assert base64.b64decode(fetched["photo"]) == photo
    assert fetched["expires_at"] == answer["expires_at"]


def test_the_database_holds_neither_the_photo_nor_the_code_nor_the_number(central, enrolled, photo):
    code = store(enrolled(), "v-1", photo)["receipt_code"]
    [row] = rows(central.database_url)
    assert photo not in row["sealed"] and photo[200:264] not in row["sealed"]
    assert code not in str(row) and ZHANG_WEI.id_number not in str(row)
    assert row["expires_at"] - row["stored_at"] == pytest.approx(id_photo.RETENTION_DAYS * 86400)


def test_only_the_holder_gets_the_photo(enrolled, photo):
    client = enrolled()
    code = store(client, "v-1", photo)["receipt_code"]
    refused = rejected(lambda: client.call("id_photo", "fetch", {"receipt_code": code, "id_number": LI_NA.id_number}))
    assert refused.status == 403 and LI_NA.id_number not in refused.reason
    unknown = rejected(lambda: client.call("id_photo", "fetch",
                                           {"receipt_code": "ZP" + "2" * 12, "id_number": ZHANG_WEI.id_number}))
    assert unknown.status == 404


def test_a_withdrawn_photo_is_gone(central, enrolled, photo):
    client = enrolled()
    code = store(client, "v-1", photo)["receipt_code"]
    key = {"receipt_code": code, "id_number": ZHANG_WEI.id_number}
    assert client.call("id_photo", "withdraw", key) == {"withdrawn": True}
    assert client.call("id_photo", "withdraw", key) == {"withdrawn": False}
    assert rejected(lambda: client.call("id_photo", "fetch", key)).status == 404
    assert rows(central.database_url) == []


def test_an_expired_photo_is_purged(central, enrolled, photo):
    client = enrolled()
    code = store(client, "v-1", photo)["receipt_code"]
    engine = create_engine(normalise_url(central.database_url))
    try:
        with engine.begin() as conn:
            conn.execute(update(id_photos).values(expires_at=time.time() - 1))
    finally:
        engine.dispose()
    key = {"receipt_code": code, "id_number": ZHANG_WEI.id_number}
    assert rejected(lambda: client.call("id_photo", "fetch", key)).status == 404
    assert rows(central.database_url) == []  # not only hidden: deleted


def test_a_resent_store_replaces_the_photo_and_its_code(central, enrolled, photo):
    client = enrolled()
    first = store(client, "v-1", photo)["receipt_code"]
    second = store(client, "v-1", photo)["receipt_code"]
    assert first != second and len(rows(central.database_url)) == 1
    assert rejected(lambda: client.call("id_photo", "fetch",
                                        {"receipt_code": first, "id_number": ZHANG_WEI.id_number})).status == 404
    assert client.call("id_photo", "fetch", {"receipt_code": second, "id_number": ZHANG_WEI.id_number})["photo"]
    assert rejected(lambda: store(client, "v-1", photo, card=LI_NA)).status == 409


def test_without_consent_nothing_is_stored(central, enrolled, photo):
    refused = rejected(lambda: store(enrolled(), "v-1", photo, consent=False))
    assert refused.status == 422 and "consent" in refused.reason
    assert rows(central.database_url) == []


@pytest.mark.parametrize("data, detail", [
    (b"not a jpeg at all", "not a JPEG"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
     b"\xff\xc0\x00\x11\x08\x00\x40\x00\x40\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01", "64×64 px"),
    (b"\xff\xd8" + b"\x00" * (70 * 1024), "photo: String should have at most"),
])
def test_a_photo_that_is_not_ga461_is_refused(enrolled, data, detail):
    refused = rejected(lambda: store(enrolled(), "v-1", data))
    assert refused.status == 422 and detail in refused.reason


def test_jpeg_size_reads_the_frame_header(photo):
    assert id_photo.jpeg_size(photo) == (358, 441)
    assert id_photo.jpeg_size(b"\xff\xd8\xff\xda\x00\x02") is None
    assert id_photo.jpeg_size(photo[:30]) is None
