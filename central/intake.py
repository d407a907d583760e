"""Record intake (POST /api/v1/records/batch), and what central learns from the records.

Each item is stored once under its idempotency key. A newly stored record also feeds the
services: a rating goes into `ratings`; a visit record whose `document_printed` is true marks
its `result.reference` printed, and one whose `receipt_printed` is true marks its paid order's
receipt printed (`payment.order_id`, or the order whose reprint the visit was granted); a visit
accepted offline (it carries `applicant`) becomes an application (see the service's
`accept_offline`). The applicant's ID number and name are stored in the record only masked and
hashed, never as sent.
"""

from __future__ import annotations

import json
import time
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlalchemy import Connection, select, update

from central import applications, sealing
from central.context import Central
from central.db import counters, insert_for, ratings, records
from central.identity import id_hash, is_valid_id_number, mask_id_number, mask_name
from central.payments import receipts
from central.models import unstorable_text
from central.services.registry import SERVICES

MAX_BATCH = 1000
MAX_ITEM_BYTES = 1024 * 1024  # one record's payload as UTF-8 JSON; a larger one is rejected alone
RATING_REASON_MAX = 200  # characters of the optional free text with a rating


class RecordIn(BaseModel):
    key: str = Field(min_length=1, max_length=200)
    kind: str = Field(pattern=r"^[a-z][a-z0-9_.-]{0,39}$")
    created_at: float
    payload: dict[str, Any]

    @field_validator("key", "payload")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        # PostgreSQL text holds no NUL, and no engine stores a lone surrogate (a JSON escape
        # can carry one): refuse the item here rather than fail the whole batch later.
        problem = unstorable_text(value)
        if problem:
            raise ValueError(problem)
        if isinstance(value, dict) and len(json.dumps(value, ensure_ascii=False).encode()) > MAX_ITEM_BYTES:
            raise ValueError(f"larger than {MAX_ITEM_BYTES // 1024} KiB")
        return value


class ItemResult(BaseModel):
    key: str
    status: str = Field(description="stored | duplicate | rejected")
    reason: str | None = None

    @field_validator("key")
    @classmethod
    def _encodable(cls, key: str) -> str:
        # A rejected key is echoed back; one with a lone surrogate must still encode as JSON.
        return key.encode("utf-8", "backslashreplace").decode("utf-8")


def rating_of(payload: dict[str, Any]) -> tuple[str, int, str | None] | str:
    """(service, level, reason) of a rating record, or why it is not one. Kiosks before the
    service framework send the level as `score`."""
    service = payload.get("service")
    level = payload.get("level", payload.get("score"))
    reason = payload.get("reason")
    if not isinstance(service, str) or not 1 <= len(service) <= 40:
        return "payload.service: a rating needs the service id (1-40 characters)"
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
        return "payload.level: a rating's level is a whole number from 1 to 5"
    if reason is not None and (not isinstance(reason, str) or len(reason) > RATING_REASON_MAX):
        return f"payload.reason: a rating's reason is text of at most {RATING_REASON_MAX} characters"
    return service, level, (reason.strip() or None) if reason else None


def _applicant_problem(applicant: Any) -> str | None:
    if not isinstance(applicant, dict):
        return "payload.applicant: must be an object with id_number and name"
    if not is_valid_id_number(applicant.get("id_number")):
        return "payload.applicant.id_number: not a valid 18-character resident ID number"
    name = applicant.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 64:
        return "payload.applicant.name: 1-64 characters"
    return None


def _problem(item: RecordIn) -> str | None:
    """What the services cannot use in an otherwise storable record (rejected per item)."""
    if "applicant" in item.payload:  # whatever the kind: it is stored masked, so it must be one
        problem = _applicant_problem(item.payload["applicant"])
        if problem:
            return problem
    if item.kind == "rating":
        found = rating_of(item.payload)
        return found if isinstance(found, str) else None
    return None


def _sealed(item: RecordIn, central: Central) -> dict[str, Any]:
    """The payload as stored: the applicant only masked and as a keyed hash, and, when the back
    office takes sealed envelopes (it has a `public_key`), in full sealed to it
    (central/sealing.py), for a decision it takes later: central cannot open that."""
    payload = item.payload
    applicant = payload.get("applicant")
    if not isinstance(applicant, dict):
        return payload
    stored = {
        "id_masked": mask_id_number(applicant["id_number"].upper()),
        "id_hash": id_hash(central.hash_key, applicant["id_number"]),
        "name_masked": mask_name(applicant["name"]),
    }
    recipient = getattr(central.backoffice, "public_key", None)
    if isinstance(recipient, bytes):
        stored["sealed"] = sealing.seal(recipient, {"id_number": applicant["id_number"].upper(),
                                                    "name": applicant["name"].strip()}, item.key)
    return {**payload, "applicant": stored}


