"""The notify client and the GUI pulse on their own: datagrams on a real socket, a test clock."""

from __future__ import annotations

import pytest

from common.sd_notify import notify, watchdog_interval_s
from kiosk.gui_pulse import DEFAULT_INTERVAL_S, GuiPulse
from support.systemd_notify import NotifySocket


@pytest.fixture(params=["path", "abstract"])
def listener(request, tmp_path, monkeypatch):
    address = str(tmp_path / "notify") if request.param == "path" else f"@{tmp_path.name}-notify"
    sock = NotifySocket(address)
    for key, value in sock.env(3_000_000).items():
        monkeypatch.setenv(key, value)
    yield sock
    sock.close()


def test_no_notify_socket_is_a_no_op(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    assert notify("READY=1") is False
    assert watchdog_interval_s() is None and GuiPulse().interval_s == DEFAULT_INTERVAL_S


def test_a_socket_nobody_listens_on_is_not_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "gone"))
    assert notify("WATCHDOG=1") is False


def test_ready_once_and_a_ping_per_tick(listener):
    now = [100.0]
    pulse = GuiPulse(clock=lambda: now[0])
    assert pulse.interval_s == 1.0 and pulse.status() is None  # WatchdogSec=3 -> every second
    pulse.ready()
    pulse.ready()
    pulse.tick()
    assert [listener.receive(1) for _ in range(4)] == ["WATCHDOG=1", "READY=1", "WATCHDOG=1", "WATCHDOG=1"]
    now[0] += 2.9
    assert pulse.status() == {"last_tick_age_s": 2.9, "stalled": False}
    now[0] += 0.2
    assert pulse.status() == {"last_tick_age_s": 3.1, "stalled": True} and pulse.stalled()


def test_a_listener_that_stops_reading_never_blocks_the_caller(listener):
    """The GUI thread sends these: a full queue must cost a missed ping, not a frozen screen."""
    import time

    started = time.monotonic()
    answers = [notify("WATCHDOG=1") for _ in range(500)]
    assert time.monotonic() - started < 2
    assert answers[0] is True and answers[-1] is False  # the queue filled; nothing waited
