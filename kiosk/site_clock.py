"""The site's clock: one time zone, from config, for everything a citizen or operator reads.

Records and central keep UTC; receipts, certificates, opening hours and screens use the site's
local time (Asia/Shanghai unless the config says otherwise), whatever the machine's zone is.
"""

from __future__ import annotations

from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo


class SiteClock:
    def __init__(self, zone: str = "Asia/Shanghai", now=None):
        self.zone = ZoneInfo(zone)
        self._now = now or (lambda: datetime.now(timezone.utc))

    def now(self) -> datetime:
        """The site's local time, aware."""
        return self._now().astimezone(self.zone)

    def local(self, when: datetime | str) -> datetime:
        """A UTC (or any aware) time, or its ISO text, in the site's zone."""
        if isinstance(when, str):
            when = datetime.fromisoformat(when)
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return when.astimezone(self.zone)

    def stamp(self, when: datetime | str | None = None) -> str:
        """'2026-12-02 14:05' in site time: what receipts and certificates print."""
        return (self.now() if when is None else self.local(when)).strftime("%Y-%m-%d %H:%M")

    def today_code(self) -> str:
        return self.now().strftime("%Y%m%d")

    def within(self, windows: list[str]) -> bool:
        """Whether now falls in one of the opening windows ("08:30-17:30"; "22:00-06:00" spans
        midnight). No windows means round the clock."""
        if not windows:
            return True
        now = self.now().time()
        for window in windows:
            start, end = parse_window(window)
            if (start <= now < end) if start < end else (now >= start or now < end):
                return True
        return False


def parse_window(window: str) -> tuple[time, time]:
    start, _, end = window.partition("-")
    try:
        return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
    except ValueError:
        raise ValueError(f"opening hours must look like 08:30-17:30, got {window!r}") from None
