"""The kiosk's credentials: enrolled once, written whole, refused plainly when damaged."""

from __future__ import annotations

import stat

import pytest

from central.server import EmbeddedCentral
from kiosk.central_client import CentralClient
from kiosk.config import load_config
from kiosk.core import load_or_enrol_secret


@pytest.fixture
def central(tmp_path):
    server = EmbeddedCentral(f"sqlite:///{tmp_path / 'central.db'}", dev=True)
    server.start()
    yield server
    server.stop()


def _config(tmp_path, central_url: str, enrol: bool = True):
    return load_config(None, {"data_dir": str(tmp_path / "kiosk"), "central.url": central_url,
                              "central.enrol_if_missing": enrol})


def test_enrolment_writes_a_private_secret_and_reuses_it(tmp_path, central):
    config = _config(tmp_path, central.url)
    secret = load_or_enrol_secret(config)
    path = tmp_path / "kiosk" / config.central.secret_file
    assert len(secret) >= 16
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(path.parent.glob("*.partial")) == []
    assert load_or_enrol_secret(config) == secret


@pytest.mark.parametrize("content", ["", "not hex at all"])
def test_a_damaged_secret_is_refused_with_a_clear_message(tmp_path, content):
    config = _config(tmp_path, "http://127.0.0.1:9", enrol=False)
    path = tmp_path / "kiosk" / config.central.secret_file
    path.parent.mkdir(parents=True)
    path.write_text(content)
    with pytest.raises(RuntimeError, match="damaged"):
        load_or_enrol_secret(config)


def test_without_credentials_and_without_enrolment_the_kiosk_says_how_to_provision(tmp_path):
    with pytest.raises(RuntimeError, match="kiosk central enrol"):
        load_or_enrol_secret(_config(tmp_path, "http://127.0.0.1:9", enrol=False))


def test_the_secret_comes_from_a_systemd_credential_and_no_file_is_made(tmp_path, central, monkeypatch):
    secret = CentralClient.enrol(central.url, "K-CRED")
    directory = tmp_path / "credentials"
    directory.mkdir(mode=0o700)
    (directory / "kiosk.secret").write_text(secret.hex())
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(directory))
    config = _config(tmp_path, "http://127.0.0.1:9", enrol=False)  # enrolling would fail: not tried
    assert load_or_enrol_secret(config) == secret
    assert not (tmp_path / "kiosk" / config.central.secret_file).exists()

