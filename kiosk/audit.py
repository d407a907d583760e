"""The technicians' audit trail: every entry, action, refusal and exit, by whom.

Each entry is appended to `audit.log` in the data directory (JSON lines, mode 0600, fsynced:
the local record a technician on site can read) and queued in the outbox as kind "audit", so
central has it too, through outages, exactly once. Entries carry ids, device names, counts and
reasons, never personal data; free text (a discard reason, an out-of-service message) passes
the same masking as the logs.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from common.masking import mask_personal
from offline_queue.outbox import OutboxFull

log = logging.getLogger(__name__)


class AuditTrail:
    def __init__(self, path: str | Path, outbox, kiosk_id: str):
        self.path = Path(path)
        self._outbox = outbox
        self._kiosk_id = kiosk_id
        self._lock = threading.Lock()

    def record(self, actor: str, action: str, outcome: str = "done", **detail: Any) -> dict[str, Any]:
        """One entry: `actor` (the technician, or the console's user), `action` (enter, exit,
        sync, dead_letter_retry …), `outcome` (done, refused, failed …) and what it was about."""
        entry = {
            "id": uuid.uuid4().hex,
            "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "kiosk_id": self._kiosk_id,
            "actor": actor,
            "action": action,
            "outcome": outcome,
            "detail": {k: mask_personal(v) if isinstance(v, str) else v for k, v in detail.items()},
        }
        line = json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(descriptor, "a", encoding="utf-8") as out:
                out.write(line)
                out.flush()
                os.fsync(out.fileno())
        try:
            self._outbox.enqueue("audit", f"audit:{entry['id']}", entry)
        except OutboxFull as exc:  # the local line stands; central hears of it from the bundle
            log.error("audit entry %s not queued for central: %s", action, exc)
        log.info("audit: %s %s by %s", action, outcome, actor)
        return entry

    def entries(self, limit: int = 100) -> list[dict[str, Any]]:
        """The last `limit` entries of the local log, oldest first."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in lines[-limit:] if line.strip()]
