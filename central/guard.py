"""What every request passes before any route sees it: an ASGI layer, so routes added later
(payments, new services) are covered without doing anything.

In order, each before the next costs anything:
1. the source address's rate limit (central/ratelimit.py): 429 with Retry-After;
2. the body's size: a declared Content-Length over the path's limit is answered 413 without
   reading a byte, and a body sent without one (chunked) is counted as it streams and
   refused the moment it passes the limit, so a refused upload never holds more than its
   limit in memory: N concurrent oversized uploads hold at most N × the largest limit;
3. strict JSON: NaN, Infinity and numbers too large for a float (1e400, which Python reads as
   inf) are refused with 422. Python's json module accepts all three, no database column or
   JSON consumer downstream does, and one such item used to fail its whole batch.
Only then does the app see the request, and with it the signature check.
"""

from __future__ import annotations

import json
import math
from typing import Any

from central.ratelimit import RateLimiter, TooMany

Scope = dict[str, Any]
NOT_FINITE = "body: not JSON with finite numbers (NaN, Infinity and numbers beyond a float are refused)"
TOO_LARGE = "request body too large"

# Bytes a request body may have, by path prefix (the longest matching prefix wins).
DEFAULT_BODY_LIMIT = 64 * 1024
BODY_LIMITS = {
    "/api/v1/records/batch": 8 * 1024 * 1024,  # up to MAX_BATCH items (central/intake.py)
    "/api/v1/heartbeat": 64 * 1024,
    "/api/v1/enrol": 1024,
    # A GA 461 photo (base64, central/services/id_photo.py MAX_PHOTO_BYTES) with room for the
    # model to refuse an oversized one by name.
    "/api/v1/services/id_photo/store": 256 * 1024,
    # A kiosk's screenshot or diagnostic bundle for support (central/remote.py MAX_UPLOAD).
    "/api/v1/remote": 5 * 1024 * 1024,
    "/fleet": 8 * 1024,  # the operators' forms: an id, a password, a token
}


def body_limit(path: str) -> int:
    matches = [prefix for prefix in BODY_LIMITS if path == prefix or path.startswith(prefix + "/")]
    return BODY_LIMITS[max(matches, key=len)] if matches else DEFAULT_BODY_LIMIT


class NotFinite(ValueError):
    pass


def _constant(name: str) -> float:
    raise NotFinite(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise NotFinite(text[:20])
    return value


def loads_strict(body: bytes) -> Any:
    """json.loads that refuses NaN, ±Infinity and overflowing numbers (NotFinite)."""
    return json.loads(body, parse_constant=_constant, parse_float=_finite_float)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value
    return None


def _is_json(scope: Scope) -> bool:
    """FastAPI parses a body as JSON when it says so, or says nothing."""
    value = _header(scope, b"content-type")
    if value is None:
        return True
    kind = value.split(b";", 1)[0].strip().lower()
    return kind == b"application/json" or kind.endswith(b"+json")


def source_of(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


async def refuse(send: Any, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class BodyGuard:
    """Reads the body once, within its limit, checks it, and hands the same bytes to the app."""

    def __init__(self, app: Any, limiter: RateLimiter | None = None):
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.limiter is not None:
            try:
                self.limiter.hit("source", source_of(scope))
            except TooMany as exc:
                await refuse(send, 429, str(exc), [(b"retry-after", str(exc.retry_after).encode())])
                return
        limit = body_limit(scope["path"])
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await refuse(send, 400, "malformed Content-Length")
                return
            if int(declared) > limit:
                await refuse(send, 413, TOO_LARGE, [(b"connection", b"close")])
                return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await refuse(send, 413, TOO_LARGE, [(b"connection", b"close")])
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        del chunks
        if body and _is_json(scope):
            try:
                loads_strict(body)
            except NotFinite:
                await refuse(send, 422, NOT_FINITE)
                return
            except RecursionError:  # FastAPI's own parse would fail the same way, as a 500
                await refuse(send, 422, "body: JSON nested too deeply")
                return
            except ValueError:
                pass  # not JSON at all: FastAPI's own 422 says so
        await self.app(scope, _replay(body, receive), send)


def _replay(body: bytes, receive: Any) -> Any:
    sent = False

    async def replayed() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: a disconnect, when it comes

    return replayed
