"""Checking kiosk signatures, as a FastAPI dependency every signed route (and router) shares.

`signed` checks the headers without the database; the route then calls
`central.verifier.authenticate(conn, request)` inside its own transaction, so the nonce is
remembered in the same commit as the work (a request whose work rolls back leaves no nonce,
and a resend of it is then no replay). The message itself is built by common/signing.py, the
same code the kiosk signs with.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, replace
from typing import Any

from fastapi import Depends, HTTPException, Request
from sqlalchemy import Connection, Engine

from central.db import insert_for, kiosk_secret, nonces
from central.ratelimit import RateLimiter, TooMany
from common import signing

CLOCK_SKEW_S = 300
_NONCE = re.compile(r"[0-9a-fA-F]{16,64}")
NOT_AUTHENTICATED = "unknown kiosk or bad signature"
_NO_SECRET = bytes(32)


@dataclass(frozen=True)
class SignedRequest:
    """A request whose signature headers are well formed; not yet checked against a secret."""

    kiosk_id: str
    nonce: str
    message: bytes
    signature: str
    received_at: float
    source: str = "unknown"  # the sender's address, for the rate limits


class SignatureVerifier:
    """Checks X-Kiosk-Id / X-Timestamp / X-Nonce / X-Signature; answers 401 on any doubt."""

    def __init__(self, engine: Engine, limiter: RateLimiter | None = None):
        self._engine = engine
        self.limiter = limiter
        self._prune_lock = threading.Lock()
        self._last_prune = 0.0

    def check(self, method: str, path: str, headers: Any, body: bytes, query: str = "") -> SignedRequest:
        kiosk_id = headers.get("x-kiosk-id", "")
        timestamp = headers.get("x-timestamp", "")
        nonce = headers.get("x-nonce", "")
        signature = headers.get("x-signature", "")
        if not (kiosk_id and timestamp and nonce and signature):
            raise unauthorised("missing signature headers")
        if not _NONCE.fullmatch(nonce):
            raise unauthorised("malformed nonce")
        try:
            sent_at = int(timestamp)
        except ValueError:
            raise unauthorised("malformed timestamp") from None
        now = time.time()
        if abs(now - sent_at) > CLOCK_SKEW_S:
            raise unauthorised(f"timestamp outside ±{CLOCK_SKEW_S} s: check the kiosk's clock")
        message = signing.message(method, path, timestamp, nonce, body, query)
        return SignedRequest(kiosk_id, nonce.lower(), message, signature, now)

    def authenticate(self, conn: Connection, request: SignedRequest) -> str:
        """The kiosk id, once its secret matches and the nonce is new; inside `conn`'s transaction."""
        self.limit("check", "auth_failure", request.source)
        try:
            kiosk_id = self._authenticate(conn, request)
        except HTTPException as exc:
            if exc.status_code == 401:
                self.limit("hit", "auth_failure", request.source)
            raise
        self.limit("hit", "kiosk", kiosk_id)
        return kiosk_id

    def _authenticate(self, conn: Connection, request: SignedRequest) -> str:
        self._prune(request.received_at)
        secret = kiosk_secret(conn, request.kiosk_id)
        # One answer, and the same work, for an unknown kiosk as for a wrong signature: which
        # kiosk ids exist is not for an unauthenticated caller to learn.
        matches = signing.verify(secret or _NO_SECRET, request.message, request.signature)
        if secret is None or not matches:
            raise unauthorised(NOT_AUTHENTICATED)
        fresh = conn.execute(
            insert_for(conn, nonces).values(kiosk_id=request.kiosk_id, nonce=request.nonce, seen_at=request.received_at)
            .on_conflict_do_nothing().returning(nonces.c.nonce)
        ).first()
        if fresh is None:
            raise unauthorised("replayed request (nonce already used)")
        return request.kiosk_id

    def limit(self, how: str, kind: str, key: str) -> None:
        if self.limiter is None:
            return
        try:
            getattr(self.limiter, how)(kind, key)
        except TooMany as exc:
            raise HTTPException(429, str(exc), headers={"Retry-After": str(exc.retry_after)}) from None

    def _prune(self, now: float) -> None:
        # A nonce older than twice the skew window can no longer pass the timestamp check.
        with self._prune_lock:
            if now - self._last_prune < 60:
                return
            self._last_prune = now
        with self._engine.begin() as conn:
            conn.execute(nonces.delete().where(nonces.c.seen_at < now - 2 * CLOCK_SKEW_S))


def unauthorised(reason: str) -> HTTPException:
    return HTTPException(401, reason)


async def raw_body(request: Request) -> bytes:
    return await request.body()  # within its limit already (central/guard.py)


def signed(request: Request, body: bytes = Depends(raw_body)) -> SignedRequest:
    """Dependency: the request's signature headers, checked against its method, path and body."""
    verifier = request.app.state.central.verifier
    source = request.client.host if request.client else "unknown"
    verifier.limit("check", "auth_failure", source)
    try:
        checked = verifier.check(request.method, request.url.path, request.headers, body,
                                 request.scope.get("query_string", b"").decode("latin-1"))
    except HTTPException:
        verifier.limit("hit", "auth_failure", source)
        raise
    return replace(checked, source=source)
