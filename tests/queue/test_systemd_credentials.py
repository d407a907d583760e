"""The outbox key and the identity-lockout key can come from systemd credentials
($CREDENTIALS_DIRECTORY, LoadCredentialEncrypted=) instead of files on the kiosk's disk: then
no key file is read or written, and the outbox opens only with the credential."""

from __future__ import annotations

import os

import pytest

from kiosk.identity.policy import FailureLog
from offline_queue.outbox import Outbox


@pytest.fixture
def credentials(tmp_path, monkeypatch):
    directory = tmp_path / "credentials"
    directory.mkdir(mode=0o700)
    (directory / "outbox.key").write_bytes(os.urandom(32))
    (directory / "identity.key").write_text(os.urandom(32).hex())
    for path in directory.iterdir():
        path.chmod(0o400)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(directory))
    return directory


def test_the_outbox_key_comes_from_the_credential(tmp_path, credentials, monkeypatch):
    disk = tmp_path / "var"
    (disk / "keys").mkdir(parents=True)
    with Outbox(disk / "outbox.db", disk / "keys" / "outbox.key") as outbox:
        outbox.enqueue("visit", "v-1", {"outcome": "completed"})
    assert not (disk / "keys" / "outbox.key").exists()  # nothing on the disk to steal
    with Outbox(disk / "outbox.db", disk / "keys" / "outbox.key") as outbox:
        assert [item.key for item in outbox.due(10)] == ["v-1"]
    # Without the credential a key file is made, and it does not open what the credential sealed.
    monkeypatch.delenv("CREDENTIALS_DIRECTORY")
    with Outbox(disk / "outbox.db", disk / "keys" / "outbox.key") as outbox:
        outbox.release_in_flight()
        assert outbox.due(10) == []
        assert outbox.stats()["quarantined"] == 1


def test_the_identity_key_comes_from_the_credential(tmp_path, credentials):
    failures = FailureLog(tmp_path / "var")
    assert not (tmp_path / "var" / "keys" / "identity.key").exists()
    expected = bytes.fromhex((credentials / "identity.key").read_text())
    assert failures._key == expected


def test_without_credentials_the_files_are_used(tmp_path, monkeypatch):
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    with Outbox(tmp_path / "outbox.db", tmp_path / "outbox.key"):
        pass
    assert (tmp_path / "outbox.key").exists()
