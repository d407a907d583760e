"""The reference central backend: record intake, certificates, verification, heartbeats.

Kiosk requests are signed (HMAC-SHA256 over method, path, timestamp, nonce and body hash with
the kiosk's secret); the kiosk id used everywhere comes from the verified signature, never
from the body. Endpoints are plain `def`s: FastAPI runs them in its thread pool, where the
synchronous SQLAlchemy engine belongs.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import html
import re
import secrets
import threading
import time
from datetime import date, datetime, timedelta, timezone
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import Engine, select, text, update
from sqlalchemy.exc import IntegrityError

from central import demo_data
from central.db import (
    KIOSK_ID,
    certificates,
    counters,
    create_engine_for,
    enrol_kiosk,
    heartbeats,
    insert_for,
    kiosk_secret,
    nonces,
    records,
    setting,
)
from central.identity import id_hash, is_valid_id_number, mask_id_number, mask_name

API = "/api/v1"
CLOCK_SKEW_S = 300
MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_BATCH = 1000
CST = timezone(timedelta(hours=8))  # certificates show Beijing time
CERTIFICATE_VALID_MONTHS = 3
_CERT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over a phone


class RecordIn(BaseModel):
    key: str = Field(min_length=1, max_length=200)
    kind: str = Field(pattern=r"^[a-z][a-z0-9_.-]{0,39}$")
    created_at: float
    payload: dict[str, Any]


class BatchIn(BaseModel):
    items: list[dict[str, Any]] = Field(max_length=MAX_BATCH)


class ItemResult(BaseModel):
    key: str
    status: str = Field(description="stored | duplicate | rejected")
    reason: str | None = None


class BatchOut(BaseModel):
    results: list[ItemResult]


class EnrolIn(BaseModel):
    kiosk_id: str


class CertificateIn(BaseModel):
    visit_id: str = Field(min_length=1, max_length=200)
    id_number: str = Field(description="18-character resident ID number; never echoed back")
    name: str = Field(min_length=1, max_length=64)
    purpose: str = Field(min_length=1, max_length=200)


class HeartbeatIn(BaseModel):
    status: dict[str, Any]


def create_app(database_url: str, *, dev: bool = False, public_url: str | None = None) -> FastAPI:
    engine = create_engine_for(database_url)
    hash_key = setting(engine, "id_hash_key")
    verifier = SignatureVerifier(engine)
    app = FastAPI(title="Police kiosk central", version="1", docs_url="/docs")
    app.state.engine = engine

    async def raw_body(request: Request) -> bytes:
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            raise HTTPException(413, "request body too large")
        return body

    def signed_kiosk(request: Request, body: bytes = Depends(raw_body)) -> str:
        return verifier.verify(request.method, request.url.path, request.headers, body)

    @app.get(f"{API}/health")
    def health() -> dict[str, str]:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            raise HTTPException(503, "database unavailable") from None
        return {"status": "ok"}

    @app.post(f"{API}/enrol")
    def enrol(body: EnrolIn) -> dict[str, str]:
        if not dev:
            raise HTTPException(403, "self-enrolment is off; provision with `kiosk central enrol`")
        if not KIOSK_ID.match(body.kiosk_id):
            raise HTTPException(422, "kiosk id must be 1-64 letters, digits, '.', '_' or '-'")
        return {"kiosk_id": body.kiosk_id, "secret": enrol_kiosk(engine, body.kiosk_id).hex()}

    @app.post(f"{API}/records/batch")
    def records_batch(body: BatchIn, kiosk_id: str = Depends(signed_kiosk)) -> BatchOut:
        return BatchOut(results=_store_batch(engine, kiosk_id, body.items))

    @app.post(f"{API}/certificates/no-criminal-record")
    def no_criminal_record(
        body: CertificateIn, request: Request, kiosk_id: str = Depends(signed_kiosk)
    ) -> dict[str, Any]:
        if not is_valid_id_number(body.id_number):
            raise HTTPException(422, "id_number is not a valid 18-character resident ID number")
        row = _certificate_for(engine, kiosk_id, body, hash_key)
        base = (public_url or str(request.base_url)).rstrip("/")
        return _certificate_answer(row, base)

    @app.post(f"{API}/heartbeat")
    def heartbeat(body: HeartbeatIn, kiosk_id: str = Depends(signed_kiosk)) -> dict[str, Any]:
        now = time.time()
        with engine.begin() as conn:
            statement = insert_for(conn, heartbeats).values(kiosk_id=kiosk_id, received_at=now, status=body.status)
            conn.execute(statement.on_conflict_do_update(
                index_elements=[heartbeats.c.kiosk_id],
                set_={"received_at": statement.excluded.received_at, "status": statement.excluded.status},
            ))
        return {"ok": True, "server_time": _iso(now)}

    @app.get("/verify/{certificate_no}", response_class=HTMLResponse)
    def verify(certificate_no: str) -> HTMLResponse:
        with engine.connect() as conn:
            row = conn.execute(
                select(certificates).where(certificates.c.certificate_no == certificate_no)
            ).mappings().first()
        if row is None:
            return HTMLResponse(_page("未找到该证明 / Certificate not found", []), status_code=404)
        return HTMLResponse(_verification_page(row))

    return app


class SignatureVerifier:
    """Checks X-Kiosk-Id / X-Timestamp / X-Nonce / X-Signature; answers 401 on any doubt."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self._prune_lock = threading.Lock()
        self._last_prune = 0.0

    def verify(self, method: str, path: str, headers: Any, body: bytes) -> str:
        kiosk_id = headers.get("x-kiosk-id", "")
        timestamp = headers.get("x-timestamp", "")
        nonce = headers.get("x-nonce", "")
        signature = headers.get("x-signature", "")
        if not (kiosk_id and timestamp and nonce and signature):
            raise _unauthorised("missing signature headers")
        if not re.fullmatch(r"[0-9a-fA-F]{16,64}", nonce):
            raise _unauthorised("malformed nonce")
        try:
            sent_at = int(timestamp)
        except ValueError:
            raise _unauthorised("malformed timestamp") from None
        now = time.time()
        if abs(now - sent_at) > CLOCK_SKEW_S:
            raise _unauthorised(f"timestamp outside ±{CLOCK_SKEW_S} s: check the kiosk's clock")
        secret = kiosk_secret(self._engine, kiosk_id)
        if secret is None:
            raise _unauthorised("unknown kiosk")
        message = "\n".join([method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest()])
        expected = hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature.lower()):
            raise _unauthorised("bad signature")
        self._remember_nonce(kiosk_id, nonce, now)
        return kiosk_id

    def _remember_nonce(self, kiosk_id: str, nonce: str, now: float) -> None:
        self._prune(now)
        try:
            with self._engine.begin() as conn:
                conn.execute(nonces.insert().values(kiosk_id=kiosk_id, nonce=nonce.lower(), seen_at=now))
        except IntegrityError:
            raise _unauthorised("replayed request (nonce already used)") from None

    def _prune(self, now: float) -> None:
        # A nonce older than twice the skew window can no longer pass the timestamp check.
        with self._prune_lock:
            if now - self._last_prune < 60:
                return
            self._last_prune = now
        with self._engine.begin() as conn:
            conn.execute(nonces.delete().where(nonces.c.seen_at < now - 2 * CLOCK_SKEW_S))