def store_batch(conn: Connection, central: Central, kiosk_id: str, items: list[dict[str, Any]]) -> list[ItemResult]:
    """Store each item once under its idempotency key; the unique constraint decides.

    One multi-row INSERT … ON CONFLICT DO NOTHING RETURNING for the whole batch: the keys it
    returns are stored (and only those feed the services, so a resend counts once); any other
    key exists already (from an earlier send, or a concurrent one that committed first) and
    one SELECT tells whose it is.
    """
    results: list[ItemResult | None] = [None] * len(items)
    rows: dict[str, dict[str, Any]] = {}
    sent: dict[str, RecordIn] = {}
    repeated: set[int] = set()  # the same key twice in one batch: the later ones are duplicates
    now = time.time()
    for index, raw in enumerate(items):
        try:
            item = RecordIn.model_validate(raw)
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(part) for part in error["loc"])
            key = raw.get("key") if isinstance(raw.get("key"), str) else ""
            results[index] = ItemResult(key=key, status="rejected", reason=f"{field}: {error['msg']}")
            continue
        problem = _problem(item)
        if problem:
            results[index] = ItemResult(key=item.key, status="rejected", reason=problem)
            continue
        if item.key in rows:
            repeated.add(index)
            continue
        sent[item.key] = item
        rows[item.key] = {"idempotency_key": item.key, "kiosk_id": kiosk_id, "kind": item.kind,
                          "created_at": item.created_at, "received_at": now,
                          "payload": _sealed(item, central)}
    stored: set[str] = set()
    if rows:
        statement = (insert_for(conn, records).on_conflict_do_nothing(index_elements=[records.c.idempotency_key])
                     .returning(records.c.idempotency_key))
        stored = set(conn.execute(statement, list(rows.values())).scalars())
    for key in (key for key in rows if key in stored):  # in the order sent
        _learn(conn, central, kiosk_id, sent[key])
    existing = [key for key in rows if key not in stored]
    owners = dict(conn.execute(
        select(records.c.idempotency_key, records.c.kiosk_id).where(records.c.idempotency_key.in_(existing))
    ).all()) if existing else {}
    for index, raw in enumerate(items):
        if results[index] is not None:
            continue
        key = raw["key"]
        if key in stored and index not in repeated:
            results[index] = ItemResult(key=key, status="stored")
        elif key in stored or owners.get(key) == kiosk_id:
            results[index] = ItemResult(key=key, status="duplicate")
        else:
            results[index] = ItemResult(key=key, status="rejected", reason="key already used by another kiosk")
    duplicates = sum(result.status == "duplicate" for result in results)
    if duplicates:
        conn.execute(
            update(counters).where(counters.c.name == "duplicates_rejected").values(value=counters.c.value + duplicates)
        )
    return [result for result in results if result is not None]


def _learn(conn: Connection, central: Central, kiosk_id: str, item: RecordIn) -> None:
    payload = item.payload
    if item.kind == "rating":
        service, level, reason = rating_of(payload)
        conn.execute(insert_for(conn, ratings).values(
            record_key=item.key, kiosk_id=kiosk_id, service=service, level=level, reason=reason,
            rated_at=item.created_at,
        ).on_conflict_do_nothing())
        return
    if item.kind != "visit":
        return
    service = payload.get("service")
    module = SERVICES.get(service) if isinstance(service, str) else None
    if module is not None and hasattr(module, "learn_record"):  # what only the record tells
        module.learn_record(conn, central, kiosk_id, payload)
    if "applicant" in payload and module is not None and hasattr(module, "accept_offline"):
        visit_id = payload.get("visit_id") if isinstance(payload.get("visit_id"), str) else item.key
        module.accept_offline(conn, central, kiosk_id, visit_id[:200], payload, item.created_at)
    result = payload.get("result") if isinstance(payload.get("result"), dict) else {}
    reference = result.get("reference")
    if isinstance(reference, str) and reference and payload.get("document_printed") is True:
        applications.mark_printed(conn, reference)
    receipts.learn_printed(conn, kiosk_id, payload)
