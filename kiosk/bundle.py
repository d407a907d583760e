"""The diagnostic bundle: what support needs to see of one kiosk, without a citizen in it.

A tar.gz with the kiosk's masked log files, its audit trail, queue figures and dead letters
(keys, kinds, reasons: never a payload), whether it is out of service, the technicians'
overview as snapshot.json (kiosk/overview.py: device states with their counters, the config
version; from the data directory alone when `kiosk diag export` finds the kiosk not running),
and the last self-test result of each device as self_tests.json (kiosk/selftests/, kept in the
data directory); the screen's export, the console's and support's remote one all carry both.
Every member passes the same masking as the logs once more on the way in (ID numbers, phone
numbers, the names of visits in progress): a log file as text, a JSON member in its keys and
strings, so a long number (a queue age's digits, a byte count) is never masked into broken
JSON. Payloads are never read: the outbox's sealed records stay in the outbox.
"""

from __future__ import annotations

import io
import json
import tarfile
import time
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from common.masking import mask_personal

LOG_BYTES = 2_000_000  # of the newest log files, at most: a bundle fits on any USB stick and upload


def app_version() -> str:
    try:
        return version("police-kiosk")
    except PackageNotFoundError:
        return "unknown"


def write_bundle(out: str | Path, *, config, outbox, audit, maintenance, snapshot: dict | None = None,
                 self_tests: dict | None = None) -> Path:
    """Write the bundle to `out` (a file path, e.g. on a mounted USB stick); returns it."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    notice = maintenance.current()
    members: dict[str, str] = {
        "manifest.json": _json({"kiosk_id": config.kiosk.id, "app_version": app_version(),
                                "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}),
        "queue.json": _json({"stats": outbox.stats(), "dead_letters": outbox.dead_letters()}),
        "out_of_service.json": _json(None if notice is None else vars(notice)),
        "audit.jsonl": "".join(json.dumps(_masked(e), ensure_ascii=False, sort_keys=True) + "\n"
                               for e in audit.entries(1000)),
    }
    if snapshot is not None:
        members["snapshot.json"] = _json(snapshot)
    if self_tests is not None:
        members["self_tests.json"] = _json(self_tests)
    budget = LOG_BYTES
    logs = sorted(config.data_path("logs").glob("kiosk.log*"), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in logs:
        if budget <= 0:
            break
        text = path.read_bytes()[-budget:].decode("utf-8", errors="replace")
        budget -= len(text)
        members[f"logs/{path.name}"] = mask_personal(text)
    partial = out.with_name(out.name + ".partial")
    with tarfile.open(partial, "w:gz") as tar:
        for name, text in members.items():
            data = text.encode("utf-8")  # masked as it was made
            info = tarfile.TarInfo(f"kiosk-{config.kiosk.id}/{name}")
            info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
            tar.addfile(info, io.BytesIO(data))
    partial.replace(out)
    return out


def _json(value: Any) -> str:
    return json.dumps(_masked(value), ensure_ascii=False, indent=1) + "\n"


def _masked(value: Any) -> Any:
    """`value` with its keys and strings masked. A float is kept to the millisecond (ages and
    timestamps, whose last digits only look like an ID number); a number the masking would
    change anyway (a byte count that reads as a phone number) becomes its masked string."""
    if isinstance(value, dict):
        return {mask_personal(str(k)): _masked(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_masked(v) for v in value]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        number = round(value, 3) if isinstance(value, float) else value
        return number if mask_personal(str(number)) == str(number) else mask_personal(str(number))
    return mask_personal(str(value))  # a string, or what json would have written as one
