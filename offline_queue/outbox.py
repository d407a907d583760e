"""The kiosk's durable outbox: records waiting to reach central, in one SQLite file.

Durability: WAL journal with synchronous=FULL. In WAL mode NORMAL already survives a killed
process, but after a power cut it may roll back the last commits — a citizen's finished visit.
FULL syncs the WAL on every commit, so once `record_visit` returns the visit survives both.
One fsync per visit is cheap at kiosk rates (see bench/bench_outbox.py).

Personal data only ever sits in `outbox.payload`, sealed with AES-GCM (offline_queue.crypto);
keys, kinds, states and timestamps stay in clear so the queue can be inspected without the key.

Item states: pending → in_flight → delivered, or dead (central refused it for good), or
quarantined (its ciphertext no longer opens; kept for a technician, never sent). A technician
sends a dead item again (`retry_dead`) or discards a dead or quarantined one with a reason
(`discard`: kept as discarded, never sent, out of the queue's bound).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offline_queue.crypto import Sealer, TamperedRecord, load_or_create_key, record_aad

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
PENDING, IN_FLIGHT, DELIVERED, DEAD, QUARANTINED, DISCARDED = (
    "pending",
    "in_flight",
    "delivered",
    "dead",
    "quarantined",
    "discarded",
)
UNDELIVERED = (PENDING, IN_FLIGHT, DEAD, QUARANTINED)


class OutboxFull(Exception):
    """The outbox cannot take another item: its bound is reached or the disk is full."""


@dataclass(frozen=True)
class OutboxItem:
    key: str
    kind: str
    created_at: float
    attempts: int
    payload: dict[str, Any]

    def to_wire(self) -> dict[str, Any]:
        """The item as `POST /api/v1/records/batch` takes it."""
        return {"key": self.key, "kind": self.kind, "created_at": self.created_at, "payload": self.payload}


class Outbox:
    """Thread-safe: the kiosk core records visits while the sync worker drains."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        key_path: str | os.PathLike[str],
        *,
        max_items: int = 50_000,
        warn_ratio: float = 0.8,
        max_bytes: int | None = None,
        clock: Callable[[], float] = time.time,
    ):
        """`max_items` bounds undelivered items; `max_bytes` optionally caps the file size
        (SQLite max_page_count) so a runaway queue cannot fill the kiosk's disk."""
        if Path(path).resolve() == Path(key_path).resolve():
            raise ValueError("the outbox key must live outside the database file")
        self.path = Path(path)
        self.max_items = max_items
        self.warn_ratio = warn_ratio
        self._clock = clock
        self._sealer = Sealer(load_or_create_key(key_path))
        self._lock = threading.RLock()
        self._disk_full = False  # a write found no room; cleared by the next item that fits
        # One connection shared by the core's and the sync worker's threads, serialised by
        # self._lock; isolation_level=None leaves every BEGIN/COMMIT to _transaction().
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=5.0)
        self._db.execute("PRAGMA journal_mode=wal")
        self._db.execute("PRAGMA synchronous=FULL")
        if max_bytes is not None:
            page_size = self._db.execute("PRAGMA page_size").fetchone()[0]
            self._db.execute(f"PRAGMA max_page_count={max(1, max_bytes // page_size)}")
        self._create_schema()
        # Counting undelivered rows costs a scan that grows with the queue; the bound is
        # checked on every visit, so the count is kept here and re-counted at the bound.
        self._undelivered = self._count_undelivered()

    def _create_schema(self) -> None:
        with self._writing():
            # WITHOUT ROWID: the row lives in its key's B-tree, one page less to write per visit.
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS visits (visit_id TEXT PRIMARY KEY, "
                "outcome TEXT NOT NULL, updated_at FLOAT NOT NULL) WITHOUT ROWID"
            )
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS outbox (key TEXT PRIMARY KEY, kind TEXT NOT NULL, state TEXT NOT NULL, "
                "created_at REAL NOT NULL, next_attempt REAL NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, "
                "last_error TEXT, delivered_at REAL, payload BLOB NOT NULL)"
            )
            self._db.execute("CREATE INDEX IF NOT EXISTS idx_outbox_state_created_at ON outbox (state, created_at)")
            self._db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value REAL)")
            # The kiosk's ledger of payment orders: open from before the QR code shows until
            # central's final word on it is queued. Ids and states only: nothing personal.
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS payments (order_id TEXT PRIMARY KEY, visit_id TEXT NOT NULL, "
                "service TEXT NOT NULL, state TEXT NOT NULL, opened_at FLOAT NOT NULL, "
                "settled_at FLOAT) WITHOUT ROWID"
            )
            # What each visit under way has already done (card read, paid, printing, …), so a
            # kiosk killed mid-visit records it as interrupted with those steps on restart
            # (kiosk/interrupted.py). Step names and certificate numbers only: nothing personal.
            # The visit's record clears its steps in the same transaction.
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS visit_steps (visit_id TEXT NOT NULL, step TEXT NOT NULL, "
                "service TEXT NOT NULL, reference TEXT, at FLOAT NOT NULL, UNIQUE (visit_id, step))"
            )
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One transaction under the lock; SQLite's "disk is full" becomes OutboxFull."""
        with self._lock:
            try:
                with _transaction(self._db) as db:
                    yield db
            except sqlite3.OperationalError as exc:
                if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
                    self._disk_full = True
                    self._shrink_wal()
                    raise OutboxFull(f"outbox disk is full ({self.path}): {exc}") from None
                raise

    def _shrink_wal(self) -> None:
        # On a full disk the WAL is often what filled it: folding it into the database and
        # truncating it gives its space back, so items can still be claimed and marked.
        try:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            log.warning("could not checkpoint the outbox WAL on a full disk: %s", exc)

    # -- writing -----------------------------------------------------------------------------

    def record_visit(self, visit_id: str, outcome: str, record: dict[str, Any]) -> None:
        """Mark the visit finished and queue its record, in ONE transaction.

        The sealed payload carries `visit_id` and `outcome` so central can count outcomes.
        A visit already recorded keeps its first record (a retried call changes nothing).
        """
        payload = {**record, "visit_id": visit_id, "outcome": outcome}
        blob = self._sealer.seal(payload, record_aad("visit", visit_id))
        now = self._clock()
        with self._writing() as db:
            if not self._insert(db, "visit", visit_id, blob, now):
                log.info("visit %s already recorded; keeping the first record", visit_id)
                return
            db.execute(
                "INSERT INTO visits (visit_id, outcome, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (visit_id) DO UPDATE SET outcome = excluded.outcome, "
                "updated_at = excluded.updated_at",
                [visit_id, outcome, now],
            )
            db.execute("DELETE FROM visit_steps WHERE visit_id = ?", [visit_id])
        self._inserted()

    def enqueue(self, kind: str, key: str, payload: dict[str, Any]) -> bool:
        """Queue one item; False (and no change) if an item with this key already exists."""
        blob = self._sealer.seal(payload, record_aad(kind, key))
        with self._writing() as db:
            if not self._insert(db, kind, key, blob, self._clock()):
                return False
        self._inserted()
        return True

    # -- a visit's steps ----------------------------------------------------------------------

    def visit_step(self, visit_id: str, service: str, step: str, reference: str | None = None) -> None:
        """`step` of the visit happened (or, for a print, began): kept until the visit's record
        is written. Once per step; nothing once the visit is recorded."""
        with self._writing() as db:
            db.execute("INSERT INTO visit_steps (visit_id, step, service, reference, at) "
                       "SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM visits WHERE visit_id = ?) "
                       "ON CONFLICT DO NOTHING", [visit_id, step, service, reference, self._clock(), visit_id])

    def visit_steps(self, visit_id: str) -> list[tuple[str, str | None]]:
        """(step, reference) of an unrecorded visit, in the order they happened."""
        with self._lock:
            return [tuple(row) for row in self._db.execute(
                "SELECT step, reference FROM visit_steps WHERE visit_id = ? ORDER BY rowid", [visit_id]).fetchall()]

    def unrecorded_visits(self) -> list[dict[str, Any]]:
        """Visits with steps and no record that are not in the payment ledger (the payment
        reconciler records those): what a stop interrupted."""
        with self._lock:
            rows = self._db.execute(
                "SELECT visit_id, service, min(rowid) FROM visit_steps s WHERE "
                "NOT EXISTS (SELECT 1 FROM visits v WHERE v.visit_id = s.visit_id) AND "
                "NOT EXISTS (SELECT 1 FROM payments p WHERE p.visit_id = s.visit_id) "
                "GROUP BY visit_id ORDER BY min(rowid)").fetchall()
        return [{"visit_id": visit_id, "service": service} for visit_id, service, _first in rows]

    # -- payments ----------------------------------------------------------------------------

    def payment_opened(self, order_id: str, visit_id: str, service: str, intent: dict[str, Any]) -> None:
        """The intent to open `order_id`, queued for central and open in the ledger, in ONE
        transaction, before anything is asked of central (so a crash leaves it to reconcile).
        Opening the same order again changes nothing."""
        key = f"{order_id}:intent"
        blob = self._sealer.seal({**intent, "order_id": order_id, "visit_id": visit_id, "service": service},
                                 record_aad("payment", key))
        now = self._clock()
        with self._writing() as db:
            if not self._insert(db, "payment", key, blob, now):
                return
            db.execute("INSERT INTO payments (order_id, visit_id, service, state, opened_at) "
                       "VALUES (?, ?, ?, 'open', ?) ON CONFLICT (order_id) DO NOTHING",
                       [order_id, visit_id, service, now])
        self._inserted()

    def payment_settled(self, order_id: str, outcome: dict[str, Any]) -> bool:
        """Central's final word on the order, queued, and the ledger entry closed, in ONE
        transaction. False (and nothing queued) when it was settled before."""
        key = f"{order_id}:outcome"
        blob = self._sealer.seal({**outcome, "order_id": order_id}, record_aad("payment", key))
        now = self._clock()
        with self._writing() as db:
            closed = db.execute("UPDATE payments SET state = 'settled', settled_at = ? "
                                "WHERE order_id = ? AND state = 'open'", [now, order_id]).rowcount
            if not closed:
                return False
            self._insert(db, "payment", key, blob, now)
        self._inserted()
        return True

    def open_payments(self) -> list[dict[str, Any]]:
        """Orders whose outcome is not settled yet: what a restarted kiosk reconciles first."""
        with self._lock:
            rows = self._db.execute("SELECT order_id, visit_id, service, opened_at FROM payments "
                                    "WHERE state = 'open' ORDER BY opened_at").fetchall()
        return [dict(zip(("order_id", "visit_id", "service", "opened_at"), row)) for row in rows]

    def unrecorded_paid_visits(self) -> list[dict[str, Any]]:
        """Settled orders whose visit was never recorded (the kiosk stopped between payment and
        the visit's record): recorded as interrupted on start-up."""
        with self._lock:
            rows = self._db.execute(
                "SELECT order_id, visit_id, service FROM payments WHERE state = 'settled' "
                "AND NOT EXISTS (SELECT 1 FROM visits WHERE visits.visit_id = payments.visit_id)").fetchall()
        return [dict(zip(("order_id", "visit_id", "service"), row)) for row in rows]

    def _inserted(self) -> None:
        self._undelivered += 1
        self._disk_full = False  # only a new item proves there is room for the next one

    def _exists(self, key: str) -> bool:
        return self._db.execute("SELECT 1 FROM outbox WHERE key = ?", [key]).fetchone() is not None

    def _insert(self, db: sqlite3.Connection, kind: str, key: str, blob: bytes, now: float) -> bool:
        """Insert a pending item; False if one with this key exists (the first one stays)."""
        if self._undelivered >= self.max_items:
            self._undelivered = self._count_undelivered()
            if self._undelivered >= self.max_items and not self._exists(key):
                raise OutboxFull(
                    f"outbox holds {self._undelivered} undelivered items (limit {self.max_items}); "
                    "central has been unreachable too long"
                )
        # One statement for "is it new?" and "add it": the commit is the costly part, not this.
        return db.execute(
            "INSERT INTO outbox (key, kind, state, created_at, next_attempt, attempts, payload) "
            "VALUES (?, ?, ?, ?, ?, 0, ?) ON CONFLICT (key) DO NOTHING",
            [key, kind, PENDING, now, now, blob],
        ).rowcount == 1

    def _count_undelivered(self) -> int:
        marks = ",".join("?" * len(UNDELIVERED))
        sql = f"SELECT count(*) FROM outbox WHERE state IN ({marks})"
        return self._db.execute(sql, UNDELIVERED).fetchone()[0]

    # -- draining ----------------------------------------------------------------------------

    def due(self, limit: int, now: float | None = None) -> list[OutboxItem]:
        """Claim up to `limit` pending items whose retry time has come, oldest first.

        Claimed items turn in_flight (one attempt more). A row whose ciphertext does not open
        is quarantined on the spot and left out.
        """
        now = self._clock() if now is None else now
        items: list[OutboxItem] = []
        with self._writing() as db:
            rows = db.execute(
                # CAST: a tampered payload may no longer even be a BLOB.
                "SELECT key, kind, created_at, attempts, CAST(payload AS BLOB) FROM outbox "
                "WHERE state = ? AND next_attempt <= ? ORDER BY created_at, rowid LIMIT ?",
                [PENDING, now, limit],
            ).fetchall()
            for key, kind, created_at, attempts, blob in rows:
                try:
                    payload = self._sealer.open(blob, record_aad(kind, key))
                except (TamperedRecord, ValueError) as exc:
                    log.error("outbox item %s quarantined: %s", key, exc)
                    db.execute(
                        "UPDATE outbox SET state = ?, last_error = ? WHERE key = ?",
                        [QUARANTINED, f"quarantined: {exc}", key],
                    )
                    continue
                db.execute(
                    "UPDATE outbox SET state = ?, attempts = attempts + 1 WHERE key = ?",
                    [IN_FLIGHT, key],
                )
                items.append(OutboxItem(key, kind, created_at, attempts + 1, payload))
        return items

    def mark_delivered(self, keys: Iterable[str]) -> None:
        now = self._clock()
        with self._writing() as db:
            changed = db.executemany(
                "UPDATE outbox SET state = ?, delivered_at = ?, last_error = NULL "
                "WHERE key = ? AND state != ?",
                [(DELIVERED, now, key, DELIVERED) for key in keys],
            ).rowcount
        self._undelivered -= changed

    def mark_retry(self, key: str | Iterable[str], error: str, next_attempt: float) -> None:
        """Put in-flight item(s) back to pending, to be sent again from `next_attempt` on."""
        keys = [key] if isinstance(key, str) else list(key)
        with self._writing() as db:
            db.executemany(
                "UPDATE outbox SET state = ?, last_error = ?, next_attempt = ? "
                "WHERE key = ? AND state IN (?, ?)",
                [(PENDING, error, next_attempt, k, PENDING, IN_FLIGHT) for k in keys],
            )

    def mark_dead(self, key: str, reason: str) -> None:
        with self._writing() as db:
            db.execute(
                "UPDATE outbox SET state = ?, last_error = ? WHERE key = ?", [DEAD, reason, key]
            )

    def retry_dead(self, key: str) -> bool:
        """A dead item back to pending, to be sent at once (a technician fixed what central
        refused it for). False if there is no such dead item."""
        with self._writing() as db:
            changed = db.execute(
                "UPDATE outbox SET state = ?, next_attempt = ?, last_error = ? WHERE key = ? AND state = ?",
                [PENDING, self._clock(), "sent again by a technician", key, DEAD],
            ).rowcount
        return bool(changed)

    def discard(self, key: str, reason: str) -> bool:
        """A dead or quarantined item given up for good, with why: it leaves the queue's bound
        and is never sent. False if there is no such item."""
        if not reason.strip():
            raise ValueError("discarding an item needs a reason")
        with self._writing() as db:
            changed = db.execute(
                "UPDATE outbox SET state = ?, last_error = ? WHERE key = ? AND state IN (?, ?)",
                [DISCARDED, f"discarded: {reason.strip()[:200]}", key, DEAD, QUARANTINED],
            ).rowcount
        self._undelivered -= changed
        return bool(changed)

    def release_in_flight(self) -> int:
        """After a crash: items claimed but never acknowledged go back to pending.

        Resending is safe because central stores each idempotency key once.
        """
        with self._writing() as db:
            return db.execute(
                "UPDATE outbox SET state = ?, next_attempt = ? WHERE state = ?",
                [PENDING, self._clock(), IN_FLIGHT],
            ).rowcount

    @property
    def disk_full(self) -> bool:
        """The last write found the disk (or the file's size cap) full."""
        return self._disk_full

    def check_space(self) -> bool:
        """After a disk-full error: True once a small real write fits again."""
        try:
            with self._writing() as db:
                db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('space_checked_at', ?)",
                           [self._clock()])
        except OutboxFull:
            return False
        self._disk_full = False
        return True

    def purge_delivered(self, older_than_s: float) -> int:
        """Delete items delivered more than `older_than_s` ago, and their visits' state rows."""
        cutoff = self._clock() - older_than_s
        with self._writing() as db:
            purged = db.execute(
                "DELETE FROM outbox WHERE state = ? AND delivered_at < ?", [DELIVERED, cutoff]
            ).rowcount
            db.execute(
                "DELETE FROM visits WHERE updated_at < ? "
                "AND NOT EXISTS (SELECT 1 FROM outbox WHERE outbox.key = visits.visit_id)",
                [cutoff],
            )
            db.execute("DELETE FROM payments WHERE state = 'settled' AND settled_at < ?", [cutoff])
        return purged

    # -- inspecting --------------------------------------------------------------------------

    def visit_outcome(self, visit_id: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT outcome FROM visits WHERE visit_id = ?", [visit_id]
            ).fetchone()
        return row[0] if row else None

    def stats(self) -> dict[str, Any]:
        with self._lock:
            counts = dict(self._db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
            oldest = self._db.execute(
                "SELECT min(created_at) FROM outbox WHERE state IN (?, ?)", [PENDING, IN_FLIGHT]
            ).fetchone()[0]
            pages = self._db.execute("PRAGMA page_count").fetchone()[0]
            page_size = self._db.execute("PRAGMA page_size").fetchone()[0]
        undelivered = sum(counts.get(state, 0) for state in UNDELIVERED)
        return {
            "pending": counts.get(PENDING, 0),
            "in_flight": counts.get(IN_FLIGHT, 0),
            "delivered": counts.get(DELIVERED, 0),
            "dead": counts.get(DEAD, 0),
            "quarantined": counts.get(QUARANTINED, 0),
            "discarded": counts.get(DISCARDED, 0),
            "oldest_pending_age_s": None if oldest is None else max(0.0, self._clock() - oldest),
            "near_full": undelivered >= self.warn_ratio * self.max_items,
            "full": undelivered >= self.max_items or self._disk_full,
            "disk_full": self._disk_full,
            "capacity": self.max_items,
            "size_bytes": pages * page_size,
        }

    def dead_letters(self) -> list[dict[str, Any]]:
        """Items that will not be sent without a technician: dead and quarantined."""
        with self._lock:
            rows = self._db.execute(
                "SELECT key, kind, state, last_error, attempts FROM outbox "
                "WHERE state IN (?, ?) ORDER BY created_at, rowid",
                [DEAD, QUARANTINED],
            ).fetchall()
        return [
            {"key": key, "kind": kind, "state": state, "reason": reason or "", "attempts": attempts}
            for key, kind, state, reason, attempts in rows
        ]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN … COMMIT, rolled back on any error; inside another transaction, a savepoint."""
    if conn.in_transaction:
        conn.execute("SAVEPOINT nested")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:  # an error may have ended the whole transaction already
                conn.execute("ROLLBACK TO SAVEPOINT nested")
                conn.execute("RELEASE SAVEPOINT nested")
            raise
        conn.execute("RELEASE SAVEPOINT nested")
        return
    conn.execute("BEGIN")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
