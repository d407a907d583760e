"""Shared test setup: Qt runs offscreen whoever starts pytest, and a real central on loopback.

Central runs on SQLite and on PostgreSQL, so every test taking `central_db` runs on both: one
throwaway PostgreSQL server per session (127.0.0.1, a temp dir), a fresh database per test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from central.scratch_postgres import PostgresMissing, create_database, drop_database, scratch_postgres  # noqa: E402
from central.server import EmbeddedCentral  # noqa: E402  (after the Qt platform is chosen)
from support.pcsc_fixtures import pcsc_service, session_card  # noqa: E402, F401  (one pcscd per session)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server for this session; yields its admin URL without a database name."""
    try:
        with scratch_postgres() as admin_url:
            yield admin_url
    except PostgresMissing as exc:
        pytest.skip(str(exc))


@pytest.fixture(params=["sqlite", "postgresql"])
def central_db(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.db'}"
        return
    url = create_database(request.getfixturevalue("postgres_server"))
    # Central's key file for kiosk secrets: beside the database for SQLite, named for PostgreSQL.
    monkeypatch = request.getfixturevalue("monkeypatch")
    monkeypatch.setenv("KIOSK_CENTRAL_KEY_FILE", str(tmp_path / "central.key"))
    yield url
    drop_database(url)


@pytest.fixture
def central(central_db) -> Iterator[EmbeddedCentral]:
    """Central (uvicorn on 127.0.0.1) on SQLite or PostgreSQL, for one test."""
    with EmbeddedCentral(central_db, dev=True) as server:
        yield server
