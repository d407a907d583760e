"""`kiosk central serve | stats | enrol` as real subprocesses."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from kiosk.central_client import CentralClient, CentralRejected, KioskSignature

KIOSK = [str(Path(sys.executable).with_name("kiosk"))]


def _kiosk(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(KIOSK + list(args), capture_output=True, text=True, timeout=60)


@pytest.fixture
def serve(tmp_path):
    """serve(*flags) -> base URL of `kiosk central serve --port 0 …`; stopped at teardown."""
    processes: list[subprocess.Popen] = []

    def start(*flags: str) -> str:
        process = subprocess.Popen(
            KIOSK + ["central", "serve", "--database", str(tmp_path / "central.db"), "--port", "0",
                     "--log-level", "warning", *flags],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        processes.append(process)
        line = process.stdout.readline()  # printed once the socket is listening
        match = re.fullmatch(r"central listening on (http://127\.0\.0\.1:\d+)\n", line)
        assert match, (line, process.stderr.read() if process.poll() is not None else "")
        return match.group(1)

    yield start
    for process in processes:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


def test_serve_then_stats(serve, tmp_path):
    url = serve("--dev")
    with CentralClient(url, "K-1", CentralClient.enrol(url, "K-1")) as client:
        items = [{"key": f"v-{i}", "kind": "visit", "created_at": 0, "payload": {"outcome": "completed"}}
                 for i in range(3)]
        client.post_batch(items)
        client.post_batch(items[:1])
    result = _kiosk("central", "stats", "--database", str(tmp_path / "central.db"))
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert (figures["completed_visits"], figures["records"], figures["duplicates_rejected"]) == (3, 3, 1)


def test_enrol_provisions_a_kiosk_for_a_production_server(serve, tmp_path):
    result = _kiosk("central", "enrol", "--database", str(tmp_path / "central.db"), "--kiosk-id", "K-7")
    assert result.returncode == 0, result.stderr
    secret = result.stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{64}", secret)
    url = serve()
    with pytest.raises(CentralRejected, match="403"):
        CentralClient.enrol(url, "K-8")
    with CentralClient(url, "K-7", bytes.fromhex(secret)) as client:
        assert client.heartbeat({"state": "ok"})["ok"] is True
    assert httpx.get(f"{url}/api/v1/health").json() == {"status": "ok"}


def test_stats_of_a_missing_database_is_one_clear_line(tmp_path):
    result = _kiosk("central", "stats", "--database", str(tmp_path / "nowhere.db"))
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: no central database at {tmp_path / 'nowhere.db'}"
    assert not (tmp_path / "nowhere.db").exists()


def test_bad_kiosk_id_is_one_clear_line(tmp_path):
    result = _kiosk("central", "enrol", "--database", str(tmp_path / "c.db"), "--kiosk-id", "a b")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: kiosk id must be")



def test_serve_with_two_workers_answers_and_stops_them_all(tmp_path):
    process = subprocess.Popen(
        KIOSK + ["central", "serve", "--database", str(tmp_path / "central.db"), "--port", "0", "--dev",
                 "--workers", "2", "--log-level", "warning"], stdout=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().strip().rsplit(" ", 1)[1]
        auth = KioskSignature("K-1", CentralClient.enrol(url, "K-1"))
        for n in range(20):  # a new connection each time, taken by whichever worker accepts first
            item = {"key": f"v-{n}", "kind": "visit", "created_at": 0, "payload": {"outcome": "completed"}}
            answer = httpx.post(f"{url}/api/v1/records/batch", json={"items": [item]}, auth=auth)
            assert answer.json()["results"][0]["status"] == "stored"
        workers = _children(process.pid)
        assert len(workers) == 2
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        process.stdout.close()
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
    figures = json.loads(_kiosk("central", "stats", "--database", str(tmp_path / "central.db")).stdout)
    assert figures["records"] == 20


def _children(parent: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        try:
            ppid = int(entry.joinpath("stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent:
            children.append(int(entry.name))
    return children


def test_serve_takes_the_offline_threshold_and_flap_settings(serve, tmp_path):
    token = tmp_path / "metrics.token"
    token.write_text("a-scraper-token-of-32-characters\n")
    url = serve("--dev", "--offline-after", "2", "--flap-changes", "2", "--flap-window", "600",
                "--metrics-token-file", str(token))

    def kiosks() -> str:
        answer = httpx.get(f"{url}/metrics", headers={"Authorization": "Bearer a-scraper-token-of-32-characters"})
        return "\n".join(line for line in answer.text.splitlines() if line.startswith("central_kiosks{"))

    with CentralClient(url, "K-1", CentralClient.enrol(url, "K-1")) as client:
        client.heartbeat({"operator_config": {"group": "north", "running": 1}})
        assert kiosks() == 'central_kiosks{group="north",state="online"} 1.0'
        time.sleep(2.5)  # silent for longer than the 2 s given (the default is 180)
        assert kiosks() == 'central_kiosks{group="north",state="offline"} 1.0'
        client.heartbeat({"operator_config": {"group": "north", "running": 1}})  # a second change
    added = subprocess.run(KIOSK + ["central", "operator", "add", "--database", str(tmp_path / "central.db"),
                                    "--id", "vic", "--name", "Vic Wang", "--role", "viewer"],
                           input="correct horse 1\ncorrect horse 1\n", capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    with httpx.Client(base_url=url) as operator:
        csrf = re.search(r'name="csrf" value="([^"]+)"', operator.get("/fleet/login").text).group(1)
        operator.post("/fleet/login", data={"operator": "vic", "password": "correct horse 1", "csrf": csrf})
        page = operator.get("/fleet").text
    assert "flapping (2 changes in the last 10 min)" in page
    refused = _kiosk("central", "serve", "--database", str(tmp_path / "other.db"), "--offline-after", "0")
    assert refused.returncode == 2 and "--offline-after" in refused.stderr


def test_serves_defaults_are_centrals_presence_rules():
    from central.presence import PresenceRules
    from kiosk.commands import central

    assert PresenceRules() == PresenceRules(central.OFFLINE_AFTER_S, central.FLAP_CHANGES, central.FLAP_WINDOW_S)
