"""The kiosk core without a window, on a demo environment, for visits driven through the
Session as the widgets would drive it."""

from __future__ import annotations

import contextlib
import logging
import time

from kiosk.core import KioskCore


@contextlib.contextmanager
def kiosk_core(env, face_worker):
    core = KioskCore(env.config, face_worker=face_worker, fingerprint_template=env.fingerprint_template).start()
    try:
        yield core
    finally:
        core.stop()


def until(predicate, timeout=30.0, what="the condition"):
    """Poll until `predicate()` is truthy; its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def choose_service(session, service_id: str) -> None:
    """From the attract screen to the service, once its tile is offered."""
    until(lambda: session.view().state == "attract")
    session.touch()
    until(lambda: dict((t.id, t.available) for t in session.view().tiles).get(service_id),
          what=f"the {service_id} tile offered")
    session.choose_service(service_id)


@contextlib.contextmanager
def kiosk_log_file(config):
    """The kiosk's own masked log file (kiosk/logs.py) in its data directory, for as long as the
    block runs: what a diagnostic bundle takes its logs from."""
    from kiosk.logs import add_log_file

    handler = add_log_file(config.data_path("logs"))
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
