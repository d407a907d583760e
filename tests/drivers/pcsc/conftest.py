"""Fixtures for chip documents: a real pcscd with vpcd for the session and a virtual card
plugged into its first slot (tests/support/pcsc_fixtures.py), and the real driver reading it.

pcscd runs privately (its own mount namespace, vpcd on a free port) where `unshare` may mount,
so parallel sessions never share a reader; otherwise the machine's default pcscd is used, or
started and stopped again. Tests needing it skip, saying why, only where pcscd cannot run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from drivers.pcsc.demo_documents import DEFAULT_DOCUMENT, demo_mrz
from drivers.pcsc.mrz import AccessKey
from support.pcsc_fixtures import card_present, wait_until

KIOSK = str(Path(sys.executable).with_name("kiosk"))


@pytest.fixture
def card(session_card, pcsc_service):
    """The session's card, reset: the default document inserted, no faults, seen by pcscd."""
    virtual, link = session_card
    virtual.clear_fault()
    virtual.insert(demo_mrz(DEFAULT_DOCUMENT))
    wait_until(lambda: card_present(pcsc_service.reader(0)), "pcscd sees the virtual card")
    yield virtual
    virtual.clear_fault()


@pytest.fixture
def reader_name(pcsc_service) -> str:
    return pcsc_service.reader(0)


def url_for(reader: str, zone: str | None = None, **options) -> str:
    """pcsc://<reader>?mrz=<key string>&…, the key taken from `zone` (default document's)."""
    key = AccessKey.from_mrz(zone or demo_mrz(DEFAULT_DOCUMENT)).mrz_information
    query = "&".join(f"{name}={value}" for name, value in {"mrz": key, **options}.items())
    return f"pcsc://{quote(reader)}?{query}"


@pytest.fixture
def make_url(reader_name):
    """make_url(zone=None, reader=None, **options): a pcsc URL for the session's reader."""
    return lambda zone=None, reader=None, **options: url_for(reader_name if reader is None else reader,
                                                             zone, **options)


@pytest.fixture
def wait_card(reader_name):
    """wait_card(True): until pcscd sees a card in slot 0; wait_card(False): until it sees none."""

    def wait(present: bool) -> None:
        wait_until(lambda: card_present(reader_name) == present,
                   "pcscd sees the card" if present else "pcscd notices the card is gone")

    return wait


@pytest.fixture
def run_kiosk(pcsc_service):
    """Run the installed `kiosk` command as a real subprocess, pointed at the session's pcscd."""

    def run(*args: str, timeout: float = 20, env: dict | None = None) -> subprocess.CompletedProcess:
        full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **pcsc_service.env, **(env or {})}
        return subprocess.run([KIOSK, *args], capture_output=True, text=True, timeout=timeout, env=full_env)

    run.kiosk = KIOSK
    return run
