"""证件照采集 — the photo library behind "take the photo once, reuse it everywhere".

POST …/id_photo/store {visit_id, id_number, photo, consent: true} → {receipt_code, expires_at}
  The kiosk sends a GA 461 photo (base64 JPEG, 358×441) only when the citizen agreed to keep
  it; without consent it sends nothing and central has nothing. The receipt code (回执码) goes
  on the receipt; central keeps only its keyed hash.
POST …/id_photo/fetch {receipt_code, id_number} → {photo, stored_at, expires_at}
  For a later application on any kiosk (or counter): the holder's own photo only (403 for
  another ID number; 404 unknown, expired or withdrawn).
POST …/id_photo/withdraw {receipt_code, id_number} → {withdrawn}
  The holder takes the consent back: the photo is deleted at once.

Sealing: AES-256-GCM under a key derived (HKDF-SHA256, a random salt per photo) from the
receipt code and the ID number. Central never stores the code, so a copy of its database alone
cannot open a photo; whoever holds the receipt and the card can. Photos are deleted
`RETENTION_DAYS` after they were stored (purged on every store and fetch).

Idempotency: one photo per visit. A store repeated for the same visit (its answer was lost)
replaces the photo and gets a new code; the old code, never printed, stops working.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import time
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy import Connection, delete, select

from central.applications import iso_utc, require_valid_id
from central.auth import SignedRequest, signed
from central.context import central_of
from central.db import id_photos, insert_for
from central.identity import id_hash
from central.models import Storable
from central.services.base import ServiceInfo

INFO = ServiceInfo(id="id_photo", title_zh="证件照采集", title_en="ID photo")

router = APIRouter()

RETENTION_DAYS = 180  # assumed: how long a receipt code can be reused
PHOTO_SIZE = (358, 441)  # GA 461-2004
MAX_PHOTO_BYTES = 64 * 1024  # GA 461 photos are about 14–20 KB
CODE_PREFIX = "ZP"  # 照片
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols, no 0/O or 1/I
_CODE_SYMBOLS = 12  # 60 bits


class StoreIn(Storable):
    visit_id: str = Field(min_length=1, max_length=200)
    id_number: str = Field(max_length=32, description="the holder's; never echoed back, stored as a keyed hash")
    photo: str = Field(max_length=MAX_PHOTO_BYTES * 4 // 3 + 8, description="base64 JPEG, 358×441 (GA 461)")
    consent: Literal[True] = Field(description="the citizen agreed to keep the photo; nothing is sent otherwise")


class StoreOut(BaseModel):
    receipt_code: str = Field(description="ZP + 12 characters; print it on the receipt (回执码)")
    expires_at: str = Field(description="ISO 8601 UTC")


class CodeIn(Storable):
    receipt_code: str = Field(min_length=4, max_length=40)
    id_number: str = Field(max_length=32)


class FetchOut(BaseModel):
    photo: str = Field(description="base64 JPEG")
    stored_at: str
    expires_at: str


class WithdrawOut(BaseModel):
    withdrawn: bool = Field(description="false when there was nothing (left) to withdraw")


@router.post("/store", response_model=StoreOut)
def store(body: StoreIn, request: Request, signed_request: SignedRequest = Depends(signed)) -> dict[str, Any]:
    require_valid_id(body.id_number)
    photo = _photo(body.photo)
    central = central_of(request)
    code = new_code()
    now = time.time()
    expires = now + RETENTION_DAYS * 86400
    salt = os.urandom(16)
    with central.engine.begin() as conn:
        kiosk_id = central.verifier.authenticate(conn, signed_request)
        _purge(conn, now)
        person = id_hash(central.hash_key, body.id_number)
        earlier = conn.execute(select(id_photos).where(id_photos.c.visit_id == body.visit_id)).mappings().first()
        if earlier is not None:
            if (earlier["kiosk_id"], earlier["id_hash"]) != (kiosk_id, person):
                raise HTTPException(409, "this visit id was already used for another request")
            conn.execute(delete(id_photos).where(id_photos.c.visit_id == body.visit_id))
        conn.execute(insert_for(conn, id_photos).values(
            code_hash=_code_hash(central.hash_key, code), visit_id=body.visit_id, kiosk_id=kiosk_id, id_hash=person,
            salt=salt, sealed=seal(photo, code, body.id_number, salt), stored_at=now, expires_at=expires,
        ))
    return {"receipt_code": code, "expires_at": iso_utc(expires)}


@router.post("/fetch", response_model=FetchOut)
def fetch(body: CodeIn, request: Request, signed_request: SignedRequest = Depends(signed)) -> dict[str, Any]:
    require_valid_id(body.id_number)
    central = central_of(request)
    code = normalise_code(body.receipt_code)
    with central.engine.begin() as conn:
        central.verifier.authenticate(conn, signed_request)
        _purge(conn, time.time())
        row, refusal = _holders(conn, central.hash_key, code, body.id_number)
    if refusal is not None:  # raised after the commit, so the purge stands
        raise refusal
    photo = open_sealed(row["sealed"], code, body.id_number, row["salt"])
    return {"photo": base64.b64encode(photo).decode(), "stored_at": iso_utc(row["stored_at"]),
            "expires_at": iso_utc(row["expires_at"])}


@router.post("/withdraw", response_model=WithdrawOut)
def withdraw(body: CodeIn, request: Request, signed_request: SignedRequest = Depends(signed)) -> dict[str, Any]:
    require_valid_id(body.id_number)
    central = central_of(request)
    code = normalise_code(body.receipt_code)
    with central.engine.begin() as conn:
        central.verifier.authenticate(conn, signed_request)
        row, refusal = _holders(conn, central.hash_key, code, body.id_number)
        if row is not None:
            conn.execute(delete(id_photos).where(id_photos.c.code_hash == row["code_hash"]))
    if refusal is not None and refusal.status_code != 404:
        raise refusal
    return {"withdrawn": row is not None}


# ---- codes, sealing, the photo -----------------------------------------------------------------


def new_code() -> str:
    return CODE_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_SYMBOLS))


def normalise_code(code: str) -> str:
    """As typed or scanned: case, spaces and dashes do not matter."""
    return "".join(code.split()).replace("-", "").upper()


def _code_hash(key: str, code: str) -> str:
    return hmac.new(bytes.fromhex(key), b"id_photo:" + code.encode(), hashlib.sha256).hexdigest()


def _key(code: str, id_number: str, salt: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    material = f"{code}:{id_number.strip().upper()}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"kiosk id_photo v1").derive(material)


def seal(photo: bytes, code: str, id_number: str, salt: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    return nonce + AESGCM(_key(code, id_number, salt)).encrypt(nonce, photo, b"id_photo")


def open_sealed(sealed: bytes, code: str, id_number: str, salt: bytes) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(_key(code, id_number, salt)).decrypt(sealed[:12], sealed[12:], b"id_photo")
    except InvalidTag:
        raise HTTPException(500, "a stored photo failed its integrity check") from None


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's start-of-frame segment; None if it is not a JPEG."""
    if data[:2] != b"\xff\xd8":
        return None
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            at += 2
            continue
        length = int.from_bytes(data[at + 2:at + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # SOFn
            if at + 9 > len(data):
                return None
            return int.from_bytes(data[at + 7:at + 9], "big"), int.from_bytes(data[at + 5:at + 7], "big")
        if marker == 0xDA or length < 2:  # scan data before any frame header
            return None
        at += 2 + length
    return None


def _photo(encoded: str) -> bytes:
    try:
        photo = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise HTTPException(422, "photo: not base64") from None
    if len(photo) > MAX_PHOTO_BYTES:
        raise HTTPException(422, f"photo: larger than {MAX_PHOTO_BYTES // 1024} KB")
    size = jpeg_size(photo)
    if size is None:
        raise HTTPException(422, "photo: not a JPEG")
    if size != PHOTO_SIZE:
        raise HTTPException(422, f"photo: {size[0]}×{size[1]} px, GA 461 asks for 358×441")
    return photo


def _holders(conn: Connection, key: str, code: str, id_number: str) -> tuple[Any, HTTPException | None]:
    """(the holder's photo row, None), or (None, why not)."""
    row = conn.execute(select(id_photos).where(
        id_photos.c.code_hash == _code_hash(key, code), id_photos.c.expires_at > time.time())).mappings().first()
    if row is None:
        return None, HTTPException(404, "no photo for this receipt code (unknown, expired or withdrawn)")
    if row["id_hash"] != id_hash(key, id_number):
        return None, HTTPException(403, "this receipt code belongs to another ID card")
    return row, None


def _purge(conn: Connection, now: float) -> None:
    conn.execute(delete(id_photos).where(id_photos.c.expires_at <= now))
