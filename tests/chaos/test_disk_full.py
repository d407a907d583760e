"""A full disk under the outbox: new visits are refused with a clear message, nothing queued is
lost, and the kiosk takes visits again once space returns.

The disk is a real 8 MiB tmpfs mounted for the test (this needs root, as on the kiosk images'
test machines); without the right to mount, the test falls back to SQLite's max_page_count as a
size-limited database and says so in its name.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from central.stats import stats as central_stats
from offline_queue.outbox import Outbox, OutboxFull
from offline_queue.sync import SyncWorker

RECORD = {"service": "no_criminal_record", "id_number": "11010519491231002X", "name": "张三",
          "notes": "x" * 1500}
FILLER_BYTES = 4 * 1024 * 1024


def _mount_tmpfs(directory: Path) -> bool:
    if os.geteuid() != 0:
        return False
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(directory)],
                            capture_output=True, timeout=30)
    return result.returncode == 0


@pytest.fixture(params=["tmpfs", "max_page_count"])
def small_disk(request, tmp_path) -> Iterator[dict]:
    """Where the outbox goes, and how its disk is made full: a real tmpfs, or a size cap."""
    directory = tmp_path / "disk"
    directory.mkdir()
    if request.param == "tmpfs":
        if not _mount_tmpfs(directory):
            pytest.skip("cannot mount a tmpfs here (needs root); the max_page_count case still runs")
        try:
            # A filler file takes room that the test gives back to play "space returns".
            (directory / "filler").write_bytes(os.urandom(FILLER_BYTES))
            yield {"dir": directory, "options": {}, "free": lambda: (directory / "filler").unlink()}
        finally:
            subprocess.run(["umount", "-l", str(directory)], capture_output=True, timeout=30)
        return
    limit = {"max_bytes": 1536 * 1024}
    yield {"dir": directory, "options": limit, "free": lambda: limit.update(max_bytes=4 * 1024 * 1024)}


def _open(small_disk, tmp_path, clock) -> Outbox:
    # The key lives outside the database's directory, on the ordinary disk.
    return Outbox(small_disk["dir"] / "outbox.db", tmp_path / "outbox.key", clock=clock, **small_disk["options"])


def test_full_disk_refuses_new_visits_keeps_queued_ones_and_recovers(small_disk, tmp_path, clock, central_url):
    central, database = central_url
    outbox = _open(small_disk, tmp_path, clock)
    try:
        queued: list[str] = []
        with pytest.raises(OutboxFull) as refused:
            for i in range(5000):
                outbox.record_visit(f"v-{i:04d}", "completed", RECORD)
                queued.append(f"v-{i:04d}")
        message = str(refused.value)
        assert message.startswith("outbox disk is full (") and "\n" not in message
        assert len(queued) > 20
        assert outbox.visit_outcome(f"v-{len(queued):04d}") is None  # the refused visit left no trace
        stats = outbox.stats()
        assert stats["full"] and stats["disk_full"] and stats["pending"] == len(queued)
    finally:
        outbox.close()

    # Space returns; reopened, the outbox reads everything back: nothing lost or garbled.
    small_disk["free"]()
    outbox = _open(small_disk, tmp_path, clock)
    try:
        items = outbox.due(10_000)
        assert [item.key for item in items] == queued
        assert all(item.payload["id_number"] == RECORD["id_number"] for item in items)
        outbox.release_in_flight()
        assert outbox.check_space()
        outbox.record_visit("after", "completed", RECORD)  # room again: visits are taken
        assert not outbox.stats()["full"]

        from kiosk.central_client import CentralClient

        with CentralClient(central.url, "K-DISK", CentralClient.enrol(central.url, "K-DISK")) as client:
            worker = SyncWorker(outbox, client, clock=clock)
            while worker.sync_once()["sent"]:
                pass
        assert central_stats(database)["records"] == len(queued) + 1
        assert outbox.stats()["delivered"] == len(queued) + 1
    finally:
        outbox.close()


class CentralUnavailable(Exception):
    """Named like the client's: the worker retries it."""


class CentralDown:
    def post_batch(self, items):
        raise CentralUnavailable("central is down too")


@pytest.mark.parametrize("small_disk", ["tmpfs"], indirect=True)  # an open database keeps its size cap
def test_sync_worker_tells_the_kiosk_when_space_returns(small_disk, tmp_path, clock):
    outbox = _open(small_disk, tmp_path, clock)
    try:
        with pytest.raises(OutboxFull):
            for i in range(5000):
                outbox.record_visit(f"v-{i:04d}", "completed", RECORD)
        changes: list[dict] = []
        worker = SyncWorker(outbox, CentralDown(), clock=clock, on_change=changes.append)
        worker.sync_once(force=True)
        assert outbox.stats()["disk_full"]
        assert all(change["full"] for change in changes)  # never told "room" while there is none

        small_disk["free"]()
        worker.sync_once(force=True)
        assert not outbox.stats()["disk_full"]
        assert [change for change in changes if not change["full"]]  # the kiosk heard of it
        outbox.record_visit("after", "completed", RECORD)
    finally:
        outbox.close()
