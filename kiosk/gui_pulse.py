"""The GUI thread's pulse: ticked by a timer on that thread, it pings systemd's watchdog and
tells the heartbeat (another thread) how long ago the screen last answered.

A frozen GUI thread stops ticking: systemd restarts the unit once WatchdogSec passes, and
until then central hears `stalled` instead of a kiosk that looks well.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from common.sd_notify import notify, watchdog_interval_s

# Without a systemd watchdog the pulse still feeds the heartbeat, at this pace.
DEFAULT_INTERVAL_S = 5.0


class GuiPulse:
    def __init__(self, interval_s: float | None = None, *, clock: Callable[[], float] = time.monotonic):
        self.interval_s = interval_s or watchdog_interval_s(DEFAULT_INTERVAL_S)
        # Three missed ticks: under systemd that is WatchdogSec, when the restart comes.
        self.stalled_after_s = 3 * self.interval_s
        self._clock = clock
        self._last_tick: float | None = None
        self._ready = False

    def tick(self) -> None:
        """Called on the GUI thread, by its timer."""
        self._last_tick = self._clock()
        notify("WATCHDOG=1")

    def ready(self) -> None:
        """The first screen is up: systemd may count the unit as started. Once per process."""
        self.tick()
        if not self._ready:
            self._ready = True
            notify("READY=1")

    def status(self) -> dict | None:
        """For the heartbeat; None before the first screen."""
        if self._last_tick is None:
            return None
        age = self._clock() - self._last_tick
        return {"last_tick_age_s": round(age, 1), "stalled": age > self.stalled_after_s}

    def stalled(self) -> bool:
        status = self.status()
        return bool(status and status["stalled"])
