"""The sync worker: drains the outbox to central in order, in batches, forever.

Central answers each item: stored or duplicate → delivered; rejected → dead letter with the
reason. When the whole batch fails — central unreachable, or refusing the kiosk itself (bad
credentials, clock skew) — the batch goes back to pending and the worker backs off
exponentially with full jitter, up to a cap. Visits are never dead-lettered for a kiosk-wide
problem: a technician fixes the credentials and the queue drains. A batch refused for its
content (413 too large, 422 malformed) is split in halves until the item to blame is sent
alone, and that one goes dead with central's answer. A batch central keeps failing on (500,
`SERVER_ERRORS_ALONE` times in a row: a single 500 is more likely central's own blip) is split
the same way, but a 500 may still be central's own trouble: an item that fails alone is set aside
(left out of the next batches while anything else is due) and goes dead only after
`SERVER_ERRORS_ALONE` such failures with other items delivered in between, so a central that
fails for everything dead-letters nothing. The count lives in memory: a restart starts again.

Knowing the network is back: while backing off, the worker asks central's health check (a GET
without a body or a signature) every `probe_interval` seconds and retries at once when it
answers, so a long backoff never keeps a recovered link idle. `wake()` does the same for the
kiosk's own watcher, which pings central for the heartbeat anyway.

`client` is duck-typed: anything with `post_batch(items) -> results` (and optionally
`ping() -> bool`), raising exceptions named CentralUnavailable / CentralRejected. Matching by
name keeps this package free of any import from `kiosk`.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any, Protocol

from offline_queue.outbox import Outbox, OutboxFull, OutboxItem

log = logging.getLogger(__name__)

IDLE_INTERVAL_S = 30.0  # how often an empty queue checks that central is still there
KEEP_DELIVERED_S = 7 * 86400.0  # delivered items stay a week for on-site audit, by default
PURGE_INTERVAL_S = 3600.0
PROBE_INTERVAL_S = 5.0
# Whole-batch refusals that blame the content, not the kiosk: a smaller batch may pass, and a
# single item that still gets one never will.
CONTENT_REJECTED = {413, 422}
SERVER_ERROR = 500  # 502-504 say a proxy or the database is away: never the item's fault
SERVER_ERRORS_ALONE = 3


class BatchClient(Protocol):
    def post_batch(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class SyncState:
    online: bool = False
    last_success: float | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    next_retry_at: float | None = None  # while backing off: when the next attempt is due

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class SyncWorker:
    def __init__(
        self,
        outbox: Outbox,
        client: BatchClient,
        *,
        batch_size: int = 200,
        base_delay: float = 1.0,
        max_delay: float = 300.0,
        probe_interval: float = PROBE_INTERVAL_S,
        keep_delivered_s: float = KEEP_DELIVERED_S,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], object] | None = None,
        jitter: Callable[[], float] = random.random,
        on_change: Callable[[dict[str, Any]], None] | None = None,
    ):
        """`sleep(seconds)` waits between passes; the default returns early on `wake()`.
        `jitter()` returns a number in [0, 1) that scales each backoff delay. Delivered items
        are purged `keep_delivered_s` after delivery."""
        self.outbox = outbox
        self.client = client
        self.batch_size = batch_size
        self._batch_limit = batch_size  # halved after a content refusal, doubled back on success
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.probe_interval = probe_interval
        self.keep_delivered_s = keep_delivered_s
        self._clock = clock
        self._wake = threading.Event()
        self._sleep = sleep or self._wake.wait
        self._jitter = jitter
        self._on_change = on_change
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._state = SyncState()
        self._last_purge = float("-inf")
        self._last_probe = float("-inf")
        # Items that failed alone with a 500: how often, and whether others got through since.
        self._suspects: dict[str, list] = {}
        self._server_error_streak = 0  # batches failed with 500 in a row

    @property
    def state(self) -> SyncState:
        return self._state

    # -- the thread --------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("sync worker already started")
        released = self.outbox.release_in_flight()
        if released:
            log.warning("resending %d outbox items left in flight by an earlier run", released)
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="outbox-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("sync worker did not stop within %.1f s", timeout)
            self._thread = None

    def wake(self) -> None:
        """Try now, ignoring any backoff: a visit was just queued, or the network is back."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            forced = self._wake.is_set()
            self._wake.clear()
            try:
                result = self.sync_once(force=forced)
            except Exception:  # the worker must outlive any one failed pass
                log.exception("sync pass failed")
                self._release_claimed()
                self._failed("internal error in sync pass")
                result = {"sent": 0, "more": False}
            if self._stopping.is_set():
                break
            if result["more"] and self._state.consecutive_failures == 0:
                continue
            if not self._wake.is_set():
                self._sleep(self._next_delay())

    def _release_claimed(self) -> None:
        try:
            self.outbox.release_in_flight()
        except Exception:
            log.exception("could not release claimed outbox items")

    def _next_delay(self) -> float:
        retry_at = self._state.next_retry_at
        if retry_at is not None:
            return max(0.0, min(retry_at - self._clock(), self.probe_interval))
        return IDLE_INTERVAL_S

    # -- one pass ----------------------------------------------------------------------------

    def sync_once(self, *, force: bool = False) -> dict[str, Any]:
        """Send one batch. `force` ignores backoff; returns sent/delivered/retry/dead counts
        and `more` (a full batch went out, so more may be waiting)."""
        now = self._clock()
        result = {"sent": 0, "delivered": 0, "retry": 0, "dead": 0, "more": False}
        retry_at = self._state.next_retry_at
        if not force and retry_at is not None and now < retry_at:
            if not self._probe_succeeds(now):
                return result
            log.info("central answers again: retrying before the backoff ends")
            force = True
        self._recover_disk_space()
        self._purge_now_and_then(now)
        try:
            # Room for the suspects too, so that setting them aside still leaves a batch.
            items = self.outbox.due(self._batch_limit + len(self._suspects), now=float("inf") if force else now)
        except OutboxFull as exc:  # claiming is a write too; try again on the next pass
            log.warning("cannot claim outbox items: %s", exc)
            return result
        if not items:
            self._check_online()
            return result
        items = self._set_suspects_aside(items)
        result["sent"] = len(items)
        try:
            answers = self.client.post_batch([item.to_wire() for item in items])
        except Exception as exc:
            if getattr(exc, "status", None) in CONTENT_REJECTED:
                return {**result, **self._content_rejected(items, exc)}
            if getattr(exc, "status", None) == SERVER_ERROR:
                return {**result, **self._server_error(items, exc)}
            if type(exc).__name__ not in ("CentralUnavailable", "CentralRejected"):
                log.exception("unexpected error while posting a batch")
            self._failed(_describe(exc), [item.key for item in items])
            result["retry"] = len(items)
            return result
        self._server_error_streak = 0
        result.update(self._apply(items, answers))
        # Go straight on only after a full, fully answered batch: never spin on a confused central.
        result["more"] = len(items) == self._batch_limit and not result["retry"]
        self._batch_limit = min(self.batch_size, self._batch_limit * 2)
        self._succeeded()
        return result

    def _content_rejected(self, items: list[OutboxItem], exc: Exception) -> dict[str, Any]:
        """Central refused the batch for what it holds: split it until the culprit stands alone."""
        reason = f"{exc.status} {getattr(exc, 'reason', exc)}"
        self._succeeded()  # central answered: it is there, and backing off would not help
        if len(items) == 1:
            log.error("outbox item %s (%s) refused by central: %s", items[0].key, items[0].kind, reason)
            self.outbox.mark_dead(items[0].key, reason)
            return {"dead": 1, "more": True}
        self._batch_limit = max(1, len(items) // 2)
        self.outbox.mark_retry([item.key for item in items], reason, self._clock())
        return {"retry": len(items), "more": True}

    def _set_suspects_aside(self, items: list[OutboxItem]) -> list[OutboxItem]:
        """Leave items that failed alone out while others are due; one goes alone otherwise."""
        if not self._suspects:
            return items
        clean = [item for item in items if item.key not in self._suspects][:self._batch_limit]
        keep = clean or items[:1]
        aside = [item.key for item in items if item not in keep]
        if aside:
            self.outbox.mark_retry(aside, "set aside: central failed on it", self._clock())
        return keep

    def _server_error(self, items: list[OutboxItem], exc: Exception) -> dict[str, Any]:
        reason = f"{exc.status} {_describe(exc)}"
        if len(items) > 1:
            self._server_error_streak += 1
            if self._server_error_streak >= SERVER_ERRORS_ALONE:
                self._batch_limit = max(1, len(items) // 2)
            self._failed(reason, [item.key for item in items])
            return {"retry": len(items)}
        key = items[0].key
        count, others_delivered = self._suspects.get(key, [0, False])
        if count + 1 >= SERVER_ERRORS_ALONE and others_delivered:
            del self._suspects[key]
            log.error("outbox item %s (%s) failed alone %d times while others got through: %s",
                      key, items[0].kind, count + 1, reason)
            self.outbox.mark_dead(key, f"{reason} (failed alone {count + 1} times while other items were delivered)")
            return {"dead": 1, "more": True}
        self._suspects[key] = [count + 1, others_delivered]
        self._failed(reason, [key])
        return {"retry": 1}

    def _apply(self, items: list[OutboxItem], answers: list[dict[str, Any]]) -> dict[str, int]:
        by_key = {a.get("key"): a for a in answers if isinstance(a, dict)}
        delivered, unanswered, dead = [], [], 0
        for item in items:
            answer = by_key.get(item.key, {})
            status = answer.get("status")
            if status in ("stored", "duplicate"):
                delivered.append(item.key)
            elif status == "rejected":
                reason = str(answer.get("reason") or "rejected by central")
                log.error("outbox item %s (%s) rejected by central: %s", item.key, item.kind, reason)
                self.outbox.mark_dead(item.key, reason)
                dead += 1
            else:
                unanswered.append(item.key)
        self.outbox.mark_delivered(delivered)
        if any(key in self._suspects for key in delivered):
            self._suspects.clear()  # a suspect got through: its failures were central's own
        for suspect in self._suspects.values():
            suspect[1] = suspect[1] or bool(delivered)
        if unanswered:
            # Central left these out: send them again on the next pass.
            self.outbox.mark_retry(unanswered, "no answer for this item", self._clock())
        return {"delivered": len(delivered), "retry": len(unanswered), "dead": dead}

    def _probe_succeeds(self, now: float) -> bool:
        ping = getattr(self.client, "ping", None)
        if ping is None or now - self._last_probe < self.probe_interval:
            return False
        self._last_probe = now
        return bool(ping())

    def _recover_disk_space(self) -> None:
        # A kiosk refused visits on a full disk; tell it as soon as a write fits again.
        if self.outbox.disk_full and self.outbox.check_space():
            log.info("outbox disk has room again")
            self._set_state(self._state)

    def _purge_now_and_then(self, now: float) -> None:
        if now - self._last_purge >= PURGE_INTERVAL_S:
            self._last_purge = now
            self.outbox.purge_delivered(self.keep_delivered_s)

    def _check_online(self) -> None:
        ping = getattr(self.client, "ping", None)
        if ping is None:
            return
        if ping():
            if not self._state.online:
                self._succeeded()
        else:
            self._set_state(replace(self._state, online=False))

    # -- state -------------------------------------------------------------------------------

    def _succeeded(self) -> None:
        self._set_state(SyncState(online=True, last_success=self._clock()))

    def _failed(self, reason: str, keys: list[str] | None = None) -> None:
        """Record a failed pass and put its batch back, due after a full-jitter backoff."""
        failures = self._state.consecutive_failures + 1
        cap = min(self.max_delay, self.base_delay * 2 ** min(failures - 1, 62))
        delay = self._jitter() * cap
        retry_at = self._clock() + delay
        log.warning("sync failed (%d in a row), next try in %.1f s: %s", failures, delay, reason)
        if keys:
            self.outbox.mark_retry(keys, reason, retry_at)
        self._set_state(replace(self._state, online=False, last_error=reason,
                                consecutive_failures=failures, next_retry_at=retry_at))

    def _set_state(self, state: SyncState) -> None:
        self._state = state
        if self._on_change is None:
            return
        try:
            self._on_change({**state.to_dict(), **self.outbox.stats()})
        except Exception:
            log.exception("sync on_change callback failed")


def _describe(exc: Exception) -> str:
    text = str(exc).replace("\n", " ")
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