def _unauthorised(reason: str) -> HTTPException:
    return HTTPException(401, reason)


def _store_batch(engine: Engine, kiosk_id: str, items: list[dict[str, Any]]) -> list[ItemResult]:
    """Store each item once under its idempotency key; the unique constraint decides."""
    results: list[ItemResult] = []
    now = time.time()
    duplicates = 0
    with engine.begin() as conn:
        for raw in items:
            key = raw.get("key") if isinstance(raw.get("key"), str) else ""
            try:
                item = RecordIn.model_validate(raw)
            except ValidationError as exc:
                error = exc.errors()[0]
                field = ".".join(str(part) for part in error["loc"])
                results.append(ItemResult(key=key, status="rejected", reason=f"{field}: {error['msg']}"))
                continue
            inserted = conn.execute(
                insert_for(conn, records).values(
                    idempotency_key=item.key,
                    kiosk_id=kiosk_id,
                    kind=item.kind,
                    created_at=item.created_at,
                    received_at=now,
                    payload=item.payload,
                ).on_conflict_do_nothing(index_elements=[records.c.idempotency_key])
                # RETURNING, not rowcount: psycopg reports -1 for a skipped row, SQLite 0.
                .returning(records.c.id)
            ).first()
            if inserted is not None:
                results.append(ItemResult(key=item.key, status="stored"))
                continue
            owner = conn.execute(
                select(records.c.kiosk_id).where(records.c.idempotency_key == item.key)
            ).scalar()
            if owner == kiosk_id:
                duplicates += 1
                results.append(ItemResult(key=item.key, status="duplicate"))
            else:
                results.append(ItemResult(key=item.key, status="rejected", reason="key already used by another kiosk"))
        if duplicates:
            conn.execute(
                update(counters)
                .where(counters.c.name == "duplicates_rejected")
                .values(value=counters.c.value + duplicates)
            )
    return results


