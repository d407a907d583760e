"""What every request body passes before any route sees it: an ASGI layer, so routes added
later (payments, new services) are covered without doing anything.

JSON is parsed strictly here: NaN, Infinity and numbers too large for a float (1e400, which
Python reads as inf) are refused with 422. Python's json module accepts all three, no database
column or JSON consumer downstream does, and one such item used to fail its whole batch.
"""

from __future__ import annotations

import json
import math
from typing import Any

Scope = dict[str, Any]
NOT_FINITE = "body: not JSON with finite numbers (NaN, Infinity and numbers beyond a float are refused)"


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


def _is_json(scope: Scope) -> bool:
    """FastAPI parses a body as JSON when it says so, or says nothing."""
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            kind = value.split(b";", 1)[0].strip().lower()
            return kind == b"application/json" or kind.endswith(b"+json")
    return True


async def refuse(send: Any, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class BodyGuard:
    """Reads the body once, checks it, and hands the same bytes to the app."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body and _is_json(scope):
            try:
                loads_strict(body)
            except NotFinite:
                await refuse(send, 422, NOT_FINITE)
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
