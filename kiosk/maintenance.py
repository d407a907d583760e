"""A technician's "out of service": the kiosk stops taking visits and shows the technician's
message to citizens until it is lifted.

Kept as a small JSON file in the data directory, written atomically, so that it survives a
restart and so that `kiosk diag service off|on` (another process, on the kiosk's shell) and the
diagnostics screen set the same thing; the kiosk reads it with its availability, every few
seconds. No personal data: a message, who set it, when.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

log = logging.getLogger(__name__)

MAX_MESSAGE = 200


@dataclass(frozen=True)
class Notice:
    message: str
    by: str
    since: str  # ISO 8601 UTC


class Maintenance:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._seen: tuple[float, Notice | None] | None = None

    def current(self) -> Notice | None:
        """The notice in force, or None. Re-read only when the file changed."""
        try:
            stamp = self.path.stat().st_mtime
        except FileNotFoundError:
            self._seen = None
            return None
        if self._seen is not None and self._seen[0] == stamp:
            return self._seen[1]
        try:
            notice = Notice(**json.loads(self.path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as exc:
            # Unreadable: stay out of service rather than serve against a technician's word.
            log.error("out-of-service notice %s unreadable (%s): staying out of service", self.path, exc)
            notice = Notice("", "unknown", "")
        self._seen = (stamp, notice)
        return notice

    def set(self, message: str, by: str) -> Notice:
        message = " ".join(message.split())
        if not message:
            raise ValueError("taking the kiosk out of service needs a message for citizens")
        if len(message) > MAX_MESSAGE:
            raise ValueError(f"the message is at most {MAX_MESSAGE} characters")
        notice = Notice(message, by, datetime.now(timezone.utc).isoformat(timespec="seconds"))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        with open(partial, "w", encoding="utf-8") as out:
            json.dump(asdict(notice), out, ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, self.path)
        return notice

    def clear(self) -> bool:
        """Back in service; False if it was not out of service."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True
