"""Support's screenshot from afar, end to end: a real central (the demo's, on 127.0.0.1) where the
request is made, a real kiosk core that hears of it in its heartbeat's answer, its real window
offscreen that is grabbed, the PNG uploaded over signed HTTP; and the refusal while a citizen's
visit is in progress, answered as such and not taken once the visit is over."""

from __future__ import annotations

import time

import pytest
from PySide6.QtGui import QImage
from sqlalchemy import select

from central import remote
from central.db import create_engine_for, remote_requests
from central.stats import audit as central_audit
from screens.remote_capture import ScreenCapture, attach_remote_capture
from support.kiosk_ui import click, running_kiosk, wait_state

FAST = {"central.heartbeat_s": 1, "speech.enabled": False}


@pytest.fixture
def env(demo_env):
    return demo_env(overrides=FAST)


@pytest.fixture
def kiosk(env, clock, qtbot, face_worker):
    with running_kiosk(env, clock, qtbot, face_worker) as (core, window):
        attach_remote_capture(window, core.remote)
        yield core, window


@pytest.fixture
def central_db(env):
    engine = create_engine_for(env.central.database_url)
    yield engine
    engine.dispose()


def ask(engine, kiosk_id: str, kind: str = "screenshot") -> str:
    with engine.begin() as conn:
        return remote.request(conn, kiosk_id, kind, "sue")


def row(engine, request_id: str):
    with engine.connect() as conn:
        return conn.execute(select(remote_requests).where(remote_requests.c.request_id == request_id)).first()


def answered(qtbot, engine, request_id: str, timeout: int = 20_000):
    """The request's row once the kiosk answered it; the GUI thread keeps running meanwhile."""
    qtbot.waitUntil(lambda: row(engine, request_id).state in ("done", "refused"), timeout=timeout)
    return row(engine, request_id)


def kiosk_steps(qtbot, env, core, request_id: str, count: int) -> list[tuple[str, str, str]]:
    """The kiosk's audit entries of this request as central has them (through the outbox)."""
    def steps():
        core.sync.wake()
        entries = central_audit(env.central.database_url, kiosk_id=env.config.kiosk.id)
        return [(e["actor"], e["action"], e["outcome"]) for e in reversed(entries)
                if e["detail"].get("request") == request_id]

    qtbot.waitUntil(lambda: len(steps()) >= count, timeout=15_000)
    return steps()


def test_support_sees_the_kiosks_screen_between_visits(env, kiosk, central_db, qtbot):
    core, window = kiosk
    wait_state(qtbot, window, "attract")
    request_id = ask(central_db, env.config.kiosk.id)
    done = answered(qtbot, central_db, request_id)
    assert done.state == "done" and done.content_type == "image/png" and done.sent_at is not None
    image = QImage.fromData(bytes(done.content), "PNG")
    assert not image.isNull()
    assert (image.width(), image.height()) == (window.width(), window.height())
    # Not a blank grab: the attract screen has more than one colour.
    assert len({image.pixel(x, y) for x in range(0, image.width(), 97) for y in range(0, image.height(), 97)}) > 1
    assert kiosk_steps(qtbot, env, core, request_id, 2) == [
        ("support:sue", "remote_screenshot", "received"), ("support:sue", "remote_screenshot", "done")]


def test_a_screenshot_is_refused_while_a_visit_is_in_progress_and_not_taken_after_it(env, kiosk, central_db, qtbot):
    core, window = kiosk
    wait_state(qtbot, window, "attract")
    click(qtbot, window.pages["attract"])  # a citizen starts a visit
    wait_state(qtbot, window, "home")
    request_id = ask(central_db, env.config.kiosk.id)
    refused = answered(qtbot, central_db, request_id)
    assert (refused.state, refused.reason, refused.content) == ("refused", "visit_in_progress", None)
    core.session.cancel()
    wait_state(qtbot, window, "attract")
    deadline = time.monotonic() + 3  # three heartbeats between visits: the refusal stands
    qtbot.waitUntil(lambda: time.monotonic() > deadline, timeout=5_000)
    after = row(central_db, request_id)
    assert (after.state, after.content) == ("refused", None)
    assert kiosk_steps(qtbot, env, core, request_id, 2) == [
        ("support:sue", "remote_screenshot", "received"), ("support:sue", "remote_screenshot", "refused")]


def test_the_grab_asks_on_the_gui_thread_whether_the_kiosk_is_still_idle(qtbot):
    """Between the core's check and the grab a citizen may have touched the screen: the GUI
    thread's own answer decides, from a worker thread as from the GUI thread."""
    import threading

    from PySide6.QtWidgets import QLabel

    label = QLabel("attract")
    qtbot.addWidget(label)
    label.resize(120, 80)
    capture = ScreenCapture(label)
    asked_on: list[bool] = []

    def busy() -> bool:
        asked_on.append(threading.current_thread() is threading.main_thread())
        return False

    assert capture(busy) is None
    got: list = []
    worker = threading.Thread(target=lambda: got.append((capture(busy), capture(lambda: True))))
    worker.start()
    qtbot.waitUntil(lambda: not worker.is_alive(), timeout=5_000)
    refused, png = got[0]
    assert refused is None and png.startswith(b"\x89PNG")
    assert asked_on == [True, True]
