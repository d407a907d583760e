"""systemd's watchdog, as the units use it: `kiosk run` and `kiosk central serve` as real
processes, a notify socket standing in for systemd, and the GUI thread (or central's event
loop) frozen for real by the kernel while the rest of the process runs on."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid

import pytest

from central.stats import fleet
from kiosk.demo_env import DemoEnvironment
from support.kiosk_process import demo_sets, kiosk_command, kiosk_run, stop
from support.systemd_notify import NotifySocket, frozen_thread

WATCHDOG_USEC = 1_500_000  # WatchdogSec=1.5 s: a ping every 0.5 s, stalled after 1.5 s
INTERVAL_S = WATCHDOG_USEC / 3e6


@pytest.fixture
def notify_socket():
    sock = NotifySocket(f"@kiosk-test-{uuid.uuid4().hex}")  # abstract, as systemd's own
    yield sock
    sock.close()


def _gui_status(env, since: float = 0.0) -> dict | None:
    """The `gui` part of the kiosk's last heartbeat at central, if it came after `since`."""
    kiosk = fleet(env.central.database_url)[0]
    if kiosk["last_seen_s_ago"] is None or time.time() - kiosk["last_seen_s_ago"] < since:
        return None
    return (kiosk["status"] or {}).get("gui")


def _wait_for_status(env, since: float, done, notify_socket) -> dict | None:
    deadline = time.monotonic() + 20
    while not done(status := _gui_status(env, since)) and time.monotonic() < deadline:
        notify_socket.drain()  # a listener that reads, as systemd does
        time.sleep(0.2)
    return status


def test_the_kiosk_pings_from_its_gui_thread_and_falls_silent_when_it_freezes(tmp_path, notify_socket):
    with DemoEnvironment(tmp_path) as env:
        log = tmp_path / "run.log"
        with kiosk_run(demo_sets(env), log, notify_socket.env(WATCHDOG_USEC)) as proc:
            alive = lambda: proc.poll() is None  # noqa: E731
            notify_socket.wait_for("READY=1", 60, alive)
            assert notify_socket.count("WATCHDOG=1", 6 * INTERVAL_S) >= 4

            with frozen_thread(proc.pid):  # the GUI thread: the main thread of `kiosk run`
                frozen_at = time.time()
                notify_socket.drain()  # what was sent before it stopped
                assert notify_socket.count("WATCHDOG=1", 3 * INTERVAL_S) == 0
                assert alive()
                # The heartbeat thread runs on and tells central the screen has stopped.
                stalled = _wait_for_status(env, frozen_at, lambda s: s and s["stalled"], notify_socket)
                assert stalled and stalled["stalled"] and stalled["last_tick_age_s"] > 3 * INTERVAL_S, stalled

            thawed_at = time.time()
            notify_socket.wait_for("WATCHDOG=1", 2, alive)  # thawed: it pings again
            answering = _wait_for_status(env, thawed_at, lambda s: s and not s["stalled"], notify_socket)
            assert answering and answering["stalled"] is False, answering
            assert stop(proc) == 0
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
            # uvicorn shuts down gracefully, then dies of the signal it caught (as systemd expects).
            assert stop(proc) in (0, -signal.SIGTERM)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    finally:
        sock.close()
