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
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlalchemy import Connection, Engine, select, text, update

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

    @field_validator("key", "payload")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        # PostgreSQL text holds no NUL, and no engine stores a lone surrogate (a JSON escape
        # can carry one): refuse the item here rather than fail the whole batch later.
        problem = _unstorable_text(value)
        if problem:
            raise ValueError(problem)
        return value


def _unstorable_text(value: Any) -> str | None:
    if isinstance(value, str):
        if "\x00" in value:
            return "text must not contain NUL characters"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "text must be valid Unicode (it holds a lone surrogate)"
        return None
    if isinstance(value, dict):
        return next(filter(None, map(_unstorable_text, [*value.keys(), *value.values()])), None)
    if isinstance(value, list):
        return next(filter(None, map(_unstorable_text, value)), None)
    return None


class BatchIn(BaseModel):
    items: list[dict[str, Any]] = Field(max_length=MAX_BATCH)


class ItemResult(BaseModel):
    key: str
    status: str = Field(description="stored | duplicate | rejected")
    reason: str | None = None

    @field_validator("key")
    @classmethod
    def _encodable(cls, key: str) -> str:
        # A rejected key is echoed back; one with a lone surrogate must still encode as JSON.
        return key.encode("utf-8", "backslashreplace").decode("utf-8")


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

    def signed(request: Request, body: bytes = Depends(raw_body)) -> SignedRequest:
        return verifier.check(request.method, request.url.path, request.headers, body)

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
    def records_batch(body: BatchIn, request: SignedRequest = Depends(signed)) -> BatchOut:
        with engine.begin() as conn:
            return BatchOut(results=_store_batch(conn, verifier.authenticate(conn, request), body.items))

    @app.post(f"{API}/certificates/no-criminal-record")
    def no_criminal_record(
        body: CertificateIn, request: Request, signed_request: SignedRequest = Depends(signed)
    ) -> dict[str, Any]:
        if not is_valid_id_number(body.id_number):
            raise HTTPException(422, "id_number is not a valid 18-character resident ID number")
        with engine.begin() as conn:
            row = _certificate_for(conn, verifier.authenticate(conn, signed_request), body, hash_key)
        base = (public_url or str(request.base_url)).rstrip("/")
        return _certificate_answer(row, base)

    @app.post(f"{API}/heartbeat")
    def heartbeat(body: HeartbeatIn, request: SignedRequest = Depends(signed)) -> dict[str, Any]:
        now = time.time()
        with engine.begin() as conn:
            kiosk_id = verifier.authenticate(conn, request)
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


@dataclass(frozen=True)
class SignedRequest:
    """A request whose signature headers are well formed; not yet checked against a secret."""

    kiosk_id: str
    nonce: str
    message: bytes
    signature: str
    received_at: float


class SignatureVerifier:
    """Checks X-Kiosk-Id / X-Timestamp / X-Nonce / X-Signature; answers 401 on any doubt.

    `check` needs no database; `authenticate` looks up the secret and remembers the nonce in the
    caller's transaction, so a request costs one transaction and one commit, and a request
    whose work rolls back leaves no nonce behind (a resend of it is then no replay).
    """

    def __init__(self, engine: Engine):
        self._engine = engine
        self._prune_lock = threading.Lock()
        self._last_prune = 0.0

    def check(self, method: str, path: str, headers: Any, body: bytes) -> SignedRequest:
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
        message = "\n".join([method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest()])
        return SignedRequest(kiosk_id, nonce.lower(), message.encode(), signature.lower(), now)

    def authenticate(self, conn: Connection, request: SignedRequest) -> str:
        """The kiosk id, once its secret matches and the nonce is new; inside `conn`'s transaction."""
        self._prune(request.received_at)
        secret = kiosk_secret(conn, request.kiosk_id)
        if secret is None:
            raise _unauthorised("unknown kiosk")
        expected = hmac.new(secret, request.message, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.signature):
            raise _unauthorised("bad signature")
        fresh = conn.execute(
            insert_for(conn, nonces).values(kiosk_id=request.kiosk_id, nonce=request.nonce, seen_at=request.received_at)
            .on_conflict_do_nothing().returning(nonces.c.nonce)
        ).first()
        if fresh is None:
            raise _unauthorised("replayed request (nonce already used)")
        return request.kiosk_id

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


def _store_batch(conn: Connection, kiosk_id: str, items: list[dict[str, Any]]) -> list[ItemResult]:
    """Store each item once under its idempotency key; the unique constraint decides.

    One multi-row INSERT … ON CONFLICT DO NOTHING RETURNING for the whole batch: the keys it
    returns are stored; any other key exists already (from an earlier send, or a concurrent
    one that committed first) and one SELECT tells whose it is.
    """
    results: list[ItemResult | None] = [None] * len(items)
    rows: dict[str, dict[str, Any]] = {}
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
        if item.key in rows:
            repeated.add(index)
            continue
        rows[item.key] = {"idempotency_key": item.key, "kiosk_id": kiosk_id, "kind": item.kind,
                          "created_at": item.created_at, "received_at": now, "payload": item.payload}
    stored: set[str] = set()
    if rows:
        statement = (insert_for(conn, records).on_conflict_do_nothing(index_elements=[records.c.idempotency_key])
                     .returning(records.c.idempotency_key))
        stored = set(conn.execute(statement, list(rows.values())).scalars())
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


def _certificate_for(conn: Connection, kiosk_id: str, body: CertificateIn, hash_key: str) -> dict[str, Any]:
    """Decide once per visit; a repeated request gets the same answer (and number)."""
    person = id_hash(hash_key, body.id_number)
    refused = demo_data.has_criminal_record(body.id_number)
    now = time.time()
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
