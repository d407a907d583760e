"""systemd's watchdog, as the units use it: `kiosk run` and `kiosk central serve` as real
processes, a notify socket standing in for systemd, and the GUI thread (or central's event
loop) frozen for real by the kernel while the rest of the process runs on."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid

import pytest

from kiosk.demo_env import DemoEnvironment
from support.systemd_notify import NotifySocket, frozen_thread

WATCHDOG_USEC = 1_500_000  # WatchdogSec=1.5 s: a ping every 0.5 s, stalled after 1.5 s
INTERVAL_S = WATCHDOG_USEC / 3e6


def kiosk_command(*args):
    return [sys.executable, "-m", "kiosk.cli", *args]


@pytest.fixture
def notify_socket(tmp_path):
    sock = NotifySocket(f"@kiosk-test-{uuid.uuid4().hex}")  # abstract, as systemd's own
    yield sock
    sock.close()


def _gui_status(database, since: float = 0.0) -> dict | None:
    """The `gui` part of the kiosk's last heartbeat at central, if it came after `since`."""
    with sqlite3.connect(database) as conn:
        row = conn.execute("select status, received_at from heartbeats").fetchone()
    return None if row is None or row[1] < since else json.loads(row[0]).get("gui")


def test_the_kiosk_pings_from_its_gui_thread_and_falls_silent_when_it_freezes(tmp_path, notify_socket):
    with DemoEnvironment(tmp_path) as env:
        config = env.config
        sets = [f"data_dir={config.data_dir}", f"devices.idcard.url={config.devices['idcard'].url}",
                f"devices.printer.url={config.devices['printer'].url}", f"central.url={config.central.url}",
                "central.enrol_if_missing=true"]
        log = tmp_path / "run.log"
        with open(log, "w") as out:
            proc = subprocess.Popen(kiosk_command("run", *[a for s in sets for a in ("--set", s)]),
                                    stdout=out, stderr=subprocess.STDOUT,
                                    env={**os.environ, "QT_QPA_PLATFORM": "offscreen",
                                         **notify_socket.env(WATCHDOG_USEC)})
        alive = lambda: proc.poll() is None  # noqa: E731
        try:
            notify_socket.wait_for("READY=1", 60, alive)
            assert notify_socket.count("WATCHDOG=1", 6 * INTERVAL_S) >= 4
            central_db = tmp_path / "central.db"

            with frozen_thread(proc.pid):  # the GUI thread: the main thread of `kiosk run`
                frozen_at = time.time()
                notify_socket.drain()  # what was sent before it stopped
                assert notify_socket.count("WATCHDOG=1", 3 * INTERVAL_S) == 0
                assert alive()
                # The heartbeat thread runs on and tells central the screen has stopped.
                deadline = time.monotonic() + 20
                while not (_gui_status(central_db, frozen_at) or {}).get("stalled") and time.monotonic() < deadline:
                    time.sleep(0.2)
                stalled = _gui_status(central_db, frozen_at)
                assert stalled and stalled["stalled"] and stalled["last_tick_age_s"] > 3 * INTERVAL_S, stalled

            thawed_at = time.time()
            notify_socket.wait_for("WATCHDOG=1", 2, alive)  # thawed: it pings again
            deadline = time.monotonic() + 20
            while not _gui_status(central_db, thawed_at) and time.monotonic() < deadline:
                notify_socket.drain()  # a listener that reads, as systemd does
                time.sleep(0.2)
            assert _gui_status(central_db, thawed_at)["stalled"] is False
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=15) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    text = log.read_text()
    assert "the screen has not answered" in text and "the screen answers again" in text
    assert "Traceback" not in text


def test_central_is_ready_once_it_serves_and_pings_from_its_event_loop(tmp_path):
    import httpx

    sock = NotifySocket(str(tmp_path / "notify"))  # a path this time
    log = tmp_path / "central.log"
    try:
        with open(log, "w") as out:
            proc = subprocess.Popen(
                kiosk_command("central", "serve", "--database", f"sqlite:///{tmp_path / 'central.db'}",
                              "--host", "127.0.0.1", "--port", "0"),
                stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **sock.env(WATCHDOG_USEC)})
        alive = lambda: proc.poll() is None  # noqa: E731
        try:
            sock.wait_for("READY=1", 60, alive)
            url = next(line.split("listening on ", 1)[1].strip() for line in log.read_text().splitlines()
                       if "listening on " in line)
            assert httpx.get(f"{url}/api/v1/health", timeout=5).status_code == 200  # READY meant serving
            assert sock.count("WATCHDOG=1", 6 * INTERVAL_S) >= 4
            with frozen_thread(proc.pid):  # uvicorn's event loop runs on the main thread
                sock.drain()
                assert sock.count("WATCHDOG=1", 3 * INTERVAL_S) == 0
            sock.wait_for("WATCHDOG=1", 2, alive)
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=15)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    finally:
        sock.close()
