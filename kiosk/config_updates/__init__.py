"""Signed operator configuration on the kiosk: poll, verify, stage, apply between visits.

ConfigUpdates ties the pieces together for one kiosk: a poller thread runs an update round
(updater.py) every `poll_s` plus a random part of `jitter_s`, so a fleet restarted together does
not ask at once; a verified config is only staged. `between_visits()` is the hook the core calls
when no visit is under way: it makes the staged config current and tells the kiosk to take it up
(`on_applied`); `kiosk run` then restarts its core with it (startup.py, which also falls back to
the last good config when the kiosk cannot start with the new one). `status()` is what the
heartbeat carries.

Staged rollout (common/rollout.py): a staged version whose signed target carries a plan is applied
only when central's latest heartbeat answer releases it to this kiosk (`config_release`:
{"group", "version": the highest version this kiosk may apply, "latest": the newest version
central knows}), or, while central has not said anything about that version (no answer yet,
central unreachable, or its `latest` is older), when the plan puts this kiosk in the first wave.
A version without a plan is applied at once, as before staged rollout.
"""

from __future__ import annotations

import logging
import random
import threading
from pathlib import Path
from typing import Any, Callable

from kiosk.central_client import connection_options
from kiosk.config import ConfigError, KioskConfig, UpdatesConfig
from kiosk.config_updates.store import CURRENT, ConfigStore
from kiosk.config_updates.updater import ConfigUpdater, Refused, Unreachable

log = logging.getLogger(__name__)


def state_path(config: KioskConfig, relative: str) -> Path:
    path = Path(relative)
    return path if path.is_absolute() else config.data_path(relative)


class ConfigUpdates:
    def __init__(self, config: KioskConfig, *, check: Callable[[dict[str, Any]], None] | None = None,
                 on_applied: Callable[[dict[str, Any]], None] | None = None,
                 rng: random.Random | None = None):
        """`check(operator config)`: raises ConfigError when this kiosk could not run it."""
        if config.updates is None:
            raise ValueError("the config has no [updates] section")
        self.settings: UpdatesConfig = config.updates
        self.kiosk_id = config.kiosk.id
        self.store = ConfigStore(state_path(config, self.settings.state_dir))
        central_base, self._central_verify = connection_options(config.central.url)
        self.updater = ConfigUpdater(self.store, self.settings.repository_url(central_base),
                                     state_path(config, self.settings.trust), self.settings.group, check=check)
        self.on_applied = on_applied
        self._rng = rng or random.Random()
        self._wake = threading.Event()
        self._signed_as: tuple[str, bytes] | None = None

    def sign_as(self, kiosk_id: str, secret: bytes) -> None:
        """Sign the repository's downloads as this kiosk (central serves them to its kiosks only).
        The fetcher is made at the first poll: importing tuf's client is not start-up's work."""
        self._signed_as = (kiosk_id, secret)

    def _signed_fetcher(self) -> None:
        if self._signed_as is not None and self.updater.fetcher is None:
            from kiosk.central_client import KioskSignature
            from kiosk.config_updates.fetcher import SignedFetcher

            self.updater.fetcher = SignedFetcher(KioskSignature(*self._signed_as), verify=self._central_verify)

    # ---- polling ---------------------------------------------------------------------------
    def next_wait(self) -> float:
        return self.settings.poll_s + self._rng.uniform(0, self.settings.jitter_s)

    def poll_once(self) -> None:
        self._signed_fetcher()
        try:
            outcome = self.updater.fetch()
        except Refused as exc:
            log.warning("operator config refused: %s", exc)
            return
        except Unreachable as exc:
            log.info("operator config: %s", exc)
            return
        if outcome.new:
            log.info("operator config version %d staged; applied between visits", outcome.version)

    def run(self, stop: threading.Event) -> None:
        """Poll until `stop` is set (the core runs this on a thread of its own)."""
        wait = self._rng.uniform(0, self.settings.jitter_s)  # the first round spread out too
        while not stop.is_set():
            self._wake.wait(wait)
            self._wake.clear()
            if stop.is_set():
                return
            try:
                self.poll_once()
            except OSError as exc:  # a full disk, say: the running config stays, the next round retries
                log.error("operator config: this round failed: %s", exc)
            wait = self.next_wait()

    def wake(self) -> None:
        """Poll now (tests, and a stop: the thread returns at once)."""
        self._wake.set()

    # ---- applying --------------------------------------------------------------------------
    def heard(self, release: Any) -> None:
        """Central's `config_release` from a heartbeat answer (ignored if absent or not ours)."""
        if isinstance(release, dict) and release.get("group") == self.settings.group:
            try:
                kept = {"group": release["group"], "version": int(release.get("version", 0)),
                        "latest": int(release.get("latest", 0))}
            except (TypeError, ValueError):
                return
            if kept != self.store.status().get("release"):
                self.store.update_status(release=kept)

    def may_apply(self, doc: dict[str, Any]) -> bool:
        """Whether the staged `doc` may be applied now (the rule in this module's docstring)."""
        from common.rollout import wave_of

        plan = doc.get("rollout")
        if not plan:
            return True
        version = int(doc["version"])
        release = self.store.status().get("release")
        if release and release.get("group") == self.settings.group and release.get("latest", 0) >= version:
            return version <= release.get("version", 0)
        try:
            return wave_of(plan, self.settings.group, version, self.kiosk_id) == 0
        except (KeyError, TypeError, ValueError):
            return False  # a plan this kiosk cannot read: wait for central's word

    def between_visits(self) -> dict[str, Any] | None:
        """Called by the core only while no visit is under way: apply a staged config, if any,
        when the rollout lets this kiosk have it."""
        staged = self.store.staged()
        if staged is None or not self.may_apply(staged):
            return None
        doc = self.store.apply_staged()
        if doc is not None:
            log.info("operator config version %d applied", doc["version"])
            if self.on_applied is not None:
                self.on_applied(doc)
        return doc

    def pending(self) -> bool:
        return self.store.staged() is not None

    # ---- reporting -------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        status = self.store.status()
        current = self.store.read(CURRENT)
        staged = self.store.staged()
        return {"group": self.settings.group, "running": current["version"] if current else 0,
                "staged": staged["version"] if staged else None, "seen": status.get("seen"),
                "rejected": status.get("rejected"), "last_error": status.get("last_error"),
                "checked_at": status.get("checked_at"), "release": status.get("release")}


def kiosk_check(config_path: str | None, overrides: dict[str, Any] | None) -> Callable[[dict[str, Any]], None]:
    """The check a kiosk makes of a new operator config before staging it: laid over its own
    local file, it must load (schema, the services' own checks)."""
    from kiosk.config import load_config

    def check(operator: dict[str, Any]) -> None:
        load_config(config_path, overrides, operator=operator)

    return check


__all__ = ["ConfigError", "ConfigUpdates", "ConfigStore", "ConfigUpdater", "Refused", "Unreachable", "kiosk_check"]
