"""A real pcscd with vpcd for the test session, and its one virtual card (slot 0): shared by
the driver's tests and the kiosk's end-to-end tests (the PC/SC client library reads its socket
name once per process, so one pcscd serves the whole session). Registered in tests/conftest.py.
"""

from __future__ import annotations

import os
import time

import pytest

from drivers.pcsc import pcscd
from drivers.pcsc.demo_documents import DEFAULT_DOCUMENT, demo_mrz
from drivers.pcsc.virtual_card import VirtualCard
from drivers.pcsc.vpcd_link import VpcdLink

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
