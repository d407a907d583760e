"""Signed payment notifications: HMAC-SHA256 over timestamp, nonce and the raw body.

The simulator signs, central verifies; both build the message here so they cannot drift apart.
A notification is refused when its signature is wrong, its timestamp is further than `max_age_s`
from now (either way), or its nonce was seen before (a replay). A provider that resends the same
payment sends a NEW nonce: that one is accepted here, and central must treat the second copy of
a payment it already recorded as a no-op.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

TIMESTAMP = "X-Pay-Timestamp"
NONCE = "X-Pay-Nonce"
SIGNATURE = "X-Pay-Signature"


class BadNotification(ValueError):
    """A notification that must not be believed: say why, and record nothing."""


@dataclass(frozen=True)
class Notification:
    order_id: str
    provider_ref: str
    state: str
    paid_fen: int
    paid_at: datetime | None
    nonce: str


def message(timestamp: str, nonce: str, body: bytes) -> bytes:
    return timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body


def sign(key: bytes, timestamp: str, nonce: str, body: bytes) -> str:
    return hmac.new(key, message(timestamp, nonce, body), hashlib.sha256).hexdigest()


def signed_headers(key: bytes, body: bytes, *, now: float | None = None, nonce: str | None = None) -> dict[str, str]:
    import secrets

    timestamp = str(int(time.time() if now is None else now))
    nonce = nonce or secrets.token_hex(16)
    return {TIMESTAMP: timestamp, NONCE: nonce, SIGNATURE: sign(key, timestamp, nonce, body)}


class NotificationVerifier:
    """Checks signature, age and nonce. Nonces are kept for twice `max_age_s` (older messages are
    refused by age anyway). In-memory: with several central workers, give each the same store
    (`seen`: add-if-absent returning False when present) or route notifications to one."""

    def __init__(self, key: bytes, *, max_age_s: float = 300.0, clock: Callable[[], float] = time.time,
                 seen: Callable[[str, float], bool] | None = None):
        self.key = key
        self.max_age_s = max_age_s
        self.clock = clock
        self._nonces: dict[str, float] = {}
        self._lock = threading.Lock()
        self._seen = seen or self._remember

    def _remember(self, nonce: str, now: float) -> bool:
        with self._lock:
            for old, at in list(self._nonces.items()):
                if now - at > 2 * self.max_age_s:
                    del self._nonces[old]
            if nonce in self._nonces:
                return False
            self._nonces[nonce] = now
            return True

    def verify(self, headers: Mapping[str, str], body: bytes) -> Notification:
        lower = {k.lower(): v for k, v in headers.items()}
        timestamp, nonce, signature = (lower.get(h.lower(), "") for h in (TIMESTAMP, NONCE, SIGNATURE))
        if not (timestamp and nonce and signature):
            raise BadNotification("notification lacks its timestamp, nonce or signature header")
        expected = sign(self.key, timestamp, nonce, body)
        if not hmac.compare_digest(expected, signature.lower()):
            raise BadNotification("notification signature does not match")
        try:
            sent = int(timestamp)
        except ValueError:
            raise BadNotification("notification timestamp is not a number") from None
        now = self.clock()
        if abs(now - sent) > self.max_age_s:
            raise BadNotification(f"notification timestamp is {int(now - sent)} s from now "
                                  f"(limit {int(self.max_age_s)} s)")
        if not self._seen(nonce, now):
            raise BadNotification("notification nonce was seen before (replay)")
        return _parse(body, nonce)


def _parse(body: bytes, nonce: str) -> Notification:
    try:
        data = json.loads(body)
        paid_fen = data["paid_fen"]
        if isinstance(paid_fen, bool) or not isinstance(paid_fen, int):
            raise ValueError("paid_fen is not an integer")
        paid_at = datetime.fromisoformat(data["paid_at"]) if data.get("paid_at") else None
        return Notification(str(data["order_id"]), str(data["provider_ref"]), str(data["state"]), paid_fen,
                            paid_at, nonce)
    except (ValueError, KeyError, TypeError) as exc:
        raise BadNotification(f"notification body is not a payment notification: {exc}") from None
