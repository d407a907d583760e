"""The machine under the kiosk, as the technicians' overview shows it: the process's memory, the
data directory's disk, and whether the network is up at all (central's reachability is the
core's: it pings central). Linux only (/proc, /sys), as the kiosk is; anything unreadable is
None rather than a guess.
"""

from __future__ import annotations

import os
import resource
import shutil
from pathlib import Path
from typing import Any


def memory_rss_bytes(status_file: str = "/proc/self/status") -> int | None:
    """The process's resident memory now (VmRSS); failing that, its peak (ru_maxrss)."""
    try:
        for line in Path(status_file).read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak * 1024 if peak else None


def disk(path: str | Path) -> dict[str, Any]:
    """Free and total bytes of the file system holding `path`."""
    try:
        usage = shutil.disk_usage(path)
    except OSError as exc:
        return {"path": str(path), "free_bytes": None, "total_bytes": None, "error": exc.strerror}
    return {"path": str(path), "free_bytes": usage.free, "total_bytes": usage.total}


def network(sys_net: str = "/sys/class/net", route_file: str = "/proc/net/route") -> dict[str, Any]:
    """The interfaces that are up (loopback aside) and whether there is a default route."""
    up = []
    try:
        for name in sorted(os.listdir(sys_net)):
            if name == "lo":
                continue
            try:
                state = Path(sys_net, name, "operstate").read_text().strip()
            except OSError:
                continue
            if state in ("up", "unknown"):  # "unknown": tunnels and some virtual links carry traffic
                up.append(name)
    except OSError:
        up = None
    try:
        rows = Path(route_file).read_text().splitlines()[1:]
        default_route = any(row.split()[1] == "00000000" for row in rows if len(row.split()) > 1)
    except OSError:
        default_route = None
    return {"interfaces_up": up, "default_route": default_route}
