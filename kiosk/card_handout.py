"""Handing a finished ID card out of the dispenser, every motion journaled (id_card_pickup).

The kiosk writes the intent of a motion to `handout.db` (SQLite, WAL, synchronous=FULL: it
survives a power cut) before it sends the command, and the outcome after it. A kiosk killed at
any moment therefore knows on restart which card may have moved: `recover()` asks the dispenser
where a card is and settles every hand-out left unfinished. A card found in the channel after a
restart goes to the reject bin and is never presented: the citizen who proved their finger is
gone, and the check of the card read is not kept across the restart.

    handout = CardHandout(dispenser, journal)
    handout.recover()                        # at start-up: [Settled(visit_id, state, reason)]
    handout.move_to_read(visit_id, slot)     # SlotEmpty: nothing moved
    handout.check_card(visit_id, read_id_number, card_check)   # False: it went to the bin
    handout.present(visit_id)                # once per visit, only after a check that passed
    handout.wait_taken(visit_id, timeout_s)  # False: retracted into the bin

States: moving → at_read → checked → presenting → presented → taken, or retracting →
retracted (not_taken, wrong_card, fault, restart); `not_moved` (the slot was empty, or the
command never reached the module) and `jammed` (a technician must clear the channel). The
journal holds visit ids, slots and states; no ID number, no card check, nothing biometric.
What the caller reports to central (handed_over, retracted, wrong_card) it takes from the
states returned here; the reports are idempotent, so reporting again after a restart is safe.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from common.pickup import is_the_card
from drivers.base import DeviceError, HardwareFault, NoMedia

log = logging.getLogger(__name__)

FINAL = ("taken", "retracted", "not_moved", "jammed")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS handouts (
    visit_id TEXT PRIMARY KEY,
    slot INTEGER NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    started_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    visit_id TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    at REAL NOT NULL
);
"""


class HandoutRefused(RuntimeError):
    """The step does not follow from where this visit's card is (e.g. present twice)."""


@dataclass(frozen=True)
class Settled:
    """How `recover()` left an unfinished hand-out: what to report to central."""

    visit_id: str
    state: str  # taken | retracted | not_moved | jammed
    reason: str | None


