"""Which identity methods a service accepts, how often a citizen may try, and what they are told.

Per visit, methods are tried in the configured order (face, then fingerprint): a method gets
`max_attempts` tries, then the next one takes over. Failures that could be somebody else's card
(no match, liveness failed) are also counted per card and per day, across visits; at
`lockout_failures_per_day` the card is refused until the next day. That count is kept in the
kiosk's data directory under an HMAC of the ID number with a per-kiosk secret key, never the
number itself.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

from common.credentials import credential
from kiosk.config import IdentityConfig
from kiosk.texts import text

VERIFIED, RETRY, FALLBACK, REFUSED, LOCKED = "verified", "retry", "fallback", "refused", "locked"
# Decisions that count towards the card's daily lockout: what an impostor would produce.
SUSPICIOUS = frozenset({"no_match", "liveness_failed"})

_START = {"face": "identity_start_face", "fingerprint": "identity_start_fingerprint"}
_SWITCH = {"face": "identity_use_face", "fingerprint": "identity_use_fingerprint"}
_UNAVAILABLE = frozenset({"error"})


@dataclass(frozen=True)
class PolicyStep:
    action: str  # verified | retry | fallback | refused | locked
    method: str | None  # the method to use now (retry, fallback, the first step)
    message: str  # a message code (kiosk/texts.py, group "identity"), shown and spoken


class FailureLog:
    """Failed checks per card and day, in SQLite under the data directory, keyed by an HMAC."""

    def __init__(self, data_dir: str | Path, *, today: Callable[[], date] = date.today):
        self._today = today
        root = Path(data_dir)
        (root / "keys").mkdir(parents=True, mode=0o700, exist_ok=True)
        self._key = self._load_key(root / "keys" / "identity.key")
        self._db = sqlite3.connect(root / "identity-failures.db", check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock, self._db:
            self._db.execute("CREATE TABLE IF NOT EXISTS failures (card TEXT, day TEXT, count INTEGER,"
                             " PRIMARY KEY (card, day))")

    @staticmethod
    def _load_key(path: Path) -> bytes:
        passed = credential(path.name)  # a systemd credential, when the unit passes one
        if passed is not None:
            return bytes.fromhex(passed.read_text().strip())
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32))
        return bytes.fromhex(path.read_text().strip())

    def card_key(self, id_number: str) -> str:
        return hmac.new(self._key, id_number.encode(), hashlib.sha256).hexdigest()

    def count_today(self, id_number: str) -> int:
        with self._lock:
            row = self._db.execute("SELECT count FROM failures WHERE card = ? AND day = ?",
                                   (self.card_key(id_number), self._today().isoformat())).fetchone()
        return row[0] if row else 0

    def add(self, id_number: str) -> int:
        """Count one failure today; returns today's count. Older days are forgotten."""
        day = self._today().isoformat()
        with self._lock, self._db:
            self._db.execute("DELETE FROM failures WHERE day < ?", (day,))
            self._db.execute("INSERT INTO failures VALUES (?, ?, 1) ON CONFLICT (card, day)"
                             " DO UPDATE SET count = count + 1", (self.card_key(id_number), day))
        return self.count_today(id_number)

    def close(self) -> None:
        self._db.close()


class IdentityPolicy:
    def __init__(self, config: IdentityConfig, failures: FailureLog):
        self.config = config
        self.failures = failures

    def begin(self, service_id: str, id_number: str, *, fallback_on_mismatch: bool = True) -> "IdentityCheck":
        """The identity check of one visit; its `first` step says what to do (or that the card is
        locked for today). `fallback_on_mismatch=False`: a method that ran out of tries on what
        an impostor would produce (no match, liveness failed) refuses; only a method that could
        not be used (no finger, poor quality, the device away) falls back to the next."""
        return IdentityCheck(self, self.config.methods_for(service_id), id_number,
                             fallback_on_mismatch=fallback_on_mismatch)


@dataclass
class IdentityCheck:
    policy: IdentityPolicy
    methods: list[str]
    id_number: str = field(repr=False)
    attempts: dict[str, int] = field(default_factory=dict)
    fallback_on_mismatch: bool = True

    def __post_init__(self):
        self._index = 0
        locked = self.policy.failures.count_today(self.id_number) >= self.policy.config.lockout_failures_per_day
        self.first = PolicyStep(LOCKED, None, "identity_locked") if locked \
            else PolicyStep("start", self.methods[0], _START[self.methods[0]])
        self.finished = locked

    @property
    def method(self) -> str | None:
        return None if self.finished else self.methods[self._index]

    def after(self, decision: str) -> PolicyStep:
        """The next step after the current method decided `decision` (a face Decision's or a
        fingerprint result's `decision`)."""
        method = self.method
        if method is None:
            raise RuntimeError("the identity check is already over")
        if decision == "match":
            return self._finish(PolicyStep(VERIFIED, None, "identity_verified"))
        config = self.policy.config
        if decision in SUSPICIOUS and self.policy.failures.add(self.id_number) >= config.lockout_failures_per_day:
            return self._finish(PolicyStep(LOCKED, None, "identity_locked"))
        self.attempts[method] = self.attempts.get(method, 0) + 1
        if decision not in _UNAVAILABLE and self.attempts[method] < config.max_attempts:
            return PolicyStep(RETRY, method, _retry_message(method, decision))
        if self._index + 1 < len(self.methods) and (self.fallback_on_mismatch or decision not in SUSPICIOUS):
            self._index += 1
            return PolicyStep(FALLBACK, self.methods[self._index], _SWITCH[self.methods[self._index]])
        return self._finish(PolicyStep(REFUSED, None,
                                       "identity_unavailable" if decision in _UNAVAILABLE else "identity_failed"))

    def wipe(self) -> None:
        self.id_number = ""

    def _finish(self, step: PolicyStep) -> PolicyStep:
        self.finished = True
        self.wipe()
        return step


def _retry_message(method: str, decision: str) -> str:
    if method == "fingerprint":
        return "identity_retry_fingerprint"
    if decision == "liveness_failed":
        return "identity_retry_liveness"
    return "identity_retry_face"


def message(code: str, language: str = "zh") -> str:
    """What the citizen is told for a step's message code."""
    return text(code, language)
