"""The operators' commands as real subprocesses: keygen → repo init → publish, central serving
the repository under /tuf/, and `kiosk config fetch` on the kiosk's side."""

from __future__ import annotations

import json
import re
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KIOSK = [str(Path(sys.executable).with_name("kiosk"))]
EXAMPLE = ROOT / "config" / "operator.example.toml"


def kiosk(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(KIOSK + [str(a) for a in args], capture_output=True, text=True, timeout=60)


def ok(*args: str) -> dict:
    result = kiosk(*args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def central(tmp_path):
    """`kiosk central serve --tuf-repo …` on port 0; yields (URL, repo dir, keys dir)."""
    keys, repo = tmp_path / "keys", tmp_path / "repo"
    ok("admin", "keygen", "--out", keys)
    ok("admin", "repo", "init", "--keys", keys, "--repo", repo)
    process = subprocess.Popen(
        KIOSK + ["central", "serve", "--database", str(tmp_path / "central.db"), "--port", "0",
                 "--log-level", "warning", "--tuf-repo", str(repo), "--tuf-timestamp-key", str(keys / "timestamp-1.pem")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    match = re.fullmatch(r"central listening on (http://127\.0\.0\.1:\d+)\n", line)
    assert match, (line, process.stderr.read() if process.poll() is not None else "")
    url = match.group(1)
    # The kiosk `kiosk config fetch --config` signs as: enrolled, its secret where its config says.
    secret = subprocess.run(KIOSK + ["central", "enrol", "--database", str(tmp_path / "central.db"),
                                     "--kiosk-id", "demo-0001"], capture_output=True, text=True, check=True).stdout
    (tmp_path / "kiosk").mkdir()
    (tmp_path / "kiosk" / "kiosk.secret").write_text(secret)
    config = tmp_path / "kiosk.toml"
    config.write_text((ROOT / "config" / "default.toml").read_text(encoding="utf-8").replace(
        'data_dir = "/var/lib/police-kiosk"', f'data_dir = "{tmp_path / "kiosk"}"'), encoding="utf-8")
    yield url, repo, keys
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=10)
    process.stdout.close()
    process.stderr.close()


def test_keygen_writes_private_keys_for_the_owner_only(tmp_path):
    made = ok("admin", "keygen", "--out", tmp_path / "keys")
    assert len(made["keyids"]["root"]) == 3
    files = sorted(p.name for p in (tmp_path / "keys").iterdir())
    assert files == ["root-1.pem", "root-2.pem", "root-3.pem", "snapshot-1.pem", "targets-1.pem", "timestamp-1.pem"]
    for path in (tmp_path / "keys").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = kiosk("admin", "keygen", "--out", tmp_path / "keys")
    assert again.returncode == 1 and "already holds keys" in again.stderr


def test_init_publish_fetch_round_trip(central, tmp_path):
    url, repo, keys = central
    trust = repo / "metadata" / "1.root.json"
    state = tmp_path / "state"
    fetch = ("config", "fetch", "--url", f"{url}/tuf", "--trust", trust, "--group", "district-a", "--state", state,
             "--config", tmp_path / "kiosk.toml")

    # Central's repository is for its kiosks: unsigned, nothing (not even that it is there).
    anonymous = kiosk(*fetch[:-2])
    assert anonymous.returncode == 1 and "HTTP 401" in anonymous.stderr, anonymous.stderr
    assert not (state / "current.json").exists()

    assert ok(*fetch) == {"version": 0, "group": "district-a", "seen": None, "updated": False}
    assert ok("admin", "config", "publish", EXAMPLE, "--group", "district-a", "--keys", keys,
              "--repo", repo)["version"] == 1
    assert ok("admin", "config", "publish", EXAMPLE, "--group", "district-b", "--keys", keys,
              "--repo", repo)["version"] == 1  # each group counts its own versions
    assert ok(*fetch) == {"version": 1, "group": "district-a", "seen": 1, "updated": True}
    assert ok(*fetch) == {"version": 1, "group": "district-a", "seen": 1, "updated": False}  # nothing new

    changed = tmp_path / "changed.toml"
    changed.write_text(EXAMPLE.read_text(encoding="utf-8").replace(
        'id = "temporary_id"', 'id = "temporary_id"\nenabled = false', 1), encoding="utf-8")
    assert ok("admin", "config", "publish", changed, "--group", "district-a", "--keys", keys,
              "--repo", repo)["version"] == 2
    assert ok(*fetch)["version"] == 2
    current = json.loads((state / "current.json").read_text())
    assert [s["enabled"] for s in current["config"]["services"] if s["id"] == "temporary_id"] == [False]

    # Version 3 tampered with on the server: refused in one line, version 2 kept.
    assert ok("admin", "config", "publish", EXAMPLE, "--group", "district-a", "--keys", keys,
              "--repo", repo)["version"] == 3
    for path in (repo / "targets" / "groups" / "district-a").iterdir():
        path.write_bytes(path.read_bytes().replace(b"12345", b"54321"))
    refused = kiosk(*fetch)
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.startswith("error: tampered") and refused.stderr.count("\n") == 1
    assert json.loads((state / "current.json").read_text())["version"] == 2


def test_publish_refuses_an_invalid_config_and_foreign_keys(central, tmp_path):
    url, repo, keys = central
    bad = tmp_path / "bad.toml"
    bad.write_text('language = "fr"\n')
    result = kiosk("admin", "config", "publish", bad, "--group", "district-a", "--keys", keys, "--repo", repo)
    assert result.returncode == 1 and "language" in result.stderr
    machine = tmp_path / "machine.toml"
    machine.write_text('[devices.printer]\nurl = "escpos+tcp://10.0.0.9:9100"\n')
    result = kiosk("admin", "config", "publish", machine, "--group", "district-a", "--keys", keys, "--repo", repo)
    assert result.returncode == 1 and "devices" in result.stderr
    ok("admin", "keygen", "--out", tmp_path / "stranger")
    result = kiosk("admin", "config", "publish", EXAMPLE, "--group", "district-a", "--keys", tmp_path / "stranger",
                   "--repo", repo)
    assert result.returncode == 1 and "no targets key of this repository's root" in result.stderr


def test_rotate_root_from_the_command_line(central, tmp_path):
    url, repo, keys = central
    ok("admin", "keygen", "--out", tmp_path / "new")
    assert ok("admin", "repo", "rotate-root", "--keys", keys, "--new-keys", tmp_path / "new",
              "--repo", repo)["root_version"] == 2
    ok("admin", "config", "publish", EXAMPLE, "--group", "district-a", "--keys", tmp_path / "new", "--repo", repo)
    fetched = ok("config", "fetch", "--url", f"{url}/tuf", "--trust", repo / "metadata" / "1.root.json",
                 "--group", "district-a", "--state", tmp_path / "state", "--config", tmp_path / "kiosk.toml")
    assert fetched["version"] == 1
