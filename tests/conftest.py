"""Shared test setup: Qt runs offscreen whoever starts pytest, and a real central on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from central.server import EmbeddedCentral  # noqa: E402  (after the Qt platform is chosen)


@pytest.fixture
def central_db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'central.db'}"


@pytest.fixture
def central(central_db) -> Iterator[EmbeddedCentral]:
    """Central (uvicorn on 127.0.0.1, a SQLite file) for one test."""
    with EmbeddedCentral(central_db, dev=True) as server:
        yield server
