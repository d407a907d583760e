"""Fixtures for chip documents: a real pcscd with vpcd for the session, a virtual card plugged
into its first slot, and the real driver reading it.

pcscd runs privately (its own mount namespace, vpcd on a free port) where `unshare` may mount,
so parallel sessions never share a reader; otherwise the machine's default pcscd is used, or
started and stopped again. Tests needing it skip, saying why, only where pcscd cannot run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from drivers.pcsc import pcscd
from drivers.pcsc.demo_documents import DEFAULT_DOCUMENT, demo_mrz
from drivers.pcsc.mrz import AccessKey
from drivers.pcsc.virtual_card import VirtualCard
from drivers.pcsc.vpcd_link import VpcdLink

KIOSK = str(Path(sys.executable).with_name("kiosk"))
WAIT = 15.0  # generous: pcscd notices cards by polling, and the machine may be busy


@pytest.fixture(scope="session")
def pcsc_service():
    try:
        service = pcscd.start()
    except pcscd.PcscdUnavailable as exc:
        pytest.skip(f"pcscd cannot run here: {exc}")
    # The client library reads this once, at the first context: set it before any use.
    previous = os.environ.get("PCSCLITE_CSOCK_NAME")
    os.environ.update(service.env)
    try:
        wait_until(lambda: service.reader(0) in _reader_names(), "pcscd lists the vpcd reader")
        yield service
    finally:
        service.stop()
        if previous is None:
            os.environ.pop("PCSCLITE_CSOCK_NAME", None)
        else:
            os.environ["PCSCLITE_CSOCK_NAME"] = previous


def _reader_names() -> list[str]:
    from smartcard import scard

    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        return []
    try:
        hresult, names = scard.SCardListReaders(context, [])
        return list(names) if hresult == scard.SCARD_S_SUCCESS else []
    finally:
        scard.SCardReleaseContext(context)


def _card_state(reader: str) -> int:
    from smartcard import scard

    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    try:
        hresult, states = scard.SCardGetStatusChange(context, 0, [(reader, scard.SCARD_STATE_UNAWARE)])
        return states[0][1] if hresult == scard.SCARD_S_SUCCESS else 0
    finally:
        scard.SCardReleaseContext(context)


def card_present(reader: str) -> bool:
    from smartcard import scard

    return bool(_card_state(reader) & scard.SCARD_STATE_PRESENT)


def wait_until(condition, what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def session_card(pcsc_service):
    """The one virtual card in slot 0 for the whole session; tests change it through `card`."""
    virtual = VirtualCard(demo_mrz(DEFAULT_DOCUMENT))
    link = VpcdLink(virtual, port=pcsc_service.port(0)).start()
    try:
        yield virtual, link
    finally:
        link.stop()


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
