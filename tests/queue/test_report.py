"""The technician's view of a tampered or refused item: `python -m offline_queue report`."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from offline_queue.sync import SyncWorker

RECORD = {"service": "no_criminal_record", "id_number": "11010519491231002X", "name": "张三"}


class CentralStoresAll:
    """Answers like central: every item stored, except one kind it refuses for good."""

    def post_batch(self, items):
        return [{"key": item["key"], "status": "rejected", "reason": "kind: not a kind central knows"}
                if item["kind"] == "odd" else {"key": item["key"], "status": "stored"} for item in items]


def _report(path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "offline_queue", "report", str(path)],
                          capture_output=True, text=True, timeout=60)


def test_tampered_and_refused_items_are_reported_to_the_technician(outbox, clock):
    for i in range(3):
        outbox.record_visit(f"v-{i}", "completed", RECORD)
    outbox.enqueue("odd", "odd-1", {"x": 1})
    with sqlite3.connect(outbox.path, isolation_level=None) as raw:  # someone edits the file
        [blob] = raw.execute("SELECT payload FROM outbox WHERE key = 'v-1'").fetchone()
        raw.execute("UPDATE outbox SET payload = ? WHERE key = 'v-1'", [blob[:-1] + bytes([blob[-1] ^ 1])])
    changes: list[dict] = []
    result = SyncWorker(outbox, CentralStoresAll(), clock=clock, on_change=changes.append).sync_once()
    assert (result["delivered"], result["dead"]) == (2, 1)
    assert changes[-1]["quarantined"] == 1 and changes[-1]["dead"] == 1  # what the heartbeat carries

    report = _report(outbox.path)
    assert report.returncode == 1, report.stderr
    lines = report.stdout.splitlines()
    assert lines[0] == "pending=0  in_flight=0  delivered=2  dead=1  quarantined=1"
    assert "  quarantined v-1  (visit, 0 attempts): quarantined: sealed record failed authentication" in lines
    assert "  dead        odd-1  (odd, 1 attempts): kind: not a kind central knows" in lines
    assert RECORD["id_number"] not in report.stdout and RECORD["name"] not in report.stdout


def test_clean_queue_reports_counts_and_exits_0(outbox, clock):
    outbox.record_visit("v-1", "completed", RECORD)
    clock.advance(7200)
    report = _report(outbox.path)
    assert report.returncode == 0
    assert report.stdout.splitlines()[0].startswith("pending=1  in_flight=0")
    assert "oldest waiting item:" in report.stdout  # measured against the wall clock


def test_missing_or_foreign_file_is_a_one_line_error(tmp_path):
    missing = _report(tmp_path / "nowhere.db")
    assert (missing.returncode, missing.stderr) == (2, f"error: no outbox database at {tmp_path / 'nowhere.db'}\n")
    foreign = tmp_path / "notes.db"
    foreign.write_text("not a database at all, just text " * 100)
    result = _report(foreign)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: {foreign} is not a readable outbox")
