"""Who may open the technicians' mode: the accounts, each one's PIN, and the lockouts.

An account is a named technician from the operator config (`technician:<id>`) or the site's
shared PIN holder (`technician`) where a site PIN is configured; the id is also the actor in the
audit trail. The technician picks their account, then types its PIN. Wrong PINs lock that
account (`lockout_failures` of them, for `lockout_s`, doubled with each further lockout up to a
day, until its right PIN is given); wrong PINs across all accounts lock the entry itself
(`entry_lockout_failures` of them, for `entry_lockout_s`), so trying account after account is
stopped too. An account no longer in the configuration is no account: removing a technician
from the operator config removes their access.

The counts and lockouts are kept in `state_path` (mode 0600, account ids and times, no PIN or
hash), so a restart (or pulling the plug) does not clear them; with no path they live in
memory. A state file that cannot be read locks the entry, rather than forgetting. Times are
wall-clock, so that they mean the same after a restart.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from kiosk.config import DiagnosticsConfig
from kiosk.pin import pin_matches

log = logging.getLogger(__name__)

MAX_LOCKOUT_S = 86400
SITE_ACCOUNT = "technician"  # the site PIN holder: whoever knows the shared PIN
SITE_ACCOUNT_NAME = "现场 PIN / Site PIN"


@dataclass(frozen=True)
class Account:
    id: str  # the actor of what they do: "technician:<id>" or "technician"
    name: str


@dataclass(frozen=True)
class Check:
    """The answer to one try. `reason` when refused: wrong_pin, account_locked, entry_locked,
    unknown_account, no_pin (or visit_in_progress, from Diagnostics). `locked` names the lock a
    wrong PIN has just set (account or entry); `locked_for_s` is how long the refusing lock lasts."""

    ok: bool
    reason: str | None = None
    locked: str | None = None
    locked_for_s: float = 0.0

    def __bool__(self) -> bool:
        return self.ok


def _fresh_account() -> dict[str, Any]:
    return {"failures": 0, "lockouts": 0, "locked_until": 0.0}


def _fresh() -> dict[str, Any]:
    return {"entry": {"failures": 0, "locked_until": 0.0}, "accounts": {}}


class PinLock:
    def __init__(self, config: DiagnosticsConfig, *, state_path: str | Path | None = None,
                 clock: Callable[[], float] = time.time):
        self._config = config
        self._clock = clock
        self._path = None if state_path is None else Path(state_path)
        self._lock = threading.Lock()
        self._state = self._load()

    @property
    def enabled(self) -> bool:
        return bool(self.accounts())

    @property
    def state_path(self) -> Path | None:
        return self._path

    def accounts(self) -> list[Account]:
        """The accounts the screen lists: the operator config's technicians, then the site PIN."""
        accounts = [Account(f"technician:{t.id}", t.name) for t in self._config.technicians]
        if self._config.pin_hash is not None:
            accounts.append(Account(SITE_ACCOUNT, SITE_ACCOUNT_NAME))
        return accounts

    def _hash_of(self, account: str) -> str | None:
        for technician in self._config.technicians:
            if account == f"technician:{technician.id}":
                return technician.pin_hash
        return self._config.pin_hash if account == SITE_ACCOUNT else None

    def entry_locked_for(self) -> float:
        """Seconds until any account may be tried again (0 when it may)."""
        return max(0.0, self._state["entry"]["locked_until"] - self._clock())

    def locked_for(self, account: str | None = None) -> float:
        """Seconds until `account` (or, without one, the entry) may be tried again."""
        entry = self.entry_locked_for()
        if account is None:
            return entry
        mine = self._state["accounts"].get(account, _fresh_account())
        return max(entry, mine["locked_until"] - self._clock(), 0.0)

    def check(self, account: str, pin: str) -> Check:
        with self._lock:
            if not self.enabled:
                return Check(False, "no_pin")
            if (entry := self.entry_locked_for()) > 0:
                return Check(False, "entry_locked", locked_for_s=entry)
            pin_hash = self._hash_of(account)
            if pin_hash is None:  # removed from the config since the list was shown, or made up
                return self._failed(account, "unknown_account")
            if (locked := self.locked_for(account)) > 0:
                return Check(False, "account_locked", locked_for_s=locked)
            if pin_matches(pin, pin_hash):
                state = _fresh()
                state["accounts"] = {k: v for k, v in self._state["accounts"].items() if k != account}
                self._save(state)
                log.info("diagnostics: PIN of %s accepted", account)
                return Check(True)
            return self._failed(account, "wrong_pin")

    def _failed(self, account: str, reason: str) -> Check:
        state = json.loads(json.dumps(self._state))  # a copy: saved whole or not at all
        now = self._clock()
        locked = None
        if reason == "wrong_pin":
            mine = state["accounts"].setdefault(account, _fresh_account())
            mine["failures"] += 1
            log.warning("diagnostics: wrong PIN for %s (%d of %d)", account, mine["failures"],
                        self._config.lockout_failures)
            if mine["failures"] >= self._config.lockout_failures:
                lockout = min(MAX_LOCKOUT_S, self._config.lockout_s * 2 ** min(mine["lockouts"], 20))
                mine.update(failures=0, lockouts=mine["lockouts"] + 1, locked_until=now + lockout)
                log.warning("diagnostics: account %s locked for %d s after repeated wrong PINs", account, lockout)
                locked = "account"
        else:
            log.warning("diagnostics: PIN typed for %s, which is no account", account)
        entry = state["entry"]
        entry["failures"] += 1
        if entry["failures"] >= self._config.entry_lockout_failures:
            entry.update(failures=0, locked_until=now + self._config.entry_lockout_s)
            log.warning("diagnostics: entry locked for %d s after repeated wrong PINs", self._config.entry_lockout_s)
            locked = "entry"
        self._save(state)
        held = self.entry_locked_for() if locked == "entry" else self.locked_for(account) if locked else 0.0
        return Check(False, reason, locked=locked, locked_for_s=held)

    def _load(self) -> dict[str, Any]:
        if self._path is None or not self._path.exists():
            return _fresh()
        try:
            saved = json.loads(self._path.read_text())
            if "entry" not in saved:  # the file of one shared lock, as kept before accounts
                return {"entry": {"failures": 0, "locked_until": float(saved["locked_until"])}, "accounts": {}}
            return {
                "entry": {"failures": int(saved["entry"]["failures"]),
                          "locked_until": float(saved["entry"]["locked_until"])},
                "accounts": {str(k): {"failures": int(v["failures"]), "lockouts": int(v["lockouts"]),
                                      "locked_until": float(v["locked_until"])}
                             for k, v in saved["accounts"].items()},
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            log.error("diagnostics: lockout state %s unreadable; entry locked for %d s",
                      self._path, self._config.entry_lockout_s)
            state = _fresh()
            state["entry"]["locked_until"] = self._clock() + self._config.entry_lockout_s
            return state

    def _save(self, state: dict[str, Any]) -> None:
        self._state = state
        if self._path is None:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._path.with_name(self._path.name + ".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            json.dump(state, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self._path)
