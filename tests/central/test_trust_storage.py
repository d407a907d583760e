"""Central's database holds no usable kiosk secret, and its files are private: secrets sat in
plain hex in `kiosks`, and the database was created 0644."""

from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy import create_engine, select, update

from central.app import create_app
from central.db import create_engine_for, enrol_kiosk, kiosks, normalise_url
from central.keys import KeyFileError
from central.server import EmbeddedCentral
from kiosk.central_client import CentralClient


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _stored_secret(database_url: str, kiosk_id: str) -> str:
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as conn:
            return conn.execute(select(kiosks.c.secret).where(kiosks.c.kiosk_id == kiosk_id)).scalar_one()
    finally:
        engine.dispose()


def test_the_database_holds_secrets_only_wrapped(central, central_db):
    secret = CentralClient.enrol(central.url, "K-1")
    stored = _stored_secret(central_db, "K-1")
    assert secret.hex() not in stored.lower() and stored.startswith("kw1:")
    with CentralClient(central.url, "K-1", secret) as kiosk:
        assert kiosk.heartbeat({})["ok"] is True


def test_sqlite_files_and_the_key_file_are_private(tmp_path):
    old_umask = os.umask(0o022)
    try:
        database = tmp_path / "central.db"
        with EmbeddedCentral(f"sqlite:///{database}") as server:
            with CentralClient(server.url, "K-1", CentralClient.enrol(server.url, "K-1")) as kiosk:
                kiosk.heartbeat({})
            for path in (database, tmp_path / "central.db-wal", tmp_path / "central.db-shm",
                         tmp_path / "central.db.key"):
                assert path.exists() and _mode(path) == 0o600, path
    finally:
        os.umask(old_umask)


def test_an_existing_world_readable_database_is_made_private(tmp_path):
    database = tmp_path / "central.db"
    create_engine_for(str(database)).dispose()
    os.chmod(database, 0o644)
    create_engine_for(str(database)).dispose()
    assert _mode(database) == 0o600


def test_a_key_file_others_can_read_is_refused(tmp_path):
    database = tmp_path / "central.db"
    create_app(f"sqlite:///{database}").state.engine.dispose()
    os.chmod(tmp_path / "central.db.key", 0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        create_app(f"sqlite:///{database}")


def test_postgresql_without_a_key_file_is_refused(monkeypatch):
    monkeypatch.delenv("KIOSK_CENTRAL_KEY_FILE", raising=False)
    from central.keys import key_path_for

    with pytest.raises(KeyFileError, match="--key-file"):
        key_path_for("postgresql+psycopg://u@127.0.0.1/central")


def test_a_legacy_plain_secret_is_wrapped_when_central_starts(tmp_path):
    database = f"sqlite:///{tmp_path / 'central.db'}"
    engine = create_engine_for(database)
    secret = enrol_kiosk(engine, "K-OLD")
    with engine.begin() as conn:  # as an older central stored it
        conn.execute(update(kiosks).values(secret=secret.hex()))
    engine.dispose()
    with EmbeddedCentral(database) as server:
        with CentralClient(server.url, "K-OLD", secret) as kiosk:
            assert kiosk.heartbeat({})["ok"] is True
    assert _stored_secret(database, "K-OLD").startswith("kw1:")


def test_another_key_file_opens_no_secret(tmp_path):
    database = f"sqlite:///{tmp_path / 'central.db'}"
    with EmbeddedCentral(database) as server:
        secret = CentralClient.enrol(server.url, "K-1")
    (tmp_path / "other.key").write_text(os.urandom(32).hex())
    os.chmod(tmp_path / "other.key", 0o600)
    with EmbeddedCentral(database, key_file=str(tmp_path / "other.key")) as server:
        with CentralClient(server.url, "K-1", secret) as kiosk:
            with pytest.raises(Exception, match="401"):
                kiosk.heartbeat({})