def _certificate_for(engine: Engine, kiosk_id: str, body: CertificateIn, hash_key: str) -> dict[str, Any]:
    """Decide once per visit; a repeated request gets the same answer (and number)."""
    person = id_hash(hash_key, body.id_number)
    refused = demo_data.has_criminal_record(body.id_number)
    now = time.time()
    with engine.begin() as conn:
        conn.execute(
            insert_for(conn, certificates).values(
                visit_id=body.visit_id,
                kiosk_id=kiosk_id,
                certificate_no=None if refused else _new_certificate_no(now),
                purpose=body.purpose,
                outcome="refused" if refused else "issued",
                reason=demo_data.REFUSAL_REASON if refused else None,
                issued_at=now,
                id_masked=mask_id_number(body.id_number.upper()),
                id_hash=person,
                name_masked=mask_name(body.name),
            ).on_conflict_do_nothing(index_elements=[certificates.c.visit_id])
        )
        row = conn.execute(
            select(certificates).where(certificates.c.visit_id == body.visit_id)
        ).mappings().one()
    if row["kiosk_id"] != kiosk_id or row["id_hash"] != person:
        raise HTTPException(409, "this visit id was already used for another request")
    return dict(row)


def _new_certificate_no(now: float) -> str:
    day = datetime.fromtimestamp(now, CST).strftime("%Y%m%d")
    return f"NCR{day}" + "".join(secrets.choice(_CERT_ALPHABET) for _ in range(8))


def _certificate_answer(row: dict[str, Any], base_url: str) -> dict[str, Any]:
    issued = row["outcome"] == "issued"
    return {
        "outcome": row["outcome"],
        "certificate_no": row["certificate_no"],
        "verify_url": f"{base_url}/verify/{row['certificate_no']}" if issued else None,
        "issued_at": _iso(row["issued_at"]),
        "valid_until": _valid_until(row["issued_at"]).isoformat() if issued else None,
        "reason": row["reason"],
    }


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, CST).isoformat(timespec="seconds")


def _valid_until(issued_at: float) -> date:
    """Three calendar months on, clamped to the month's end (30 Nov → 28/29 Feb)."""
    issued = datetime.fromtimestamp(issued_at, CST).date()
    month_index = issued.month - 1 + CERTIFICATE_VALID_MONTHS
    year, month = issued.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(issued.day, calendar.monthrange(year, month)[1]))


def _verification_page(row: Any) -> str:
    valid_until = _valid_until(row["issued_at"])
    valid = datetime.now(CST).date() <= valid_until
    status = "有效 / Valid" if valid else "已过期 / Expired"
    fields = [
        ("证明编号 / Certificate no.", row["certificate_no"]),
        ("状态 / Status", status),
        ("姓名 / Name", row["name_masked"]),
        ("公民身份号码 / ID number", row["id_masked"]),
        ("用途 / Purpose", row["purpose"]),
        ("开具日期 / Issued", datetime.fromtimestamp(row["issued_at"], CST).date().isoformat()),
        ("有效期至 / Valid until", valid_until.isoformat()),
    ]
    return _page("无犯罪记录证明 / No-criminal-record certificate", fields)


def _page(title: str, fields: list[tuple[str, str]]) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(label)}</th><td>{html.escape(str(value))}</td></tr>" for label, value in fields
    )
    return (
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:1.5em}th{text-align:left;padding-right:1em}"
        "td,th{padding:.3em 0;border-bottom:1px solid #ddd}</style></head>"
        f"<body><h1>{html.escape(title)}</h1><table>{rows}</table></body></html>"
    )
