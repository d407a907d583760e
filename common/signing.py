"""Kiosk request signing: HMAC-SHA256 over method, target, timestamp, nonce and body hash.

The kiosk signs (kiosk/central_client.py), central verifies (central/auth.py); both build the
message here, so they cannot drift apart. The target is the path, with "?" and the raw query
string when there is one: a query cannot be added or changed on the way. A request without a
query signs exactly as before queries were signed.
"""

from __future__ import annotations

import hashlib
import hmac


def message(method: str, path: str, timestamp: str, nonce: str, body: bytes, query: str = "") -> bytes:
    """What is signed: one line each, the body as its SHA-256 in hex."""
    target = f"{path}?{query}" if query else path
    return "\n".join([method.upper(), target, timestamp, nonce, hashlib.sha256(body).hexdigest()]).encode()


def sign(secret: bytes, method: str, path: str, timestamp: str, nonce: str, body: bytes, query: str = "") -> str:
    """Hex HMAC-SHA256 of `message(...)` with the kiosk's secret."""
    return hmac.new(secret, message(method, path, timestamp, nonce, body, query), hashlib.sha256).hexdigest()


def verify(secret: bytes, signed_message: bytes, signature: str) -> bool:
    """Constant-time comparison of `signature` (hex, any case) with the expected one."""
    expected = hmac.new(secret, signed_message, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.lower())
