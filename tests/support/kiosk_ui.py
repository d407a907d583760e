"""Driving a running kiosk through its real widgets (tests/e2e): the core and its window on a
DemoEnvironment, the session clock the test's, and what a citizen's hands and eyes do."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel
from pytestqt.exceptions import TimeoutError as QtTimeoutError

from kiosk.core import KioskCore
from screens.app import make_window

VERIFY_MS = 90_000  # the face check with its challenges, on a loaded machine


class Clock:
    """The session's clock: countdowns move only when the test says."""

    def __init__(self):
        self.now = 10_000.0

    def __call__(self):
        return self.now


@contextlib.contextmanager
def running_kiosk(env, clock, qtbot, face_worker, **core_options):
    """The kiosk core and its window on `env`'s config; the session clock is the test's.
    `core_options` go to KioskCore (e.g. `site_clock`)."""
    core = KioskCore(env.config, clock=clock, face_worker=face_worker,
                     fingerprint_template=env.fingerprint_template, **core_options).start(ticker=False)
    try:
        window = make_window(core.session, size=(1080, 1920), preview=core.preview)
    except BaseException:
        core.stop()  # a failed test must not leave a running core to the tests after it
        raise
    qtbot.addWidget(window)
    try:
        yield core, window
    finally:
        window.shutdown()
        core.stop()


def wait_state(qtbot, window, *states, timeout=15_000):
    qtbot.waitUntil(lambda: window.view is not None and window.view.state in states, timeout=timeout)
    return window.view


def click(qtbot, widget):
    assert widget.isEnabled(), f"{widget.text()} is disabled"
    qtbot.mouseClick(widget, Qt.LeftButton)


def all_texts(window) -> str:
    """Every label's and button's text in the window, on hidden pages too."""
    texts = [w.text() for w in window.findChildren(QLabel)] + [w.text() for w in window.findChildren(QAbstractButton)]
    return "\n".join(texts)


def start_visit(qtbot, window, service_id="no_criminal_record", *, first_stage="identify"):
    """Touch the attract screen and pick the service's tile once it is offered."""
    wait_state(qtbot, window, "attract")
    click(qtbot, window.pages["attract"])
    wait_state(qtbot, window, "home")
    qtbot.waitUntil(lambda: service_id in window.pages["home"].tiles.buttons
                    and window.pages["home"].tiles.buttons[service_id].isEnabled(), timeout=10_000)
    click(qtbot, window.pages["home"].tiles.buttons[service_id])
    if first_stage:
        wait_state(qtbot, window, first_stage)


def verified(qtbot, env, window, *, until=("choose",), finger=None):
    """Wait out the identity check: the face, or (on a machine too loaded for the challenges,
    or with the fingerprint configured first) the fingerprint, which the citizen then gives."""
    def done():
        view = window.view
        if view.state == "verify" and view.verify is not None and view.verify.method == "fingerprint":
            env.place_finger(finger)
        return view.state in until

    try:
        qtbot.waitUntil(done, timeout=VERIFY_MS)
    except QtTimeoutError as exc:
        view = window.view
        raise AssertionError(f"identity check not done: at {view.state}, message {view.message}, "
                             f"verify {view.verify}") from exc
    env.lift_finger()


def central_visit_records(env) -> list[dict]:
    """The visit records central received (its `records` table, SQLite here)."""
    with contextlib.closing(sqlite3.connect(env.central.database_url.removeprefix("sqlite:///"))) as db:
        rows = db.execute("SELECT payload FROM records WHERE kind = 'visit'").fetchall()
    return [json.loads(payload) for (payload,) in rows]


def central_ratings(env) -> list[tuple[str, int, str | None]]:
    """(service, level, reason) of every rating central took in (its `ratings` table)."""
    with contextlib.closing(sqlite3.connect(env.central.database_url.removeprefix("sqlite:///"))) as db:
        return db.execute("SELECT service, level, reason FROM ratings ORDER BY rated_at").fetchall()


def wait_delivered(core, count, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if core.outbox.stats()["delivered"] >= count and core.outbox.stats()["pending"] == 0:
            return True
        core.sync.wake()
        time.sleep(0.1)
    return False


class QuietRunner:
    """The core's side, doing nothing: the test reports what its workers would."""

    def start_stage(self, visit, stage): pass
    def record_rating(self, visit): pass
    def visit_ended(self, visit, outcome): pass
