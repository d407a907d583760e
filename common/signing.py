"""Kiosk request signing: HMAC-SHA256 over method, path, timestamp, nonce and body hash.

The kiosk signs (kiosk/central_client.py), central verifies (central/auth.py); both build the
message here, so they cannot drift apart.
"""

from __future__ import annotations

import hashlib
import hmac


def message(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """What is signed: one line each, the body as its SHA-256 in hex."""
    return "\n".join([method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest()]).encode()


def sign(secret: bytes, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of `message(...)` with the kiosk's secret."""
    return hmac.new(secret, message(method, path, timestamp, nonce, body), hashlib.sha256).hexdigest()


def verify(secret: bytes, signed_message: bytes, signature: str) -> bool:
    """Constant-time comparison of `signature` (hex, any case) with the expected one."""
    expected = hmac.new(secret, signed_message, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.lower())
