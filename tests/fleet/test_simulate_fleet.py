"""`kiosk simulate-fleet` as a real subprocess against a real central on 127.0.0.1 (SQLite and
PostgreSQL): visits go through the kiosk core, the outbox and the signed client, and resume."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx

from central.stats import completed_visit_keys, fleet, stats
from kiosk.fleet import CITIZEN_LOG, completed_visit_ids

KIOSK = str(Path(sys.executable).with_name("kiosk"))


def simulate(central_url: str, data_dir: Path, kiosks: int, visits: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [KIOSK, "simulate-fleet", "--central", central_url, "--kiosks", str(kiosks),
         "--visits", str(visits), "--data-dir", str(data_dir)],
        capture_output=True, text=True, timeout=300,
    )


def kiosk_view(data_dir: Path) -> tuple[dict[str, str], dict[str, set[str]]]:
    """(completed visit id → kiosk id, from the outboxes; what each citizen saw, by outcome)."""
    completed, seen = {}, {"completed": set(), "failed": set()}
    for kiosk_dir in sorted(data_dir.glob("sim-*")):
        completed.update(dict.fromkeys(completed_visit_ids(kiosk_dir), kiosk_dir.name))
        for line in (kiosk_dir / CITIZEN_LOG).read_text().splitlines():
            outcome, visit_id = line.split()
            seen[outcome].add(visit_id)
    return completed, seen


def test_fleet_delivers_every_visit_once_and_resumes(central, central_db, tmp_path):
    data_dir = tmp_path / "fleet"
    first = simulate(central.url, data_dir, kiosks=3, visits=4)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert (report["completed_visits"], report["pending"], report["dead"]) == (12, 0, 0)
    assert report["delivered"] >= 12  # visits, and the ratings of those who rated

    resumed = simulate(central.url, data_dir, kiosks=3, visits=6)
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads(resumed.stdout)
    assert (report["completed_visits"], report["pending"], report["dead"]) == (18, 0, 0)

    completed, seen = kiosk_view(data_dir)
    assert len(completed) == 18
    assert completed_visit_keys(central_db) == completed  # each stored once, by the kiosk that did it
    assert seen["completed"] <= set(completed) and not seen["failed"] & set(completed)
    figures = stats(central_db)
    assert figures["completed_visits"] == 18 and figures["kiosks"] == figures["kiosks_reporting"] == 3
    assert figures["records"] == report["delivered"]


def test_heartbeats_carry_queue_devices_and_config_version(central, central_db, tmp_path):
    assert simulate(central.url, tmp_path / "fleet", kiosks=2, visits=1).returncode == 0
    kiosks = fleet(central_db)
    assert [k["kiosk_id"] for k in kiosks] == ["sim-0001", "sim-0002"]
    versions = set()
    for kiosk in kiosks:
        status = kiosk["status"]
        assert {"pending", "in_flight", "oldest_pending_age_s"} <= set(status["queue"])
        assert {device["state"] for device in status["devices"].values()} == {"online"}
        versions.add(status["config_version"])
    assert len(versions) == 1 and len(versions.pop()) == 12  # the same settings on both kiosks


def test_openapi_document_describes_the_kiosk_endpoints(central):
    document = httpx.get(f"{central.url}/openapi.json").json()
    assert {"/api/v1/records/batch", "/api/v1/heartbeat", "/api/v1/enrol",
            "/api/v1/services/no_criminal_record/apply"} <= set(document["paths"])
    assert "results" in document["components"]["schemas"]["BatchOut"]["properties"]


def test_unreachable_central_is_one_clear_line(tmp_path):
    result = simulate("http://127.0.0.1:9", tmp_path / "fleet", kiosks=2, visits=1)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: enrolment with central failed: central unreachable")