class Journal:
    """The hand-out journal: one row per visit with its current state, and every step."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def begin(self, visit_id: str, slot: int) -> None:
        now = time.time()
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("INSERT INTO handouts VALUES (?, ?, 'moving', NULL, ?, ?)", (visit_id, slot, now, now))
            except sqlite3.IntegrityError:
                raise HandoutRefused(f"visit {visit_id} already had a card moved") from None
            self._db.execute("INSERT INTO steps (visit_id, state, reason, at) VALUES (?, 'moving', NULL, ?)",
                             (visit_id, now))

    def record(self, visit_id: str, state: str, reason: str | None = None) -> None:
        now = time.time()
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("UPDATE handouts SET state = ?, reason = ?, updated_at = ? WHERE visit_id = ?",
                             (state, reason, now, visit_id))
            self._db.execute("INSERT INTO steps (visit_id, state, reason, at) VALUES (?, ?, ?, ?)",
                             (visit_id, state, reason, now))

    def state(self, visit_id: str) -> tuple[str, str | None] | None:
        with self._lock:
            row = self._db.execute("SELECT state, reason FROM handouts WHERE visit_id = ?", (visit_id,)).fetchone()
        return None if row is None else (row[0], row[1])

    def unfinished(self) -> list[tuple[str, str]]:
        """(visit_id, state) of hand-outs not in a final state, oldest first."""
        marks = ",".join("?" * len(FINAL))
        with self._lock:
            return self._db.execute(f"SELECT visit_id, state FROM handouts WHERE state NOT IN ({marks}) "
                                    "ORDER BY started_at", FINAL).fetchall()

    def finished(self) -> list[Settled]:
        """Every hand-out in a final state still in the journal, oldest first."""
        marks = ",".join("?" * len(FINAL))
        with self._lock:
            rows = self._db.execute(f"SELECT visit_id, state, reason FROM handouts WHERE state IN ({marks}) "
                                    "ORDER BY started_at", FINAL).fetchall()
        return [Settled(*row) for row in rows]

    def purge(self, older_than_s: float = 7 * 86400) -> int:
        """Forget finished hand-outs older than this (central has their reports by then)."""
        cutoff = time.time() - older_than_s
        marks = ",".join("?" * len(FINAL))
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            gone = [v for (v,) in self._db.execute(
                f"SELECT visit_id FROM handouts WHERE state IN ({marks}) AND updated_at < ?", (*FINAL, cutoff))]
            for visit_id in gone:
                self._db.execute("DELETE FROM steps WHERE visit_id = ?", (visit_id,))
                self._db.execute("DELETE FROM handouts WHERE visit_id = ?", (visit_id,))
        return len(gone)

    def steps(self, visit_id: str) -> list[tuple[str, str | None]]:
        with self._lock:
            return self._db.execute("SELECT state, reason FROM steps WHERE visit_id = ? ORDER BY id",
                                    (visit_id,)).fetchall()

    def close(self) -> None:
        with self._lock:
            self._db.close()


class CardHandout:
    """One dispenser (drivers/dispenser: to_read_position, present, wait_taken, retract,
    card_position) and its journal. One hand-out at a time: the dispenser has one channel."""

    def __init__(self, dispenser, journal: Journal):
        self.dispenser = dispenser
        self.journal = journal

    def move_to_read(self, visit_id: str, slot: int) -> None:
        """A card from `slot` to the read position. SlotEmpty (a NoMedia): nothing moved.
        A jam is `jammed`; a lost answer leaves `moving`, which recover() settles."""
        if self.journal.unfinished():
            raise HandoutRefused("another hand-out is unfinished: recover() first")
        self.journal.begin(visit_id, slot)
        try:
            self.dispenser.to_read_position(slot)
        except NoMedia as exc:
            self.journal.record(visit_id, "not_moved", exc.kind)
            raise
        except HardwareFault as exc:
            if exc.kind == "jam":
                self.journal.record(visit_id, "jammed", "jam")
            raise
        self.journal.record(visit_id, "at_read")

    def check_card(self, visit_id: str, id_number_read: str | None, card_check: str) -> bool:
        """The card at the read position was read as `id_number_read` (None: unreadable). Its
        holder's → `checked`, True; anyone else's → into the reject bin (`wrong_card`), False."""
        self._require(visit_id, "at_read")
        if id_number_read is not None and is_the_card(card_check, visit_id, id_number_read):
            self.journal.record(visit_id, "checked")
            return True
        self._retract(visit_id, "wrong_card")
        return False

    def present(self, visit_id: str) -> None:
        """The checked card to the mouth. Once: a second call is refused, whatever happened."""
        self._require(visit_id, "checked")
        self.journal.record(visit_id, "presenting")
        self.dispenser.present()
        self.journal.record(visit_id, "presented")

    def wait_taken(self, visit_id: str, timeout_s: float) -> bool:
        """True when the citizen took the card; False when it was not taken in time and went
        into the reject bin (`retracted`, not_taken)."""
        self._require(visit_id, "presented")
        if self.dispenser.wait_taken(timeout_s):
            self.journal.record(visit_id, "taken")
            return True
        return not self._retract(visit_id, "not_taken", at_mouth=True)  # False: taken just before

    def abandon(self, visit_id: str, reason: str = "fault") -> str:
        """End a hand-out that cannot go on (the reader failed, the visit was cancelled): the
        card in the channel goes to the bin. Returns the final state."""
        state = self.journal.state(visit_id)
        if state is None or state[0] in FINAL:
            return state[0] if state else "not_moved"
        self._retract(visit_id, reason, at_mouth=state[0] in ("presenting", "presented"))
        return self.journal.state(visit_id)[0]

    def recover(self) -> list[Settled]:
        """Settle every unfinished hand-out from where the dispenser says a card is. Call at
        start-up, before the pickup service is offered. Raises DeviceError if the dispenser
        cannot answer: the service must then stay unavailable."""
        settled = []
        for visit_id, state in self.journal.unfinished():
            where = self.dispenser.card_position()
            if where in ("read", "mouth"):
                self._retract(visit_id, "restart", at_mouth=where == "mouth")
            elif state in ("presenting", "presented"):
                self.journal.record(visit_id, "taken", "restart")  # out of the mouth: only the citizen takes it
            elif state == "retracting":
                self.journal.record(visit_id, "retracted", "restart")
            else:  # moving, at_read, checked with an empty channel: the command never ran
                self.journal.record(visit_id, "not_moved", "restart")
            final, reason = self.journal.state(visit_id)
            log.info("hand-out recovered after a restart: %s", final)
            settled.append(Settled(visit_id, final, reason))
        return settled

    # ---- inside ----------------------------------------------------------------------------

    def _require(self, visit_id: str, state: str) -> None:
        current = self.journal.state(visit_id)
        if current is None or current[0] != state:
            raise HandoutRefused(f"the card of visit {visit_id} is {current[0] if current else 'not moved'}, "
                                 f"not {state}")

    def _retract(self, visit_id: str, reason: str, *, at_mouth: bool = False) -> bool:
        """Into the reject bin, journaled; False if there was no card to retract: taken, if it
        was at the mouth (only a hand takes it from there), else it never reached the channel."""
        self.journal.record(visit_id, "retracting", reason)
        try:
            moved = self.dispenser.retract()
        except DeviceError:
            log.warning("hand-out: the retract failed; the card stays where it is for recover()")
            raise
        if moved:
            self.journal.record(visit_id, "retracted", reason)
        else:
            self.journal.record(visit_id, "taken" if at_mouth else "not_moved", reason)
        return moved
