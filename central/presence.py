"""Online or offline: a kiosk is online while its last heartbeat is younger than the threshold.

Each change of state is recorded (`presence_changes`) when it is noticed: on a heartbeat (one
arriving after a silence longer than the threshold means the kiosk was offline in between) and
whenever the fleet page or /metrics looks. A kiosk that changed state FLAP_CHANGES times or more
within one flap window (an hour) is "flapping", and stays so until it has gone a whole window
without such a burst: the page marks it instead of alarming on every change (central/fleet_state.py).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from central.db import kiosk_presence, presence_changes

OFFLINE_AFTER_S = 180.0  # three times the kiosks' default heartbeat interval (60 s)
FLAP_WINDOW_S = 3600.0
FLAP_CHANGES = 4


@dataclass(frozen=True)
class PresenceRules:
    offline_after_s: float = OFFLINE_AFTER_S
    flap_changes: int = FLAP_CHANGES
    flap_window_s: float = FLAP_WINDOW_S


def observe(conn: Connection, kiosk_id: str, online: bool, at: float) -> bool:
    """Record that `kiosk_id` is `online` (or not) since `at`; True if that is a change."""
    row = conn.execute(select(kiosk_presence.c.online, kiosk_presence.c.since)
                       .where(kiosk_presence.c.kiosk_id == kiosk_id)).first()
    if row is None:
        conn.execute(insert(kiosk_presence).values(kiosk_id=kiosk_id, online=online, since=at))
        return False
    if bool(row.online) == online:
        return False
    at = max(at, row.since)  # changes stay in order even if noticed late
    conn.execute(update(kiosk_presence).where(kiosk_presence.c.kiosk_id == kiosk_id)
                 .values(online=online, since=at))
    conn.execute(insert(presence_changes).values(kiosk_id=kiosk_id, online=online, at=at))
    return True


def heartbeat_arrived(conn: Connection, kiosk_id: str, previous_at: float | None, now: float,
                      rules: PresenceRules) -> None:
    """Called with the heartbeat before this one (None: the first): a gap longer than the
    threshold was an offline spell, even if nobody looked during it."""
    if previous_at is not None and now - previous_at > rules.offline_after_s:
        observe(conn, kiosk_id, False, previous_at + rules.offline_after_s)
    observe(conn, kiosk_id, True, now)


def current(conn: Connection, kiosk_id: str, last_heartbeat: float | None, now: float,
            rules: PresenceRules) -> tuple[bool, float | None]:
    """(online, since) now, recording a change to offline noticed at this look."""
    if last_heartbeat is None:
        return False, None
    online = now - last_heartbeat <= rules.offline_after_s
    observe(conn, kiosk_id, online, now if online else last_heartbeat + rules.offline_after_s)
    since = conn.execute(select(kiosk_presence.c.since).where(kiosk_presence.c.kiosk_id == kiosk_id)).scalar()
    return online, since


@dataclass(frozen=True)
class Flaps:
    changes: int  # changes of state within the last flap window
    since: float | None  # flapping: the first change of the burst that made it so; else None


def flaps(conn: Connection, now: float, rules: PresenceRules) -> dict[str, Flaps]:
    """Kiosk id → its changes lately, for each kiosk that changed state within two flap windows.

    A kiosk is flapping while one of its changes within the last window had `flap_changes`
    changes (itself included) within the window before it: the burst that started it keeps it
    flapping until a whole window has passed without a change that makes another."""
    window = rules.flap_window_s
    times: dict[str, list[float]] = defaultdict(list)
    for kiosk_id, at in conn.execute(select(presence_changes.c.kiosk_id, presence_changes.c.at)
                                     .where(presence_changes.c.at >= now - 2 * window)
                                     .order_by(presence_changes.c.kiosk_id, presence_changes.c.at)):
        times[kiosk_id].append(at)
    found = {}
    for kiosk_id, ats in times.items():
        since = None
        for n, at in enumerate(ats):
            first = bisect.bisect_left(ats, at - window)
            if at >= now - window and n - first + 1 >= rules.flap_changes:
                since = ats[first]
                break
        found[kiosk_id] = Flaps(sum(at >= now - window for at in ats), since)
    return found
