"""The process's heap: freed memory handed back, and glibc's arenas limited.

Arenas: at most two for the whole process, as MALLOC_ARENA_MAX=2 would set.

glibc gives threads heap arenas of their own, up to eight per core. The kiosk's threads (device
polls, the sync worker, the job pool, HTTP clients) each leave a few live blocks scattered over
their arena's pages, which then stay resident: over a day of visits the retained RSS rises in
steps of 15-20 MB (docs/performance.md, "Soak"). Two arenas share those pages instead. Called
first thing in a process, before any thread starts: glibc fixes its arena limit when a second
thread first needs one.
"""

from __future__ import annotations

import ctypes
import gc
import os


def give_back_freed_memory() -> None:
    """Collect cyclic garbage and return the freed heap to the system (glibc otherwise keeps
    it). The collection holds the GIL for ~0.1 s after a large parse: call it while idle."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the memory stays with the process, no harm
        pass


M_ARENA_MAX = -8  # malloc.h
ARENAS = 2


def limit_malloc_arenas(count: int = ARENAS) -> bool:
    """True when glibc took the limit; an explicit MALLOC_ARENA_MAX in the environment wins, and
    a C library without mallopt (musl) is left alone."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        return ctypes.CDLL(None).mallopt(M_ARENA_MAX, count) == 1
    except (OSError, AttributeError):
        return False
