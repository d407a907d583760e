"""`kiosk run` opens the devices on a thread, so the attract screen does not wait for them; no
service can be started until every device has answered."""

from __future__ import annotations

import threading
import time

from kiosk.core import KioskCore
from support.kiosk_core import until

SERVICE = "no_criminal_record"


def gated_opener(core: KioskCore, gate: threading.Event):
    """Devices that take until `gate` is set to open (a slow USB enumeration, say)."""
    real = core.devices._opener

    def opener(url):
        assert gate.wait(20), "the test never opened the gate"
        return real(url)

    core.devices._opener = opener


def test_the_attract_screen_comes_before_the_devices_and_nothing_starts_until_they_answer(env, face_worker):
    core = KioskCore(env.config, face_worker=face_worker, fingerprint_template=env.fingerprint_template)
    gate = threading.Event()
    gated_opener(core, gate)
    began = time.monotonic()
    core.start(devices_in_background=True)
    try:
        assert time.monotonic() - began < 10  # did not wait for the gate
        session = core.session
        assert session.view().state == "attract"  # starting, not out of service
        session.touch()
        tiles = {t.id: t for t in session.view().tiles}
        assert tiles and all(not t.available and t.reason == "devices_starting" for t in tiles.values())
        session.choose_service(SERVICE)
        view = session.view()
        assert view.state == "home" and view.message == "service_unavailable"

        gate.set()
        until(lambda: {t.id: t.available for t in session.view().tiles}.get(SERVICE), what="the tile offered")
        session.choose_service(SERVICE)
        assert session.view().state not in ("home", "attract")
    finally:
        gate.set()
        core.stop()


def test_devices_missing_at_start_put_the_kiosk_out_of_service_once_they_have_answered(env, face_worker):
    env.idcard.set_fault("unplugged")
    env.scanner.set_fault("unplugged")
    env.printer.set_fault("paper_out")
    core = KioskCore(env.config, face_worker=face_worker, fingerprint_template=env.fingerprint_template)
    gate = threading.Event()
    gated_opener(core, gate)
    core.start(devices_in_background=True)
    try:
        assert core.session.view().state == "attract"
        gate.set()
        until(lambda: core.session.view().state == "out_of_service", what="out of service")
        assert core.session.view().out_of_service_reason == "no_service_available"
    finally:
        gate.set()
        core.stop()
