"""The last self-test result of each device, kept in the data directory (selftests.json).

Kept so that a restart does not forget what a technician found, and so that `kiosk diag export`
(another process) puts the same results in the bundle as the screen does. Results hold device
states, counts and masked fields only: nothing of a citizen.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

from common.files import write_atomically

log = logging.getLogger(__name__)

FILE_NAME = "selftests.json"


class ResultStore:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()

    def all(self) -> dict[str, dict[str, Any]]:
        """device -> its last result; empty when none was kept (or the file is unreadable)."""
        try:
            kept = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.error("self-test results %s unreadable (%s): starting afresh", self.path, exc)
            return {}
        return kept if isinstance(kept, dict) else {}

    def put(self, result: dict[str, Any]) -> None:
        with self._lock:
            kept = self.all()
            kept[result["device"]] = result
            text = json.dumps(kept, ensure_ascii=False, indent=1, sort_keys=True, default=str) + "\n"
            write_atomically(self.path, text.encode("utf-8"))
            self.path.chmod(0o600)
