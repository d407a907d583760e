"""Rate limits, counted with the `limits` library: per source address (every request, before
anything else), per authenticated kiosk, and failed authentications per source.

Per kiosk is counted only after the signature holds, so nobody can use up a real kiosk's
budget by sending its id with bad signatures; those count against the sender's address
instead, and a source over its failure budget is answered 429 before its signature is even
looked at. Counters live in this process's memory by default: with `--workers N` each worker
counts alone (give `storage` a shared backend such as redis:// to count once). Behind a reverse
proxy every request comes from the proxy's address: count per source there, or run uvicorn
with --proxy-headers and a trusted --forwarded-allow-ips.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter


@dataclass(frozen=True)
class RateLimits:
    """Each a `limits` expression ("600/minute"); None turns that limit off."""

    per_source: str | None = "6000/minute"
    per_kiosk: str | None = "1200/minute"
    auth_failures_per_source: str | None = "30/minute"
    storage: str = "memory://"


class TooMany(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"too many requests; retry after {retry_after} s")
        self.retry_after = retry_after


class RateLimiter:
    def __init__(self, limits: RateLimits | None = None):
        limits = limits or RateLimits()
        self._limiter = SlidingWindowCounterRateLimiter(storage_from_string(limits.storage))
        self._items: dict[str, RateLimitItem | None] = {
            "source": parse(limits.per_source) if limits.per_source else None,
            "kiosk": parse(limits.per_kiosk) if limits.per_kiosk else None,
            "auth_failure": parse(limits.auth_failures_per_source) if limits.auth_failures_per_source else None,
        }

    def hit(self, kind: str, key: str) -> None:
        """Count one; TooMany (with the seconds to wait) when the budget is spent."""
        item = self._items[kind]
        if item is not None and not self._limiter.hit(item, kind, key):
            raise TooMany(self._retry_after(item, kind, key))

    def check(self, kind: str, key: str) -> None:
        """TooMany if the budget is spent already; counts nothing."""
        item = self._items[kind]
        if item is not None and not self._limiter.test(item, kind, key):
            raise TooMany(self._retry_after(item, kind, key))

    def _retry_after(self, item: RateLimitItem, kind: str, key: str) -> int:
        reset = self._limiter.get_window_stats(item, kind, key).reset_time
        return max(1, math.ceil(reset - time.time()))
