"""Fees operators publish: a service's `fees_fen` in the operator config of a kiosk's group.

Central prices the paid services itself (it never takes an amount from a kiosk). Where the
config a kiosk runs (its group and version, from its latest heartbeat) gives the service
`fees_fen`, those fees replace the service's own table item by item; items not named there, a
kiosk without an operator config and a central serving no repository keep the table. The
version the kiosk runs, not the newest: a fee change rolls out in waves like the rest of the
config, and the fee a citizen is told is the one their kiosk's config has.

Configs are read from the repository central serves (`--tuf-repo`): with consistent snapshots
every published version stays in `targets/groups/<group>/` under its SHA-256, which is checked.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from central.db import heartbeats

log = logging.getLogger(__name__)


class PriceList:
    def __init__(self, repo_dir: str | Path | None):
        self.groups_dir = Path(repo_dir) / "targets" / "groups" if repo_dir else None
        self._configs: dict[tuple[str, int], dict[str, Any]] = {}  # (group, version) → its config
        self._lock = threading.Lock()

    def fees(self, conn: Connection, kiosk_id: str, service_id: str, table: dict[str, int]) -> dict[str, int]:
        """`table` (the service's own fees, in fen) with what the kiosk's config publishes for it."""
        group, version = self._running(conn, kiosk_id)
        config = self._config(group, version) if group and version else None
        published = next((s.get("fees_fen") or {} for s in (config or {}).get("services", [])
                          if isinstance(s, dict) and s.get("id") == service_id), {})
        return {item: int(published.get(item, fen)) for item, fen in table.items()}

    @staticmethod
    def _running(conn: Connection, kiosk_id: str) -> tuple[str | None, int]:
        status = conn.execute(select(heartbeats.c.status).where(heartbeats.c.kiosk_id == kiosk_id)).scalar()
        running = (status or {}).get("operator_config") or {}
        try:
            return running.get("group"), int(running.get("running") or 0)
        except (TypeError, ValueError):
            return None, 0

    def _config(self, group: str, version: int) -> dict[str, Any] | None:
        if self.groups_dir is None:
            return None
        with self._lock:
            if (group, version) not in self._configs:
                self._read_group(group)
            return self._configs.get((group, version))

    def _read_group(self, group: str) -> None:
        """Every published version of `group` whose file is whole (named by its own hash)."""
        directory = self.groups_dir / group
        if directory.parent != self.groups_dir:  # a group name is never a path
            return
        for path in directory.glob("*.config.json"):
            data = path.read_bytes()
            if hashlib.sha256(data).hexdigest() != path.name.split(".", 1)[0]:
                log.error("price list: %s does not match its hash; ignored", path)
                continue
            try:
                doc = json.loads(data)
                self._configs[(doc["group"], int(doc["version"]))] = doc["config"]
            except (ValueError, KeyError, TypeError):
                continue  # a test's deliberately malformed target: kiosks refuse it too
