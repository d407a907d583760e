"""A signed operator-config repository served over HTTP on 127.0.0.1, and a kiosk's updater."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest

from central import tuf_keys
from central.tuf_repo import ConfigRepository
from kiosk.config_updates import ConfigStore, ConfigUpdater
from support.signed_config import GROUP


@pytest.fixture(scope="session")
def key_dirs(tmp_path_factory) -> dict[str, Path]:
    """Two independent key sets: the repository's, and one for rotation (or an attacker)."""
    base = tmp_path_factory.mktemp("keys")
    tuf_keys.generate(base / "keys")
    tuf_keys.generate(base / "other")
    return {"keys": base / "keys", "other": base / "other"}


@pytest.fixture
def keys(key_dirs):
    return tuf_keys.load(key_dirs["keys"])


@pytest.fixture
def repo(tmp_path, keys) -> ConfigRepository:
    return ConfigRepository.init(tmp_path / "repo", keys)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def served(repo):
    """The repository's directory as plain files over HTTP, as central serves it under /tuf/."""
    handler = functools.partial(QuietHandler, directory=str(repo.path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def trust(tmp_path, repo) -> Path:
    """The root of trust as installed with the kiosk: the repository's first root."""
    path = tmp_path / "tuf-root.json"
    shutil.copy(repo.metadata_dir / "1.root.json", path)
    return path


@pytest.fixture
def store(tmp_path) -> ConfigStore:
    return ConfigStore(tmp_path / "state")


@pytest.fixture
def updater(store, served, trust) -> ConfigUpdater:
    return ConfigUpdater(store, served, trust, GROUP)
