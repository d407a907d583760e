"""Entry points of the installed packages (vendor drivers, vendor services).

Read once per process: each `importlib.metadata.entry_points()` call reads every installed
package's metadata (5–20 ms on the kiosk's 2 cores), and start-up asked once per device and
once per service. Packages are not installed under a running kiosk.
"""

from __future__ import annotations

import functools
from importlib.metadata import EntryPoint, entry_points


@functools.cache
def _all_entry_points():
    return entry_points()


def plugins(group: str) -> tuple[EntryPoint, ...]:
    """The entry points of `group` ("kiosk.drivers", "kiosk.services")."""
    return tuple(_all_entry_points().select(group=group))
