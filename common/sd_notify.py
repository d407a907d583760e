"""systemd's notify protocol (sd_notify(3)): READY=1 and WATCHDOG=1 as one datagram each to
$NOTIFY_SOCKET. Without that variable (not under a Type=notify unit) every call does nothing.

Written here rather than taken from a package: the protocol is one sendto() per message.
"""

from __future__ import annotations

import os
import socket


def notify(state: str) -> bool:
    """Send `state` (e.g. "READY=1", "WATCHDOG=1"); True if a notify socket took it."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address or address[0] not in "/@":
        return False
    if address[0] == "@":  # an abstract socket: its name begins with a NUL byte
        address = "\0" + address[1:]
    try:
        # Non-blocking: a listener that stops reading fills its queue, and a blocked sendto()
        # on the GUI thread would freeze the very screen the watchdog watches.
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC | socket.SOCK_NONBLOCK) as sock:
            sock.sendto(state.encode(), address)
        return True
    except OSError:  # systemd gone, restarting or behind: the next ping tries again
        return False


def watchdog_interval_s(default: float | None = None) -> float | None:
    """How often to send WATCHDOG=1: a third of the unit's WatchdogSec (WATCHDOG_USEC), as
    sd_watchdog_enabled(3) advises; `default` without one. WATCHDOG_PID is not checked on
    purpose: the kiosk app is a child of the X session, the unit's main process, and pings
    under NotifyAccess=all."""
    try:
        usec = int(os.environ.get("WATCHDOG_USEC", ""))
    except ValueError:
        return default
    return usec / 3_000_000 if usec > 0 else default
